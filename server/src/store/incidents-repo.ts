/**
 * Incident repository: the event log (incident_events) and its projection (incidents rows), plus
 * idempotency keys. The interface is what services use; SQLite is the implementation here, and a
 * PostgreSQL one can stand beside it. Methods are synchronous and meant to run inside Writer.write.
 */
import { DomainError } from '../contract/errors.ts';
import { CODE_LENGTH } from '../contract/geo.ts';
import { isOpenStage, type Incident, type TimelineEntry, type TimelineType } from '../contract/incidents.ts';
import type { ListIncidentsQuery } from '../contract/inputs.ts';
import type { Db } from './database.ts';

interface NewTimelineEntry {
  type: TimelineType;
  actorId: string;
  actorName: string;
  at: string;
  fromStage: Incident['stage'] | null;
  toStage: Incident['stage'] | null;
  note: string;
}

export interface IncidentPage {
  items: Incident[];
  nextCursor: string | null;
}

export interface IncidentRepository {
  get(id: string): Incident | undefined;
  /** The next case number of a local day (yyyymmdd + 5 digits): one past the day's highest stored. */
  nextId(day: string): string;
  insert(incident: Incident, entry: NewTimelineEntry): TimelineEntry;
  /** Stores `next` if the stored version is still `expectedVersion`; otherwise throws stale-version. */
  update(next: Incident, expectedVersion: number, entries: readonly NewTimelineEntry[]): TimelineEntry[];
  timeline(id: string): TimelineEntry[];
  /** Open cases plus everything created or updated since `since` (the live working set). */
  workingSet(since: string): Incident[];
  list(query: ListIncidentsQuery, scope: { prefix: string | null }): IncidentPage;
  idempotent(userId: string, key: string): { requestHash: string; incidentId: string } | undefined;
  /** Records the key for this case; false (and nothing stored) when the user has used the key already. */
  rememberIdempotent(userId: string, key: string, requestHash: string, incidentId: string, at: string): boolean;
  count(): number;
}

export function createSqliteIncidentRepository(db: Db): IncidentRepository {
  const s = {
    get: db.prepare<[string], { data: string }>('SELECT data FROM incidents WHERE id = ?'),
    insert:
      db.prepare(`INSERT INTO incidents (id, stage, open, class, priority, source, grid_code, created_at, updated_at, deadline, sla_state, version, data)
      VALUES (@id, @stage, @open, @class, @priority, @source, @grid_code, @created_at, @updated_at, @deadline, @sla_state, @version, @data)`),
    update:
      db.prepare(`UPDATE incidents SET stage = @stage, open = @open, grid_code = @grid_code, updated_at = @updated_at, deadline = @deadline,
      sla_state = @sla_state, version = @version, data = @data WHERE id = @id AND version = @expected`),
    event: db.prepare(`INSERT INTO incident_events (incident_id, type, actor_id, actor_name, at, from_stage, to_stage, note, patch)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    timeline: db.prepare<[string], EventRow>('SELECT * FROM incident_events WHERE incident_id = ? ORDER BY seq'),
    working: db.prepare<[string], { data: string }>('SELECT data FROM incidents WHERE open = 1 OR updated_at >= ? ORDER BY created_at'),
    lastOfDay: db.prepare<[string, string], { id: string | null }>('SELECT max(id) AS id FROM incidents WHERE id BETWEEN ? AND ?'),
    idem: db.prepare<[string, string], { request_hash: string; incident_id: string }>(
      'SELECT request_hash, incident_id FROM idempotency WHERE user_id = ? AND key = ?',
    ),
    remember: db.prepare(
      'INSERT INTO idempotency (user_id, key, request_hash, incident_id, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
    ),
    count: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM incidents'),
  };
  const row = (i: Incident, data: string): Record<string, unknown> => ({
    id: i.id,
    stage: i.stage,
    open: isOpenStage(i.stage) ? 1 : 0,
    class: i.class,
    priority: i.priority,
    source: i.source,
    grid_code: i.gridCode,
    created_at: i.createdAt,
    updated_at: i.updatedAt,
    deadline: i.deadline,
    sla_state: i.slaState,
    version: i.version,
    data,
  });
  /** `patch`: the event's patch as JSON (a report's is the whole case, the row's own text). */
  const append = (id: string, e: NewTimelineEntry, patch: string): TimelineEntry => {
    const info = s.event.run(id, e.type, e.actorId, e.actorName, e.at, e.fromStage, e.toStage, e.note, patch);
    return { seq: Number(info.lastInsertRowid), incidentId: id, ...e };
  };
  return {
    get: (id) => parse(s.get.get(id)?.data),
    nextId(day) {
      const last = s.lastOfDay.get(`${day}00001`, `${day}99999`)?.id;
      const n = (last ? Number(last.slice(day.length)) : 0) + 1;
      if (n > 99_999) throw new DomainError('internal', `${day} 的 99,999 个案件编号已用完`);
      return `${day}${String(n).padStart(5, '0')}`;
    },
    insert(incident, entry) {
      const data = JSON.stringify(incident);
      s.insert.run(row(incident, data));
      return append(incident.id, entry, data);
    },
    update(next, expectedVersion, entries) {
      const prev = parse(s.get.get(next.id)?.data);
      const info = s.update.run({ ...row(next, JSON.stringify(next)), expected: expectedVersion });
      if (info.changes !== 1 || !prev) throw new DomainError('stale-version', `案件 ${next.id} 已被他人更新，请刷新后再试`);
      const patch = JSON.stringify(diff(prev, next));
      return entries.map((e, i) => append(next.id, e, i === entries.length - 1 ? patch : '{}'));
    },
    timeline: (id) => s.timeline.all(id).map(toEntry),
    workingSet: (since) => s.working.all(since).map((r) => JSON.parse(r.data) as Incident),
    list(query, scope) {
      const { sql, params } = listQuery(query, scope);
      const rows = db.prepare<Record<string, unknown>, { data: string }>(sql).all(params);
      const items = rows.slice(0, query.limit).map((r) => JSON.parse(r.data) as Incident);
      const last = items.at(-1);
      return { items, nextCursor: rows.length > query.limit && last ? encodeCursor(last.createdAt, last.id) : null };
    },
    idempotent(userId, key) {
      const r = s.idem.get(userId, key);
      return r ? { requestHash: r.request_hash, incidentId: r.incident_id } : undefined;
    },
    rememberIdempotent: (userId, key, hash, id, at) => s.remember.run(userId, key, hash, id, at).changes === 1,
    count: () => s.count.get()!.n,
  };
}

/**
 * The SQL of a list page, newest first. A grid's cases are read through the (grid_code, created_at)
 * index in order; a street's or community's scan the newest cases and keep those in scope, which
 * is dense enough (a LIKE prefix cannot use the grid index; a range on it would sort the whole
 * street). bench/store.ts measures a quiet grid's first page against the prefix scan.
 */
export function listQuery(query: ListIncidentsQuery, scope: { prefix: string | null }): { sql: string; params: Record<string, unknown> } {
  const where: string[] = [];
  const params: Record<string, unknown> = { limit: query.limit + 1 };
  /** A condition on one named parameter, when the query gives its value. */
  const filter = (condition: string, name: string, value: unknown): void => {
    if (value === undefined || value === '') return;
    where.push(condition);
    params[name] = value;
  };
  filter('stage = @stage', 'stage', query.stage);
  filter('class = @class', 'class', query.class);
  if (query.classes) {
    const classes = query.classes.split(',');
    where.push(`class IN (${classes.map((_, k) => `@class${k}`).join(', ')})`);
    classes.forEach((c, k) => (params[`class${k}`] = c));
  }
  filter('priority = @priority', 'priority', query.priority);
  filter('source = @source', 'source', query.source);
  filter('open = @open', 'open', query.open && (query.open === 'true' ? 1 : 0));
  filter('created_at >= @from', 'from', query.from && new Date(query.from).toISOString());
  filter('created_at < @to', 'to', query.to && new Date(query.to).toISOString());
  if (query.overdue === 'true') where.push("open = 1 AND sla_state = 'red'");
  if (query.overdue === 'false') where.push("NOT (open = 1 AND sla_state = 'red')");
  const grid = scope.prefix !== null && scope.prefix.length >= CODE_LENGTH.grid;
  filter(grid ? 'grid_code = @prefix' : "grid_code LIKE @prefix || '%'", 'prefix', scope.prefix ?? undefined);
  if (query.cursor) {
    const [createdAt, id] = decodeCursor(query.cursor);
    where.push('(created_at < @cAt OR (created_at = @cAt AND id < @cId))');
    Object.assign(params, { cAt: createdAt, cId: id });
  }
  return {
    sql: `SELECT data FROM incidents ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT @limit`,
    params,
  };
}

interface EventRow {
  seq: number;
  incident_id: string;
  type: TimelineType;
  actor_id: string;
  actor_name: string;
  at: string;
  from_stage: Incident['stage'] | null;
  to_stage: Incident['stage'] | null;
  note: string;
}

function toEntry(r: EventRow): TimelineEntry {
  return {
    seq: r.seq,
    incidentId: r.incident_id,
    type: r.type,
    actorId: r.actor_id,
    actorName: r.actor_name,
    at: r.at,
    fromStage: r.from_stage,
    toStage: r.to_stage,
    note: r.note,
  };
}

function parse(data: string | undefined): Incident | undefined {
  return data === undefined ? undefined : (JSON.parse(data) as Incident);
}

/** The fields of `next` that differ from `prev`: the event's patch, so folding patches replays the row. */
function diff(prev: Incident, next: Incident): Partial<Incident> {
  const patch: Record<string, unknown> = {};
  for (const key of Object.keys(next) as (keyof Incident)[]) {
    const [a, b] = [prev[key], next[key]];
    if (a === b) continue;
    if (typeof a !== 'object' || typeof b !== 'object' || JSON.stringify(a) !== JSON.stringify(b)) patch[key] = b;
  }
  return patch as Partial<Incident>;
}

/** Rebuilds an incident from its events' patches (audit and replay). */
export function replayIncident(db: Db, id: string): Incident | undefined {
  const rows = db.prepare<[string], { patch: string }>('SELECT patch FROM incident_events WHERE incident_id = ? ORDER BY seq').all(id);
  if (rows.length === 0) return undefined;
  return rows.reduce((acc, r) => ({ ...acc, ...(JSON.parse(r.patch) as Partial<Incident>) }), {} as Incident);
}

function encodeCursor(createdAt: string, id: string): string {
  return Buffer.from(`${createdAt}|${id}`).toString('base64url');
}

function decodeCursor(cursor: string): [string, string] {
  const [createdAt, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  if (!createdAt || !id || Number.isNaN(Date.parse(createdAt)))
    throw new DomainError('bad-request', '无效的分页游标', { cursor: '不是本接口给出的游标' });
  return [createdAt, id];
}
