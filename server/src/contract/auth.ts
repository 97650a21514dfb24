/** Roles, users and login (DESIGN.md §4; the login schema: inputs.ts). */
export const ROLES = ['wall', 'leader', 'dispatcher', 'gridworker', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_LABELS: Readonly<Record<Role, string>> = {
  wall: '大屏', leader: '领导', dispatcher: '派遣员', gridworker: '网格员', admin: '管理员',
};

export interface User {
  id: string;
  username: string;
  name: string;
  role: Role;
  /** Unit code the user's view and powers are limited to (431103 = the whole district). */
  scope: string;
}

export interface LoginResult {
  token: string;
  user: User;
  expiresAt: string;
  /** The server's time when the token was issued: clients judge `expiresAt` by it, never by their own clock. */
  serverTime: string;
}
