/**
 * Task use cases (docs/design.md §2 任务): create, assign, start, complete (time-bank hours credited),
 * miss; tasks whose window has passed are marked missed by the sweep.
 */
import { may, type User, ROLE_NAMES } from '../contract/auth.ts';
import { DomainError } from '../contract/errors.ts';
import { createTaskSchema, taskActionSchema } from '../contract/inputs.ts';
import { TASK_ACTION_LABELS, TASK_STATE_LABELS, type Task, type TaskAssignee, type TaskState } from '../contract/tasks.ts';
import type { Organisation } from '../contract/org.ts';
import type { Geography } from '../domain/geography.ts';
import { inScope } from '../contract/geo.ts';
import type { TaskRepository } from '../store/tasks-repo.ts';
import type { Writer } from '../store/writer.ts';
import type { Clock } from '../domain/clock.ts';
import { parseInput } from './validation.ts';

export interface TaskPublisher {
  taskChanged(task: Task): void;
}

const NEXT: Readonly<Record<'start' | 'complete' | 'miss', { from: readonly TaskState[]; to: TaskState }>> = {
  start: { from: ['planned'], to: 'active' },
  complete: { from: ['active'], to: 'done' },
  miss: { from: ['planned', 'active'], to: 'missed' },
};

export type TaskService = ReturnType<typeof createTaskService>;

export function createTaskService(deps: {
  repo: TaskRepository;
  writer: Writer;
  geography: Geography;
  organisation: Organisation;
  clock: Clock;
  publisher: TaskPublisher;
}) {
  const { repo, writer, geography, clock, publisher } = deps;
  const live = new Map<string, Task>();
  const horizon = (): string => new Date(clock.now().getTime() - 30 * 86_400_000).toISOString();
  for (const t of repo.since(horizon())) live.set(t.id, t);
  const remember = (t: Task): void => {
    live.set(t.id, t);
    publisher.taskChanged(t);
  };
  const assigneeFor = (
    input: { kind: 'branch' } | { kind: 'paired-unit'; id: string } | { kind: 'members'; name: string },
    gridCode: string,
  ): TaskAssignee => {
    if (input.kind === 'branch') {
      const org = geography.partyOrgOf(gridCode)!;
      return { kind: 'branch', id: org.id, name: org.name };
    }
    if (input.kind === 'members') return { kind: 'members', id: `M:${input.name}`, name: input.name };
    const unit = deps.organisation.pairedUnits.find((u) => u.id === input.id);
    if (!unit) throw new DomainError('bad-request', `没有结对单位 ${input.id}`, { 'assignee.id': '未知的结对单位' });
    return { kind: 'paired-unit', id: unit.id, name: unit.name };
  };
  const guard = (user: User, gridCode: string): void => {
    if (!may(user.role, 'manageTasks')) throw new DomainError('forbidden', `${ROLE_NAMES[user.role]}不能管理任务`);
    if (!inScope(user.scope, gridCode)) throw new DomainError('forbidden', `网格 ${gridCode} 不在您的管辖范围内`);
  };

  return {
    async create(body: unknown, user: User): Promise<Task> {
      const input = parseInput(createTaskSchema, body);
      const grid = geography.unit(input.gridCode);
      if (!grid || grid.properties.level !== 'grid')
        throw new DomainError('bad-request', `没有网格 ${input.gridCode}`, { gridCode: '未知网格' });
      guard(user, input.gridCode);
      const at = clock.now().toISOString();
      const task = await writer.write(() =>
        repo.insert(
          {
            type: input.type,
            title: input.title,
            state: 'planned',
            gridCode: input.gridCode,
            communityCode: input.gridCode.slice(0, 12),
            streetCode: input.gridCode.slice(0, 9),
            startsAt: new Date(input.startsAt).toISOString(),
            endsAt: new Date(input.endsAt).toISOString(),
            assignee: assigneeFor(input.assignee, input.gridCode),
            participants: input.participants,
            hours: 0,
            version: 1,
            createdAt: at,
            updatedAt: at,
          },
          user.id,
        ),
      );
      remember(task);
      return task;
    },

    async act(id: string, body: unknown, user: User): Promise<Task> {
      const input = parseInput(taskActionSchema, body);
      const next = await writer.write(() => {
        const current = repo.get(id);
        if (!current || !inScope(user.scope, current.gridCode)) throw new DomainError('not-found', `没有任务 ${id}`);
        guard(user, current.gridCode);
        if (input.version !== current.version)
          throw new DomainError('stale-version', `任务 ${id} 已被他人更新（版本 ${current.version}），请刷新后再试`);
        const at = clock.now().toISOString();
        let next: Task = { ...current, version: current.version + 1, updatedAt: at };
        if (input.action === 'assign') {
          if (current.state === 'done' || current.state === 'missed') throw new DomainError('invalid-transition', `任务 ${id} 已结束`);
          next.assignee = assigneeFor(input.assignee, current.gridCode);
        } else {
          const rule = NEXT[input.action];
          if (!rule.from.includes(current.state))
            throw new DomainError(
              'invalid-transition',
              `任务处于「${TASK_STATE_LABELS[current.state]}」，不能${TASK_ACTION_LABELS[input.action]}`,
            );
          next = { ...next, state: rule.to };
          if (input.action === 'complete') {
            next.participants = input.participants ?? current.participants;
            const hours = (Date.parse(current.endsAt) - Date.parse(current.startsAt)) / 3_600_000;
            next.hours = current.type === '志愿服务' ? (input.hours ?? Math.round(hours * next.participants * 2) / 2) : 0;
          }
        }
        repo.update(next, current.version, input.action, user.id);
        return next;
      });
      remember(next);
      return next;
    },

    /** Active and planned tasks in scope, soonest first. */
    activeIn(scope: string, limit: number): Task[] {
      return [...live.values()]
        .filter((t) => (t.state === 'planned' || t.state === 'active') && inScope(scope, t.gridCode))
        .sort((a, b) => a.startsAt.localeCompare(b.startsAt))
        .slice(0, limit);
    },

    workingSet(): Task[] {
      return [...live.values()];
    },

    /** Tasks whose window ended without completion become missed. */
    async sweep(): Promise<number> {
      const now = clock.now().toISOString();
      const late = [...live.values()].filter((t) => (t.state === 'planned' || t.state === 'active') && t.endsAt < now);
      if (late.length === 0) return 0;
      const changed = await writer.write(() =>
        late.flatMap((t) => {
          const current = repo.get(t.id);
          if (!current || (current.state !== 'planned' && current.state !== 'active')) return [];
          const next: Task = { ...current, state: 'missed', version: current.version + 1, updatedAt: now };
          repo.update(next, current.version, 'miss', 'system');
          return [next];
        }),
      );
      for (const t of changed) remember(t);
      for (const t of [...live.values()]) if (t.endsAt < horizon()) live.delete(t.id);
      return changed.length;
    },
  };
}
