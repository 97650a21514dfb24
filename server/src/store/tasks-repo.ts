/** Task repository: rows with their event log, in SQLite. Synchronous, for use inside Writer.write. */
import { randomUUID } from 'node:crypto';
import { DomainError } from '../contract/errors.ts';
import type { Task } from '../contract/tasks.ts';
import type { Db } from './database.ts';

export interface TaskRepository {
  get(id: string): Task | undefined;
  insert(task: Omit<Task, 'id'>, actorId: string): Task;
  update(next: Task, expectedVersion: number, type: string, actorId: string): void;
  /** Tasks ending at or after `since` (the live working set). */
  since(since: string): Task[];
}

export function createSqliteTaskRepository(db: Db): TaskRepository {
  const get = db.prepare<[string], { data: string }>('SELECT data FROM tasks WHERE id = ?');
  const insert = db.prepare(
    'INSERT INTO tasks (id, state, grid_code, starts_at, ends_at, updated_at, version, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const update = db.prepare('UPDATE tasks SET state = ?, updated_at = ?, version = ?, data = ? WHERE id = ? AND version = ?');
  const event = db.prepare('INSERT INTO task_events (task_id, type, actor_id, at, patch) VALUES (?, ?, ?, ?, ?)');
  const since = db.prepare<[string], { data: string }>('SELECT data FROM tasks WHERE ends_at >= ? ORDER BY starts_at');
  return {
    get: (id) => {
      const row = get.get(id);
      return row ? (JSON.parse(row.data) as Task) : undefined;
    },
    insert(draft, actorId) {
      const task: Task = { ...draft, id: `T${randomUUID().slice(0, 8)}` } as Task;
      insert.run(task.id, task.state, task.gridCode, task.startsAt, task.endsAt, task.updatedAt, task.version, JSON.stringify(task));
      event.run(task.id, 'create', actorId, task.createdAt, JSON.stringify(task));
      return task;
    },
    update(next, expectedVersion, type, actorId) {
      const info = update.run(next.state, next.updatedAt, next.version, JSON.stringify(next), next.id, expectedVersion);
      if (info.changes !== 1) throw new DomainError('stale-version', `任务 ${next.id} 已被他人更新，请刷新后再试`);
      event.run(
        next.id,
        type,
        actorId,
        next.updatedAt,
        JSON.stringify({ state: next.state, participants: next.participants, hours: next.hours, assignee: next.assignee }),
      );
    },
    since: (t) => since.all(t).map((r) => JSON.parse(r.data) as Task),
  };
}
