/** Routes: the role decides which views exist for the user. */
import { createRouter, createWebHistory } from 'vue-router';
import { PERMISSIONS, type Role } from '@contract/auth.ts';
import { ROLE_HOME } from './labels.ts';
import { useSessionStore } from './stores/session.ts';

declare module 'vue-router' {
  interface RouteMeta {
    roles?: readonly Role[];
  }
}

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/login', component: () => import('./views/LoginView.vue') },
    // The wall signs itself in (kiosk key), so it guards itself.
    { path: '/wall', component: () => import('./views/WallView.vue') },
    { path: '/', component: () => import('./views/LeaderView.vue'), meta: { roles: PERMISSIONS.viewMap } },
    { path: '/dispatch', component: () => import('./views/DispatchView.vue'), meta: { roles: PERMISSIONS.viewDispatch } },
    { path: '/admin', component: () => import('./views/AdminView.vue'), meta: { roles: PERMISSIONS.administer } },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
});

router.beforeEach((to) => {
  const roles = to.meta.roles;
  if (!roles) return true;
  const session = useSessionStore();
  if (!session.user) return { path: '/login', query: { next: to.fullPath } };
  if (!roles.includes(session.user.role)) return ROLE_HOME[session.user.role];
  return true;
});
