/**
 * Logins under attack: a flood does not stall the event loop, an unknown username takes as long
 * to refuse as a known one, X-Forwarded-For counts only from a trusted proxy, and a guesser locked
 * out at one address does not lock the real user (or the wall's kiosk) out at another.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../../server/src/security.ts';
import { PASSWORD, startHarness, type Harness } from '../helpers/server.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const login = (base: string, username: string, password: string, from?: string): Promise<number> =>
  fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(from ? { 'x-forwarded-for': from } : {}) },
    body: JSON.stringify({ username, password }),
  }).then((r) => r.status);

describe('logins', () => {
  it('checks passwords off the event loop: a flood of logins does not stall it', async () => {
    h = await startHarness();
    // What one password check holds the event loop for when it runs there, measured here.
    const checks: number[] = [];
    for (let i = 0; i < 3; i++) {
      const started = performance.now();
      hashPassword('a-password-of-some-length');
      checks.push(performance.now() - started);
    }
    const checkMs = checks.sort((x, y) => x - y)[1]!;
    // The loop's own lateness on this machine now, without logins, is the baseline.
    const quiet = monitorEventLoopDelay({ resolution: 2 });
    quiet.enable();
    await new Promise((resolve) => setTimeout(resolve, 300));
    quiet.disable();
    const delay = monitorEventLoopDelay({ resolution: 2 });
    delay.enable();
    await Promise.all(Array.from({ length: 32 }, (_, i) => login(h!.base, i % 2 ? 'leader' : 'nobody-here', `wrong-${i}`)));
    delay.disable();
    // On the loop, each check would stall it for checkMs in turn: most delays would be that long.
    expect((delay.percentile(50) - quiet.percentile(50)) / 1e6).toBeLessThan(checkMs / 2);
  });

  it('takes as long to refuse an unknown username as a known one', async () => {
    h = await startHarness();
    // Alternated, so both kinds meet the same machine.
    const spent = { known: 0, unknown: 0 };
    for (let i = 0; i < 8; i++) {
      for (const kind of ['known', 'unknown'] as const) {
        const t = performance.now();
        expect(await login(h.base, kind === 'known' ? 'leader' : 'no-such-user', `wrong-password-${i}`)).toBe(401);
        if (i > 0) spent[kind] += performance.now() - t; // the first round warms up
      }
    }
    expect(spent.unknown / spent.known).toBeGreaterThan(0.5);
    expect(spent.unknown / spent.known).toBeLessThan(2);
  });

  it('counts failures by the connection’s address unless TRUST_PROXY names the proxy', async () => {
    h = await startHarness();
    // Without a trusted proxy, a forged X-Forwarded-For per attempt does not escape the limit.
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push(await login(h.base, 'leader', `guess-${i}`, `203.0.113.${i}`));
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses[10]).toBe(429);
  });

  it('refuses a guesser at their address while the real user and the kiosk sign in at theirs', async () => {
    h = await startHarness({ TRUST_PROXY: 'loopback', KIOSK_KEY: 'kiosk-key-for-this-test' });
    for (let i = 0; i < 10; i++) await login(h.base, 'leader', `guess-${i}`, '198.51.100.7');
    expect(await login(h.base, 'leader', PASSWORD, '198.51.100.7')).toBe(429);
    expect(await login(h.base, 'leader', PASSWORD, '198.51.100.8')).toBe(200);
    const kiosk = (key: string, from: string): Promise<number> =>
      fetch(`${h!.base}/api/auth/kiosk`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': from },
        body: JSON.stringify({ key }),
      }).then((r) => r.status);
    for (let i = 0; i < 10; i++) await kiosk(`not-the-key-${i}`, '198.51.100.7');
    expect(await kiosk('kiosk-key-for-this-test', '198.51.100.7')).toBe(429);
    expect(await kiosk('kiosk-key-for-this-test', '192.0.2.50')).toBe(200);
    // One address guessing many accounts is stopped too.
    const many: number[] = [];
    for (let i = 0; i < 51; i++) many.push(await login(h.base, `account-${i}`, 'guess', '198.51.100.9'));
    expect(many.at(-1)).toBe(429);
  });
});
