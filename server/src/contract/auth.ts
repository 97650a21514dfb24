/** Roles, users and login (docs/design.md §4; the login schema: inputs.ts). */
export const ROLES = ['wall', 'leader', 'dispatcher', 'gridworker', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Each role's name as people say it (in messages such as 网格员不能派遣). */
export const ROLE_NAMES: Readonly<Record<Role, string>> = {
  wall: '大屏账号',
  leader: '领导',
  dispatcher: '派遣员',
  gridworker: '网格员',
  admin: '管理员',
};

/**
 * Who may do what, by role: the one table the server's routes and services and the client's views
 * read. Scope (which units) is checked separately, by `inScope` (geo.ts).
 */
export const PERMISSIONS = {
  /** File a case and preview one (the field and the console). */
  report: ['gridworker', 'dispatcher'],
  /** Take workflow actions; which action is the workflow's rule (domain/workflow.ts). */
  act: ['dispatcher', 'gridworker', 'leader'],
  /** Start, complete or mark missed a task or patrol. */
  manageTasks: ['dispatcher', 'leader', 'gridworker'],
  /** Download cases and figures (CSV, GeoJSON). */
  export: ['leader', 'dispatcher', 'gridworker', 'admin'],
  /** API keys, subscriptions, the delivery log. */
  administer: ['admin'],
  /** The map view (领导驾驶舱). */
  viewMap: ['leader', 'dispatcher', 'admin', 'gridworker'],
  /** The dispatch console (派遣台). */
  viewDispatch: ['dispatcher', 'gridworker', 'leader'],
} as const satisfies Record<string, readonly Role[]>;
export type Permission = keyof typeof PERMISSIONS;

export function may(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission] as readonly Role[]).includes(role);
}

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
