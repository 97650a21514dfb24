/** Error codes and their HTTP statuses, shared by REST answers and socket acks. */
export const ERROR_STATUS = {
  'bad-request': 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  'stale-version': 409,
  'invalid-transition': 409,
  'idempotency-mismatch': 409,
  'too-large': 413,
  'rate-limited': 429,
  /** The store cannot write now (a full disk, a failing file): nothing was recorded; try again later. */
  'storage-unavailable': 503,
  internal: 500,
} as const;
export type ErrorCode = keyof typeof ERROR_STATUS;

export interface ApiError {
  code: ErrorCode;
  message: string;
  /** Field-level messages for bad-request, keyed by dotted path. */
  fields?: Record<string, string>;
}

/** Socket acknowledgements: `{ ok: true, data }` or `{ ok: false, error }`. */
export type Ack<T> = { ok: true; data: T } | { ok: false; error: ApiError };

/** A failure the domain raises on purpose; adapters turn it into a status and an ApiError. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fields?: Record<string, string>,
  ) {
    super(message);
    this.name = 'DomainError';
  }

  toApiError(): ApiError {
    return { code: this.code, message: this.message, ...(this.fields ? { fields: this.fields } : {}) };
  }
}
