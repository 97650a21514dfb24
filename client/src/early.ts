/**
 * A head start for the views with a map (the wall, the leader's and the dispatcher's): the entry
 * signs the wall in and fetches what the map needs (base layers and client configuration) while the
 * route's code — MapLibre and ECharts, most of the app's bytes — is still loading. The views' own
 * calls then find it done: the session store shares the sign-in, the geography store its loads.
 * Without it the map would wait for three round trips in a row after the route's code had loaded
 * (sign-in, then layers and configuration).
 */
import type { Pinia } from 'pinia';
import { useGeographyStore } from './stores/geography.ts';
import { useSessionStore } from './stores/session.ts';

const MAP_VIEWS = new Set(['/', '/wall', '/dispatch']);

/** Starts the loads for the page at `at`; failures are left to the views, which retry and report them. */
export function startEarly(pinia: Pinia, at: Pick<Location, 'pathname' | 'search'> = location): Promise<void> {
  if (!MAP_VIEWS.has(at.pathname)) return Promise.resolve();
  const session = useSessionStore(pinia);
  const key = at.pathname === '/wall' ? new URLSearchParams(at.search).get('kiosk') : null;
  const signedIn = key ? session.kioskLogin(key) : Promise.resolve(session.user !== null);
  return signedIn.then(async (ok) => void (ok && (await useGeographyStore(pinia).loadMapBase()))).catch(() => undefined);
}
