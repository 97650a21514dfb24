/**
 * Reading the body of an outgoing `fetch` so that the request's abort signal always settles it.
 *
 * Why: Node 20's fetch (undici 6.x) can leave `response.text()` / `.json()` pending forever when
 * the signal aborts after the transport has received the whole body but before the body stream
 * has closed (nodejs/undici#4089, #4232; nodejs/node#56917). Seen here as the simulator's stop()
 * waiting forever on one action's answer (the simulator test's rare 60 s timeout), and it would
 * leave a notification delivery in flight for good (never retried, never expired).
 */

/** The body as text; rejects with the signal's reason once it aborts, whatever the stream does. */
export function bodyText(res: Response, signal: AbortSignal): Promise<string> {
  if (signal.aborted) {
    void res.body?.cancel().catch(() => undefined);
    return Promise.reject(signal.reason as Error);
  }
  return new Promise<string>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    res
      .text()
      .then(resolve, reject)
      .finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** The body parsed as JSON, on the same terms as bodyText. */
export async function bodyJson<T>(res: Response, signal: AbortSignal): Promise<T> {
  return JSON.parse(await bodyText(res, signal)) as T;
}
