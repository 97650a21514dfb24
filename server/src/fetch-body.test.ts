import { describe, expect, it } from 'vitest';
import { bodyJson, bodyText } from './fetch-body.ts';

/** A response whose body never ends: what undici 6 hands back after a badly timed abort. */
const endless = (): Response => new Response(new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode('{"a"')) }));

describe('bodyText', () => {
  it('reads a body that ends, as text or JSON', async () => {
    const signal = new AbortController().signal;
    expect(await bodyText(new Response('你好'), signal)).toBe('你好');
    expect(await bodyJson<{ a: number }>(new Response('{"a":1}'), signal)).toEqual({ a: 1 });
  });

  it('settles with the abort reason when the signal aborts while the body never ends', async () => {
    const c = new AbortController();
    const read = bodyText(endless(), c.signal);
    const outcome = Promise.race([
      read.then(
        () => 'resolved',
        (e: unknown) => e,
      ),
      new Promise((r) => setTimeout(() => r('still pending'), 500)),
    ]);
    c.abort(new Error('stopped'));
    expect(await outcome).toMatchObject({ message: 'stopped' });
  });

  it('rejects at once for a signal that has already aborted', async () => {
    await expect(bodyText(endless(), AbortSignal.abort(new Error('too late')))).rejects.toThrow('too late');
  });

  it('rejects on a timeout signal the same way', async () => {
    await expect(bodyText(endless(), AbortSignal.timeout(50))).rejects.toMatchObject({ name: 'TimeoutError' });
  });
});
