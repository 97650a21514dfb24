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

  function keep(result: LoginResult): void {
    session.value = result;
    setToken(result.token);
    localStorage.setItem(KEY, JSON.stringify(result));
  }
  async function login(username: string, password: string): Promise<User> {
    keep(await api<LoginResult>('POST', '/auth/login', { username, password }));
    return session.value!.user;
  }
  /** Unattended wall sign-in; the key is remembered so an expired token renews itself. */
  async function kioskLogin(key?: string): Promise<boolean> {
    const k = key ?? localStorage.getItem(KIOSK);
    if (!k) return false;
    keep(await api<LoginResult>('POST', '/auth/kiosk', { key: k }));
    localStorage.setItem(KIOSK, k);
    return true;
  }
  function logout(): void {
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
