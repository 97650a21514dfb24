/** The signed-in user and token (kept in localStorage so a reload stays signed in). */
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { LoginResult, Role, User } from '@contract/auth.ts';
import { api, onSessionExpired, setToken } from '../services/api.ts';

const KEY = 'lst.session';
const KIOSK = 'lst.kiosk';

export const useSessionStore = defineStore('session', () => {
  const saved = localStorage.getItem(KEY);
  const session = ref<LoginResult | null>(saved ? (JSON.parse(saved) as LoginResult) : null);
  if (session.value && Date.parse(session.value.expiresAt) < Date.now()) session.value = null;
  setToken(session.value?.token ?? null);

  const user = computed<User | null>(() => session.value?.user ?? null);
  const token = computed(() => session.value?.token ?? null);

  /** The kiosk sign-in this page made or is making, shared by the calls with its key. */
  let shared: { key: string; done: Promise<boolean> } | null = null;

  function keep(result: LoginResult): void {
    session.value = result;
    setToken(result.token);
    localStorage.setItem(KEY, JSON.stringify(result));
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
  const can = (...roles: Role[]): boolean => !!user.value && roles.includes(user.value.role);
  onSessionExpired(() => {
    if (localStorage.getItem(KIOSK) && user.value?.role === 'wall') void kioskLogin().catch(logout);
    else logout();
  });
  return { user, token, login, kioskLogin, logout, can };
});
