/** The signed-in user and token (kept in localStorage so a reload stays signed in). */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { may, type LoginResult, type Permission, type User } from '@contract/auth.ts';
import { api, onSessionExpired, setToken } from '../services/api.ts';
import { useConnectionStore } from './connection.ts';

const KEY = 'lst.session';
const KIOSK = 'lst.kiosk';

/**
 * A session as kept in this browser. `endsAtLocal` is the token's expiry on this machine's clock,
 * derived from the server's own lifetime of it (`expiresAt − serverTime`): a screen PC whose clock
 * is days off (a kiosk nobody sets) neither throws away a valid token nor keeps an expired one.
 */
type KeptSession = LoginResult & { endsAtLocal: number; serverOffsetMs: number };

function readKept(): KeptSession | null {
  try {
    const kept = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Partial<KeptSession> | null;
    return kept && typeof kept.endsAtLocal === 'number' && typeof kept.serverOffsetMs === 'number' && kept.endsAtLocal > Date.now()
      ? (kept as KeptSession)
      : null;
  } catch {
    return null;
  }
}

export const useSessionStore = defineStore('session', () => {
  const session = ref<KeptSession | null>(readKept());
  setToken(session.value?.token ?? null);
  // The server's time until the feed's first snapshot brings a fresher offset.
  if (session.value) useConnectionStore().serverOffsetMs = session.value.serverOffsetMs;

  const user = computed<User | null>(() => session.value?.user ?? null);
  const token = computed(() => session.value?.token ?? null);

  /** The kiosk sign-in this page made or is making, shared by the calls with its key. */
  let shared: { key: string; done: Promise<boolean> } | null = null;

  function keep(result: LoginResult): void {
    const serverOffsetMs = Date.parse(result.serverTime) - Date.now();
    const kept: KeptSession = { ...result, endsAtLocal: Date.parse(result.expiresAt) - serverOffsetMs, serverOffsetMs };
    useConnectionStore().serverOffsetMs = serverOffsetMs;
    session.value = kept;
    setToken(result.token);
    localStorage.setItem(KEY, JSON.stringify(kept));
  }
  async function login(username: string, password: string): Promise<User> {
    shared = null;
    keep(await api<LoginResult>('POST', '/auth/login', { username, password }));
    return session.value!.user;
  }
  /**
   * Unattended wall sign-in; the key is remembered so an expired token renews itself. Without a
   * key it signs in again with the remembered one (renewal). With a key, calls in one page share the
   * first that has not failed: the entry starts it before the wall's code has loaded (early.ts),
   * and the wall's own call then costs no second round trip.
   */
  function kioskLogin(key?: string): Promise<boolean> {
    if (key === undefined) return signIn(localStorage.getItem(KIOSK));
    if (shared?.key !== key) {
      const done = signIn(key);
      shared = { key, done };
      done.catch(() => void (shared?.done === done && (shared = null)));
    }
    return shared.done;
  }
  async function signIn(key: string | null): Promise<boolean> {
    if (!key) return false;
    keep(await api<LoginResult>('POST', '/auth/kiosk', { key }));
    localStorage.setItem(KIOSK, key);
    return true;
  }
  function logout(): void {
    shared = null;
    session.value = null;
    setToken(null);
    localStorage.removeItem(KEY);
  }
  const can = (permission: Permission): boolean => !!user.value && may(user.value.role, permission);
  onSessionExpired(() => {
    if (localStorage.getItem(KIOSK) && user.value?.role === 'wall') void kioskLogin().catch(logout);
    else logout();
  });
  return { user, token, login, kioskLogin, logout, can };
});
