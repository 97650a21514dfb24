import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_GEOGRAPHY_DIR } from '../cli/geo-file.ts';
import { loadConfig } from '../config.ts';
import type { User } from '../contract/auth.ts';
import type { Incident } from '../contract/incidents.ts';
import { createGeography } from '../domain/geography.ts';
import { createSlaClock } from '../domain/sla.ts';
import { readGeographySet } from '../store/geography-files.ts';
import { createSqliteIncidentRepository } from '../store/incidents-repo.ts';
import { openDatabase, type Db } from '../store/database.ts';
import { createWriter, type Writer } from '../store/writer.ts';
import { reportCommands, type Commands } from './commands.ts';
import { createIncidentService } from './incidents.ts';

const set = readGeographySet(DEMO_GEOGRAPHY_DIR);
const geography = createGeography(set.geography, set.organisation.partyOrgs);
const config = loadConfig({ DATA_DIR: mkdtempSync(join(tmpdir(), 'lst-service-')) });
const dispatcher: User = { id: 'u-d', username: 'dispatcher', name: '调度员', role: 'dispatcher', scope: '431103' };

const open: { db: Db; writer: Writer<Commands> }[] = [];
afterEach(async () => {
  for (const { db, writer } of open.splice(0)) {
    await writer.close();
    db.close();
  }
});

/** A real writer whose answers to `write` (the main connection's writes) the test lets go by hand. */
function heldAnswers(db: Db) {
  const writer = createWriter(db, { commands: reportCommands });
  open.push({ db, writer });
  const held: (() => void)[] = [];
  let holding = false;
  const wrapped: Writer<Commands> = {
    ...writer,
    write: (op) => writer.write(op).then((v) => (holding ? new Promise((resolve) => held.push(() => resolve(v))) : v)),
    command: (name, arg) => writer.command(name, arg),
  };
  return { writer: wrapped, hold: () => (holding = true), letGo: () => held.splice(0).forEach((f) => f()), held };
}

describe('incident service', () => {
  it('keeps the later version of a case when answers arrive out of commit order', async () => {
    const db = openDatabase(':memory:');
    const { writer, hold, letGo, held } = heldAnswers(db);
    const published: Incident[] = [];
    const service = createIncidentService({
      repo: createSqliteIncidentRepository(db),
      writer,
      geography,
      sla: createSlaClock(config.sla, config.calendar),
      amberAt: config.sla.amberAt,
      clock: { now: () => new Date('2026-11-30T02:00:00Z') },
      publisher: { incidentChanged: (i) => published.push(i) },
      duplicate: { radiusM: 50, windowMinutes: 120 },
    });
    const [lng, lat] = [111.6088, 26.4342];
    const body = {
      class: '市容环境',
      source: '网格员巡查',
      lng,
      lat,
      description: '井盖缺失',
      reporterName: '王某',
      reporterPhone: '13800000000',
    };
    const { incident: primary } = await service.report(body, dispatcher, 'report-primary-1');
    expect(primary.gridCode).not.toBeNull();

    // The dispatcher accepts it (v2, on the main connection), but that answer is held back …
    hold();
    const accepting = service.act(primary.id, { action: 'accept', version: 1 }, dispatcher);
    for (let i = 0; i < 50 && held.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(held).toHaveLength(1);
    // … while a duplicate report, committed after it, moves the primary on to v3 and is answered first.
    const { incident: duplicate } = await service.report({ ...body, description: '井盖缺失，重复' }, dispatcher, 'report-duplicate-1');
    expect(duplicate.duplicateOf).toBe(primary.id);
    expect(service.openIn('431103', 10).items.find((i) => i.id === primary.id)).toMatchObject({
      version: 3,
      stage: 'accepted',
      duplicateCount: 1,
    });

    letGo();
    expect(await accepting).toMatchObject({ version: 2, stage: 'accepted' });
    // The late v2 changed nothing in memory and was not published.
    expect(service.openIn('431103', 10).items.find((i) => i.id === primary.id)).toMatchObject({ version: 3, duplicateCount: 1 });
    expect(published.filter((i) => i.id === primary.id).map((i) => i.version)).toEqual([1, 3]);
  });
});
