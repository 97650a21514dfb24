import { afterEach, describe, expect, it } from 'vitest';
import { incidentFixture } from '../../../test/helpers/fixtures.ts';
import { listIncidentsSchema } from '../contract/inputs.ts';
import { createSqliteIncidentRepository, listQuery } from './incidents-repo.ts';
import { openDatabase, type Db } from './database.ts';

const dbs: Db[] = [];
afterEach(() => dbs.splice(0).forEach((db) => db.close()));

const QUIET_GRID = '431103003004001';
const BUSY_GRID = '431103003004002';
const query = (q: Record<string, unknown> = {}) => listIncidentsSchema.parse(q);

function seeded() {
  const db = openDatabase(':memory:');
  dbs.push(db);
  const repo = createSqliteIncidentRepository(db);
  const t0 = Date.parse('2026-11-30T01:00:00Z');
  for (let i = 0; i < 400; i++) {
    const gridCode = i % 100 === 7 ? QUIET_GRID : BUSY_GRID;
    const at = new Date(t0 + i * 60_000).toISOString();
    const incident = incidentFixture({ id: `20261130${String(i + 1).padStart(5, '0')}`, gridCode, createdAt: at, updatedAt: at });
    repo.insert(incident, { type: 'report', actorId: 'u', actorName: 'u', at, fromStage: null, toStage: 'reported', note: '' });
  }
  return { db, repo };
}

describe('incident list', () => {
  it('reads a grid’s cases through the grid index, newest first, page by page', () => {
    const { db, repo } = seeded();
    const plan = (prefix: string) => {
      const { sql, params } = listQuery(query({ limit: 2 }), { prefix });
      return db
        .prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .all(params)
        .map((r) => (r as { detail: string }).detail)
        .join(' | ');
    };
    expect(plan(QUIET_GRID)).toMatch(/USING INDEX incidents_grid \(grid_code=\?/);
    const first = repo.list(query({ limit: 2 }), { prefix: QUIET_GRID });
    expect(first.items.map((i) => i.id)).toEqual(['2026113000308', '2026113000208']);
    const second = repo.list(query({ limit: 2, cursor: first.nextCursor }), { prefix: QUIET_GRID });
    expect(second.items.map((i) => i.id)).toEqual(['2026113000108', '2026113000008']);
    expect(second.nextCursor).toBeNull();
  });

  it('keeps a community’s or street’s cases by prefix', () => {
    const { repo } = seeded();
    expect(repo.list(query({ limit: 500 }), { prefix: '431103003004' }).items).toHaveLength(400);
    expect(repo.list(query({ limit: 500 }), { prefix: '431103003005' }).items).toHaveLength(0);
  });

  it('numbers a day’s cases one past its highest', () => {
    const { repo } = seeded();
    expect(repo.nextId('20261130')).toBe('2026113000401');
    expect(repo.nextId('20261201')).toBe('2026120100001');
  });
});
