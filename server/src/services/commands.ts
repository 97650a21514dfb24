/**
 * The writes that run as commands (store/writer.ts): a name and a serialisable argument, run inside
 * the writer's group transaction, in the writer thread when there is one (on its own connection,
 * so their statements leave the event loop), else in place. The thread loads this module by its
 * URL (`reportCommands`), so the same functions run either way, on repositories of the connection
 * they run on.
 *
 * Only the hot path is a command: filing a report. Every other write stays a closure on the main
 * connection (`Writer.write`), which pauses the thread while it runs.
 */
import { DomainError } from '../contract/errors.ts';
import type { Incident } from '../contract/incidents.ts';
import type { Db } from '../store/database.ts';
import { createSqliteIncidentRepository } from '../store/incidents-repo.ts';
import { createSqliteNotificationRepository } from '../store/notifications-repo.ts';
import type { CommandModule } from '../store/writer.ts';
import { queueNotifications } from './queue-notifications.ts';

/** A report to file: the case as located and checked on the event loop, still without its number. */
export interface ReportCommand {
  /** The case with `id: ''`: the transaction gives it the day's next number. */
  draft: Incident;
  /** Local day of the case number (yyyymmdd). */
  day: string;
  actor: { id: string; name: string };
  idempotencyKey: string;
  /** sha256 of the validated input: a retry with the same key must carry the same report. */
  requestHash: string;
  at: string;
  /** The open case this one duplicates (its counter moves on in the same transaction). */
  primaryId: string | null;
  /** The timeline note of a report that is not a duplicate. */
  note: string;
}

interface ReportOutcome {
  incident: Incident;
  /** false: a retry of a report already filed under this key; `incident` is the stored case. */
  created: boolean;
  /** The primary case as updated, for a duplicate. */
  primary?: Incident;
}

export type Commands = ReturnType<typeof createCommands>;

/** @public The writer thread imports this by the module's URL (`reportCommands.url`). */
export function createCommands(db: Db) {
  const incidents = createSqliteIncidentRepository(db);
  const notifications = createSqliteNotificationRepository(db);
  return {
    /**
     * Files a report: its number, its idempotency key, the case row and its first event, the
     * notifications it raises, and for a duplicate the primary's counter. A retry is found by its
     * key's insert (no lookup before it: a new report, the common case, pays for one insert).
     */
    report(c: ReportCommand): ReportOutcome {
      const incident: Incident = { ...c.draft, id: incidents.nextId(c.day) };
      if (!incidents.rememberIdempotent(c.actor.id, c.idempotencyKey, c.requestHash, incident.id, c.at)) {
        const seen = incidents.idempotent(c.actor.id, c.idempotencyKey)!;
        if (seen.requestHash !== c.requestHash) throw new DomainError('idempotency-mismatch', '此 Idempotency-Key 已用于另一条上报');
        return { incident: incidents.get(seen.incidentId)!, created: false };
      }
      const by = { actorId: c.actor.id, actorName: c.actor.name, at: c.at };
      incidents.insert(incident, {
        type: 'report',
        ...by,
        fromStage: null,
        toStage: incident.stage,
        note: c.primaryId ? `重复上报，并入案件 ${c.primaryId}` : c.note,
      });
      queueNotifications(notifications, undefined, incident, c.at);
      if (!c.primaryId) return { incident, created: true };
      const current = incidents.get(c.primaryId)!;
      const primary: Incident = { ...current, duplicateCount: current.duplicateCount + 1, version: current.version + 1, updatedAt: c.at };
      incidents.update(primary, current.version, [
        { type: 'duplicate', ...by, fromStage: current.stage, toStage: current.stage, note: `关联重复上报 ${incident.id}` },
      ]);
      queueNotifications(notifications, current, primary, c.at);
      return { incident, created: true, primary };
    },
  };
}

/** This module, for the writer: the thread imports it by URL, in place it is called directly. */
export const reportCommands: CommandModule<Commands> = { url: import.meta.url, create: createCommands };
