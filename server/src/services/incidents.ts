/**
 * Incident use cases: report (validate → locate → persist → publish), act on a case, read, and
 * the SLA sweep. Keeps open cases whole in memory (snapshots, duplicates, the sweep) and finished
 * ones of the last 30 days only as small summaries (indicators), so memory follows the open
 * workload rather than the throughput. The database stays the record.
 */
import { createHash } from 'node:crypto';
import { may, type User, ROLE_NAMES } from '../contract/auth.ts';
import { DomainError } from '../contract/errors.ts';
import {
  byUrgency,
  isOpenStage,
  type Assignee,
  type Incident,
  type IncidentDetail,
  type IncidentPreview,
  type Stage,
} from '../contract/incidents.ts';
import {
  incidentActionSchema,
  listIncidentsSchema,
  reportIncidentSchema,
  type ListIncidentsQuery,
  type ReportIncidentInput,
} from '../contract/inputs.ts';
import type { Geography } from '../domain/geography.ts';
import { createNearbyIndex } from '../domain/nearby-index.ts';
import { summarise, type CaseSummary } from '../domain/indicators.ts';
import { nextSlaCheck, slaUpdate, type SlaClock } from '../domain/sla.ts';
import { applyAction, canReach } from '../domain/workflow.ts';
import { inScope } from '../contract/geo.ts';
import type { IncidentPage, IncidentRepository } from '../store/incidents-repo.ts';
import type { Clock } from '../domain/clock.ts';
import type { Writer } from '../store/writer.ts';
import type { Commands } from './commands.ts';
import { parseInput } from './validation.ts';

interface IncidentPublisher {
  incidentChanged(incident: Incident): void;
}

export interface IncidentServiceDeps {
  repo: IncidentRepository;
  writer: Writer<Commands>;
  geography: Geography;
  sla: SlaClock;
  amberAt: number;
  clock: Clock;
  publisher: IncidentPublisher;
  duplicate: { radiusM: number; windowMinutes: number };
  onSlaBreach?: () => void;
  /**
   * Called inside the transaction that stores an action's or the sweep's change (`before`: the
   * stored case it replaces), so that whatever it writes — the notification queue — commits or
   * rolls back with the change. A report's command queues its notifications itself (services/commands.ts).
   */
  onStored?: (after: Incident, before: Incident | undefined) => void;
}

const WORKING_SET_DAYS = 30;
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{8,128}$/;

export type IncidentService = ReturnType<typeof createIncidentService>;

export function createIncidentService(deps: IncidentServiceDeps) {
  const { repo, writer, geography, clock, publisher } = deps;
  const live = new Map<string, Incident>();
  const finished = new Map<string, CaseSummary>();
  const nearby = createNearbyIndex<Incident>(deps.duplicate.radiusM);
  const slaDue = new Map<string, number>(); // open cases → when the sweep must next look at them (ms)
  const since = (): string => new Date(clock.now().getTime() - WORKING_SET_DAYS * 86_400_000).toISOString();
  let workingSetVersion = 0; // moves with every change of live or finished
  /** Keeps `i` in memory; false if memory already holds a later version (its answer came first). */
  const keep = (i: Incident): boolean => {
    const known = live.get(i.id) ?? finished.get(i.id);
    if (known && known.version > i.version) return false;
    workingSetVersion++;
    if (isOpenStage(i.stage)) {
      live.set(i.id, i);
      finished.delete(i.id);
    } else {
      live.delete(i.id);
      finished.set(i.id, summarise(i));
    }
    // Candidates for duplicate links: open, located, not themselves duplicates.
    if (isOpenStage(i.stage) && !i.duplicateOf && i.lng !== null && i.lat !== null) nearby.set(i.id, i.class, i.lng, i.lat, i);
    else nearby.delete(i.id);
    const due = isOpenStage(i.stage) ? nextSlaCheck(i, deps.sla, deps.amberAt) : null;
    if (due === null) slaDue.delete(i.id);
    else slaDue.set(i.id, due);
    return true;
  };
  for (const i of repo.workingSet(since())) keep(i);

  // Answers can arrive out of commit order (a write on this connection is answered after its sync,
  // the writer thread's after its own commit): a version older than memory's is dropped, not published.
  const remember = (i: Incident): void => {
    if (keep(i)) publisher.incidentChanged(i);
  };
  const stored = (after: Incident, before: Incident | undefined): void => deps.onStored?.(after, before);
  const branchOf = (gridCode: string): Assignee | null => {
    const org = geography.partyOrgOf(gridCode);
    return org && org.kind === 'grid-branch' ? { kind: 'branch', id: org.id, name: org.name } : null;
  };
  const deadlineFor = (i: Incident, stage: Stage): string | null => deps.sla.deadline(i, stage, clock.now())?.toISOString() ?? null;

  /** An open case of the same class reported nearby within the window, if any (the oldest wins). */
  const findPrimary = (cls: Incident['class'], lng: number | null, lat: number | null, now: Date): Incident | undefined => {
    if (lng === null || lat === null) return undefined;
    const windowStart = now.getTime() - deps.duplicate.windowMinutes * 60_000;
    let best: Incident | undefined;
    for (const i of nearby.within(cls, lng, lat, deps.duplicate.radiusM)) {
      if (Date.parse(i.createdAt) < windowStart) continue;
      if (!best || i.createdAt < best.createdAt) best = i;
    }
    return best;
  };

  /**
   * What a report would become, in memory: located, scope-checked, linked to the open case it
   * duplicates, with its first deadline. report() persists it; preview() only shows it.
   */
  const draftOf = (
    input: ReportIncidentInput,
    user: User,
    now: Date,
  ): { draft: Incident; primary: Incident | undefined; gridCode: string | null } => {
    let grid = null;
    if (input.lng !== undefined && input.lat !== undefined) grid = geography.gridAt(input.lng, input.lat);
    else if (input.gridCode) {
      grid = geography.unit(input.gridCode) ?? null;
      if (!grid || grid.properties.level !== 'grid')
        throw new DomainError('bad-request', `没有网格 ${input.gridCode}`, { gridCode: '未知网格' });
    }
    const gridCode = grid?.properties.code ?? null;
    if (user.scope.length > 6 && !inScope(user.scope, gridCode)) throw new DomainError('forbidden', '只能上报本辖区内的事件');

    const at = now.toISOString();
    const lng = input.lng ?? null;
    const lat = input.lat ?? null;
    const primary = findPrimary(input.class, lng, lat, now);
    const draft: Incident = {
      id: '',
      class: input.class,
      priority: input.priority,
      source: input.source,
      stage: primary ? 'merged' : 'reported',
      description: input.description,
      address: input.address || grid?.properties.name || '',
      lng,
      lat,
      gridCode,
      communityCode: gridCode?.slice(0, 12) ?? null,
      streetCode: gridCode?.slice(0, 9) ?? null,
      needsManualLocation: gridCode === null,
      suggestedAssignee: gridCode ? branchOf(gridCode) : null,
      assignee: null,
      reporterName: input.reporterName,
      reporterPhone: input.reporterPhone,
      photoUrl: input.photoUrl ?? null,
      duplicateOf: primary?.id ?? null,
      duplicateCount: 0,
      version: 1,
      createdAt: at,
      updatedAt: at,
      stageEnteredAt: at,
      deadline: null,
      slaState: 'ok',
      supervised: false,
      escalationLevel: 0,
      extensionCount: 0,
      reworkCount: 0,
      returnCount: 0,
      lateStages: 0,
      handlers: [],
      closedAt: primary ? at : null,
      closedOnTime: null,
      rating: null,
    };
    if (!primary) draft.deadline = deps.sla.deadline(draft, 'reported', now)?.toISOString() ?? null;
    return { draft, primary, gridCode };
  };

  return {
    /** Reports a case; a retry with the same idempotency key returns the same case (created: false). */
    async report(body: unknown, user: User, idempotencyKey: string | undefined): Promise<{ incident: Incident; created: boolean }> {
      if (!may(user.role, 'report')) throw new DomainError('forbidden', `${ROLE_NAMES[user.role]}不能上报事件`);
      if (!idempotencyKey || !IDEMPOTENCY_KEY.test(idempotencyKey)) {
        throw new DomainError('bad-request', '需要 Idempotency-Key：8–128 个字母、数字或 _.:-', {
          'Idempotency-Key': '缺少或格式不对',
        });
      }
      const input = parseInput(reportIncidentSchema, body);
      const requestHash = createHash('sha256').update(JSON.stringify(input)).digest('hex');
      const now = clock.now();
      const at = now.toISOString();
      const { draft, primary, gridCode } = draftOf(input, user, now);
      const day = new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(0, 10).replaceAll('-', '');

      // The record is a command (services/commands.ts), run in the writer thread if there is one. A
      // retry is found by its key inside the transaction and answered, like the first, once on disk.
      const outcome = await writer.command('report', {
        draft,
        day,
        actor: { id: user.id, name: user.name },
        idempotencyKey,
        requestHash,
        at,
        primaryId: primary?.id ?? null,
        note: gridCode ? '' : '不在任何网格内，待人工定位',
      });
      if (outcome.created) {
        remember(outcome.incident);
        if (outcome.primary) remember(outcome.primary);
      }
      return { incident: outcome.incident, created: outcome.created };
    },

    /** What this report would be filed as (grid, branch, duplicate link, first deadline), without filing it. */
    preview(body: unknown, user: User): IncidentPreview {
      if (!may(user.role, 'report')) throw new DomainError('forbidden', `${ROLE_NAMES[user.role]}不能上报事件`);
      const { draft } = draftOf(parseInput(reportIncidentSchema, body), user, clock.now());
      const { gridCode, communityCode, streetCode, address, needsManualLocation, suggestedAssignee, stage, duplicateOf, deadline } = draft;
      return { gridCode, communityCode, streetCode, address, needsManualLocation, suggestedAssignee, stage, duplicateOf, deadline };
    },

    /** Takes a workflow action; the stored version must still be the one the caller saw. */
    async act(id: string, body: unknown, user: User): Promise<Incident> {
      const input = parseInput(incidentActionSchema, body);
      const next = await writer.write(() => {
        const current = repo.get(id);
        if (!current || (!canReach(user.scope, current) && user.role !== 'admin')) throw new DomainError('not-found', `没有案件 ${id}`);
        const t = applyAction(current, input, user, { now: clock.now(), deadlineFor, branchOf });
        repo.update(t.next, current.version, [
          {
            type: input.action,
            actorId: user.id,
            actorName: user.name,
            at: t.next.updatedAt,
            fromStage: t.fromStage,
            toStage: t.toStage,
            note: t.note,
          },
        ]);
        stored(t.next, current);
        return t.next;
      });
      remember(next);
      return next;
    },

    get(id: string, user: User): IncidentDetail {
      const incident = repo.get(id);
      if (!incident || !canReach(user.scope, incident)) throw new DomainError('not-found', `没有案件 ${id}`);
      return { ...incident, timeline: repo.timeline(id) };
    },

    list(query: unknown, user: User): IncidentPage {
      const q: ListIncidentsQuery = parseInput(listIncidentsSchema, query);
      if (q.scope && !inScope(user.scope, q.scope)) throw new DomainError('forbidden', `范围 ${q.scope} 不在您的管辖范围 ${user.scope} 内`);
      const prefix = q.scope ?? (user.scope.length > 6 ? user.scope : null);
      return repo.list(q, { prefix });
    },

    /**
     * Every case matching a list query, a page of `size` at a time, for exports and Open311. Each page
     * is its own query (no SQLite iterator stays open between them); the first validates the query.
     */
    *pages(query: Record<string, unknown>, user: User, size = 500): Generator<Incident[]> {
      const { limit: _l, cursor: _c, ...filters } = query;
      let cursor: string | undefined;
      do {
        const page = this.list({ ...filters, limit: size, ...(cursor ? { cursor } : {}) }, user);
        yield page.items;
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
    },

    /** Open cases in scope, most urgent first (red, amber, priority, deadline), and their total. */
    openIn(scope: string, limit: number): { items: Incident[]; total: number } {
      const open = [...live.values()].filter((i) => canReach(scope, i)).sort(byUrgency);
      return { items: open.slice(0, limit), total: open.length };
    },

    /** Open cases and the last 30 days' finished ones, as indicators need them. */
    workingSet(): CaseSummary[] {
      return [...live.values(), ...finished.values()];
    },
    /** Changes whenever workingSet() would: what is derived from it can be kept until then. */
    workingSetVersion: (): number => workingSetVersion,

    /**
     * Moves SLA states on (amber, red + 督办, escalation) and drops stale cases from memory. Reads
     * only the cases whose next SLA check is due (nextSlaCheck), not every open case.
     */
    async sweep(): Promise<number> {
      const now = clock.now();
      const cutoff = since();
      for (const i of finished.values()) if (i.updatedAt < cutoff && finished.delete(i.id)) workingSetVersion++;
      const due: string[] = [];
      for (const [id, at] of slaDue) if (at <= now.getTime()) due.push(id);
      if (due.length === 0) return 0;
      const { updated, unchanged } = await writer.write(() => {
        const updated: Incident[] = [];
        const unchanged: Incident[] = [];
        for (const id of due) {
          const current = repo.get(id);
          if (!current || !isOpenStage(current.stage)) continue;
          const u = slaUpdate(current, now, deps.sla, deps.amberAt);
          if (!u) {
            unchanged.push(current);
            continue;
          }
          repo.update(
            u.next,
            current.version,
            u.events.map((e) => ({
              type: e.type,
              actorId: 'system',
              actorName: '系统',
              at: now.toISOString(),
              fromStage: current.stage,
              toStage: current.stage,
              note: e.note,
            })),
          );
          stored(u.next, current);
          updated.push(u.next);
          if (u.events.some((e) => e.type === 'sla-red')) deps.onSlaBreach?.();
        }
        return { updated, unchanged };
      });
      for (const i of updated) remember(i);
      // Due but unchanged: the cached copy was older than the stored case (a change still on its
      // way to memory) — keep what is stored, with its own next check.
      for (const i of unchanged) keep(i);
      return updated.length;
    },
  };
}
