/**
 * Accounts: one per role in demo mode (password DEMO_PASSWORD), the simulator's own accounts, and
 * the admin account outside demo mode (password ADMIN_PASSWORD). Existing accounts are left alone.
 */
import type { Role } from './contract/auth.ts';
import { DISTRICT_CODE } from './contract/geo.ts';
import type { Geography } from './domain/geography.ts';
import { hashPassword } from './security.ts';
import type { UserRepository } from './store/users-repo.ts';

const DEMO_GRIDWORKER_SCOPE = '431103003004001'; // 通化街社区第一网格, a demonstration site

export const DEMO_ACCOUNTS: readonly { username: string; name: string; role: Role; scope: string }[] = [
  { username: 'admin', name: '系统管理员', role: 'admin', scope: DISTRICT_CODE },
  { username: 'leader', name: '区领导（演示）', role: 'leader', scope: DISTRICT_CODE },
  { username: 'dispatcher', name: '派遣员（演示）', role: 'dispatcher', scope: DISTRICT_CODE },
  { username: 'gridworker', name: '网格员（演示）', role: 'gridworker', scope: DEMO_GRIDWORKER_SCOPE },
  { username: 'wall', name: '指挥大屏', role: 'wall', scope: DISTRICT_CODE },
];

/** Simulator accounts: a dispatcher, a second dispatcher (for 监管分离) and a grid worker per community. */
export function simulatorAccounts(geography: Geography): { username: string; name: string; role: Role; scope: string }[] {
  return [
    { username: 'sim-dispatcher-a', name: '模拟派遣员甲', role: 'dispatcher', scope: DISTRICT_CODE },
    { username: 'sim-dispatcher-b', name: '模拟派遣员乙', role: 'dispatcher', scope: DISTRICT_CODE },
    { username: 'sim-leader', name: '模拟领导', role: 'leader', scope: DISTRICT_CODE },
    ...geography.units('community').map((c) => ({
      username: `sim-gw-${c.properties.code}`,
      name: `${c.properties.name}模拟网格员`,
      role: 'gridworker' as const,
      scope: c.properties.code,
    })),
  ];
}

export function ensureAccounts(
  users: UserRepository,
  accounts: readonly { username: string; name: string; role: Role; scope: string }[],
  password: string,
  at: string,
): number {
  let created = 0;
  let hash: string | null = null;
  for (const a of accounts) {
    if (users.byUsername(a.username)) continue;
    hash ??= hashPassword(password);
    users.create({ ...a, passwordHash: hash }, at);
    created++;
  }
  return created;
}
