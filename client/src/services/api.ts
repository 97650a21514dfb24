/** HTTP calls to /api with the session token; errors come back as ApiRequestError with the server's code. */
import type { ApiError } from '@contract/errors.ts';

export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly error: ApiError,
  ) {
    super(error.message);
  }
}

let token: string | null = null;
let onUnauthorized: (() => void) | null = null;

export function setToken(value: string | null): void {
  token = value;
}

export function onSessionExpired(handler: () => void): void {
  onUnauthorized = handler;
}

/** The token calls go out with now (a renewed one after the wall signs itself in again). */
export const currentToken = (): string | null => token;

/** The server said the session is over (an API call's 401, the feed's `session:expired`). */
export const expireSession = (): void => onUnauthorized?.();

export async function api<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
  const res = await fetch(`/api${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  const data = text ? (JSON.parse(text) as unknown) : null;
  if (!res.ok) {
    if (res.status === 401 && path !== '/auth/login' && path !== '/auth/kiosk') onUnauthorized?.();
    throw new ApiRequestError(res.status, (data as { error?: ApiError } | null)?.error ?? { code: 'internal', message: res.statusText });
  }
  return data as T;
}

/** A fresh idempotency key for one report (retries of it reuse the key). */
export function newIdempotencyKey(): string {
  return `web-${crypto.randomUUID()}`;
}

/**
 * Saves an export (/api/exports/…) as a file. The token goes in a header, never in a URL, so the
 * file is fetched and handed to the browser as a blob; the server streams it, the name comes from it.
 */
export async function download(path: string): Promise<void> {
  const res = await fetch(`/api${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!res.ok) {
    if (res.status === 401) onUnauthorized?.();
    const data = (await res.json().catch(() => null)) as { error?: ApiError } | null;
    throw new ApiRequestError(res.status, data?.error ?? { code: 'internal', message: res.statusText });
  }
  const name = /filename\*=UTF-8''([^;]+)/.exec(res.headers.get('content-disposition') ?? '')?.[1];
  const url = URL.createObjectURL(await res.blob());
  const a = Object.assign(document.createElement('a'), { href: url, download: name ? decodeURIComponent(name) : 'export' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
