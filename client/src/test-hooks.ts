/**
 * Handles that end-to-end tests and benchmarks read from the page (the map, the feed, the map's
 * first idle). They exist only when the page was opened with the hooks asked for: the test harness
 * sets `window.__lstTestHooks = true` before the app loads (test/helpers/browser.ts). A production
 * page exposes nothing.
 */
export interface TestHooks {
  __lstMap: unknown;
  __lstIncidentPath: unknown;
  __lstFeed: unknown;
  __mapIdle: number;
}

export const testHooksEnabled = (): boolean => (window as unknown as { __lstTestHooks?: boolean }).__lstTestHooks === true;

/** Sets a hook when hooks are enabled; does nothing otherwise. */
export function exposeForTests<K extends keyof TestHooks>(name: K, value: TestHooks[K]): void {
  if (testHooksEnabled()) (window as unknown as TestHooks)[name] = value;
}
