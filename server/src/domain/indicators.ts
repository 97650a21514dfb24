/**
 * Indicators for one scope, computed from the live working set (open cases and the last 30 days),
 * the tasks and the organisation data. Pure: the clock and data are handed in (the one module-level
 * map only memoises the trends' bucket edges).
 */
import { DISTRICT_CODE, type UnitFeature } from '../contract/geo.ts';
import { isOpenStage, type Incident, type IncidentClass, type Source, type Stage } from '../contract/incidents.ts';
import type { Indicators, RankingRow, TrendPoint } from '../contract/indicators.ts';
import type { Organisation } from '../contract/org.ts';
import type { Task, TaskState, TaskType } from '../contract/tasks.ts';
import type { Geography } from './geography.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const SHANGHAI_OFFSET = 8 * HOUR;

/** UTC instant of local (Asia/Shanghai) midnight of the day containing t. */
export function shanghaiMidnight(t: number): number {
  return Math.floor((t + SHANGHAI_OFFSET) / DAY) * DAY - SHANGHAI_OFFSET;
}

/**
 * What indicators need of a case. Finished cases are kept in memory only in this form (a few
 * hundred bytes instead of the whole case), so the 30-day window stays small.
 */
export type CaseSummary = Pick<
  Incident,
  | 'id'
  | 'version'
  | 'class'
  | 'source'
  | 'stage'
  | 'gridCode'
  | 'createdAt'
  | 'updatedAt'
  | 'closedAt'
  | 'closedOnTime'
  | 'reworkCount'
  | 'extensionCount'
  | 'assignee'
  | 'slaState'
  | 'supervised'
>;

export function summarise(i: Incident): CaseSummary {
  return {
    id: i.id,
    version: i.version,
    class: i.class,
    source: i.source,
    stage: i.stage,
    gridCode: i.gridCode,
    createdAt: i.createdAt,
    updatedAt: i.updatedAt,
    closedAt: i.closedAt,
    closedOnTime: i.closedOnTime,
    reworkCount: i.reworkCount,
    extensionCount: i.extensionCount,
    assignee: i.assignee,
    slaState: i.slaState,
    supervised: i.supervised,
  };
}

/**
 * The working set grouped by grid, so that a scope's cases — and each ranked unit's — are gathered
 * from its grids' lists instead of filtering every case for the scope and again for every unit
 * ranked, which cost the event loop in proportion to cases × units every indicator period
 * (docs/decisions/working-set.md). Build one per change of the working set; scopes are memoised.
 */
export interface CaseIndex {
  /** The cases in a scope: all of them for the district (unlocated ones too), else those of its grids. */
  within(code: string): readonly CaseSummary[];
}

export function indexCases(cases: readonly CaseSummary[]): CaseIndex {
  const byGrid = new Map<string, CaseSummary[]>();
  for (const c of cases) {
    if (c.gridCode === null) continue;
    const list = byGrid.get(c.gridCode);
    if (list) list.push(c);
    else byGrid.set(c.gridCode, [c]);
  }
  const scoped = new Map<string, CaseSummary[]>();
  return {
    within(code) {
      if (code === DISTRICT_CODE) return cases;
      let found = scoped.get(code);
      if (!found) {
        found = [];
        for (const [grid, list] of byGrid) if (grid.startsWith(code)) for (const c of list) found.push(c);
        scoped.set(code, found);
      }
      return found;
    },
  };
}

export interface IndicatorInput {
  scope: UnitFeature;
  /** Child units to rank (empty for a grid). */
  children: readonly UnitFeature[];
  /** Communities inside the scope, ranked too. */
  communities: readonly UnitFeature[];
  incidents: CaseIndex;
  tasks: readonly Task[];
  organisation: Organisation;
  now: Date;
}

/** The units an existing scope's indicators are about: itself, its children to rank (none for a grid), and its communities. */
export function scopeUnits(geography: Geography, code: string): Pick<IndicatorInput, 'scope' | 'children' | 'communities'> {
  const scope = geography.unit(code)!;
  return {
    scope,
    children: scope.properties.level === 'grid' ? [] : geography.children(code),
    communities: geography.units('community').filter((c) => c.properties.code.startsWith(code)),
  };
}

export function computeIndicators({ scope, children, communities, incidents, tasks, organisation, now }: IndicatorInput): Indicators {
  const code = scope.properties.code;
  const t = now.getTime();
  const mine = incidents.within(code);
  const today = shanghaiMidnight(t);
  const monthAgo = t - 30 * DAY;
  // Case times are the server's toISOString() (UTC, fixed width): they compare as strings, far
  // cheaper than parsing each one per filter.
  const todayIso = new Date(today).toISOString();
  const monthAgoIso = new Date(monthAgo).toISOString();
  const todays = mine.filter((i) => i.createdAt >= todayIso);
  const recent = mine.filter((i) => i.createdAt >= monthAgoIso);
  const todayByStage: Partial<Record<Stage, number>> = {};
  for (const i of todays) todayByStage[i.stage] = (todayByStage[i.stage] ?? 0) + 1;
  const open = mine.filter((i) => isOpenStage(i.stage));
  const classMix: Partial<Record<IncidentClass, number>> = {};
  const sourceMix: Partial<Record<Source, number>> = {};
  for (const i of recent) {
    classMix[i.class] = (classMix[i.class] ?? 0) + 1;
    sourceMix[i.source] = (sourceMix[i.source] ?? 0) + 1;
  }
  const rates = rateSet(recent);

  const weekStart = today - ((new Date(today + SHANGHAI_OFFSET).getUTCDay() + 6) % 7) * DAY;
  const myTasks = tasks.filter((k) => k.gridCode.startsWith(code));
  const weekTasks = myTasks.filter((k) => Date.parse(k.endsAt) >= weekStart && Date.parse(k.startsAt) < weekStart + 7 * DAY);
  const week: Partial<Record<TaskState, number>> = {};
  const byType: Partial<Record<TaskType, number>> = {};
  for (const k of weekTasks) {
    week[k.state] = (week[k.state] ?? 0) + 1;
    byType[k.type] = (byType[k.type] ?? 0) + 1;
  }
  const finished = (week.done ?? 0) + (week.missed ?? 0);
  const monthTasks = myTasks.filter((k) => k.state === 'done' && Date.parse(k.endsAt) >= monthAgo);
  const participations = monthTasks.reduce((n, k) => n + k.participants, 0);

  // Community-level facts count for the scope's communities, and for a grid, its own community's.
  const inCommunityScope = (communityCode: string): boolean => communityCode.startsWith(code) || code.startsWith(communityCode);
  const teams = organisation.timeBank.teams.filter((tm) => inCommunityScope(tm.communityCode));
  const teamIds = new Set(teams.map((tm) => tm.id));
  const volunteers = organisation.timeBank.volunteers.filter((v) => teamIds.has(v.teamId));
  const volunteerTasks = myTasks.filter((k) => k.type === '志愿服务' && k.state === 'done');

  return {
    scope: code,
    scopeName: scope.properties.name,
    computedAt: now.toISOString(),
    todayByStage,
    todayReported: todays.length,
    todayClosed: mine.filter((i) => i.closedAt !== null && i.closedAt >= todayIso && (i.stage === 'closed' || i.stage === 'evaluated'))
      .length,
    open: open.length,
    overdue: open.filter((i) => i.slaState === 'red').length,
    amber: open.filter((i) => i.slaState === 'amber').length,
    supervised: open.filter((i) => i.supervised).length,
    ...rates,
    classMix,
    sourceMix,
    trend24h: trend(mine, Math.floor(t / HOUR) * HOUR - 23 * HOUR, HOUR, 24),
    trend30d: trend(mine, today - 29 * DAY, DAY, 30),
    ranking: ranked(children, incidents),
    communityRanking: ranked(communities, incidents),
    tasks: {
      week,
      byType,
      completionRate: finished ? (week.done ?? 0) / finished : null,
      activeNow: myTasks.filter((k) => k.state === 'active').length,
    },
    party: {
      partyMembers: scope.properties.partyMembers,
      participationRate: scope.properties.partyMembers ? participations / scope.properties.partyMembers : null,
      pairedUnits: organisation.pairedUnits.filter((u) => u.communityCodes.some(inCommunityScope)).length,
      partTimeMembers: organisation.partTimeMembers.filter((m) => inCommunityScope(m.communityCode)).length,
      socialOrganisations: organisation.socialOrganisations.filter((o) => inCommunityScope(o.communityCode)).length,
    },
    timeBank: {
      volunteers: volunteers.length,
      teams: teams.length,
      hoursDeposited: volunteers.reduce((n, v) => n + v.hoursDeposited, 0) + volunteerTasks.reduce((n, k) => n + k.hours, 0),
      hoursWithdrawn: volunteers.reduce((n, v) => n + v.hoursWithdrawn, 0),
      services: volunteers.reduce((n, v) => n + v.services, 0) + volunteerTasks.length,
    },
  };
}

const VERIFIED_STAGES: ReadonlySet<Stage> = new Set(['verified', 'closed', 'evaluated']);
const DISPATCHED_STAGES: ReadonlySet<Stage> = new Set(['handling', 'handled', 'verified', 'closed', 'evaluated', 'shelved']);

/** The cases that count for rates (neither rejected nor merged), and those of them closed. */
function acceptedAndClosed(cases: readonly CaseSummary[]): { accepted: CaseSummary[]; closed: CaseSummary[] } {
  const accepted = cases.filter((i) => i.stage !== 'rejected' && i.stage !== 'merged');
  return { accepted, closed: accepted.filter((i) => i.stage === 'closed' || i.stage === 'evaluated') };
}

function rateSet(
  recent: readonly CaseSummary[],
): Pick<Indicators, 'closureRate' | 'onTimeRate' | 'reworkRate' | 'extensionRate' | 'meanHandlingHours'> {
  const { accepted, closed } = acceptedAndClosed(recent);
  const verifiedOnce = accepted.filter((i) => i.reworkCount > 0 || VERIFIED_STAGES.has(i.stage));
  const dispatched = accepted.filter((i) => i.assignee !== null || DISPATCHED_STAGES.has(i.stage));
  const ratio = (a: number, b: number): number | null => (b ? a / b : null);
  return {
    closureRate: ratio(closed.length, accepted.length),
    onTimeRate: ratio(closed.filter((i) => i.closedOnTime).length, closed.length),
    reworkRate: ratio(verifiedOnce.filter((i) => i.reworkCount > 0).length, verifiedOnce.length),
    extensionRate: ratio(dispatched.filter((i) => i.extensionCount > 0).length, dispatched.length),
    meanHandlingHours: closed.length
      ? closed.reduce((n, i) => n + (Date.parse(i.closedAt!) - Date.parse(i.createdAt)), 0) / closed.length / HOUR
      : null,
  };
}

/**
 * The ISO times of a trend's bucket edges (start, start + step, …, start + buckets × step). Every
 * scope computed in a round shares them: cases find their bucket by comparing strings, without
 * formatting dates per scope or parsing each case's times.
 */
const edgeCache = new Map<string, readonly string[]>();
function bucketEdges(start: number, step: number, buckets: number): readonly string[] {
  const key = `${start}/${step}/${buckets}`;
  let edges = edgeCache.get(key);
  if (!edges) {
    if (edgeCache.size >= 8) edgeCache.clear(); // windows move on with the clock
    edges = Array.from({ length: buckets + 1 }, (_, k) => new Date(start + k * step).toISOString());
    edgeCache.set(key, edges);
  }
  return edges;
}

function trend(incidents: readonly CaseSummary[], start: number, step: number, buckets: number): TrendPoint[] {
  const edges = bucketEdges(start, step, buckets);
  const points = edges.slice(0, buckets).map((at) => ({ at, reported: 0, closed: 0 }));
  const bucket = (iso: string | null): TrendPoint | undefined => {
    if (!iso || iso < edges[0]! || iso >= edges[buckets]!) return undefined;
    let [lo, hi] = [0, buckets]; // edges[lo] ≤ iso < edges[hi]
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (edges[mid]! <= iso) lo = mid;
      else hi = mid;
    }
    return points[lo];
  };
  for (const i of incidents) {
    const r = bucket(i.createdAt);
    if (r) r.reported++;
    if (i.stage === 'closed' || i.stage === 'evaluated') {
      const c = bucket(i.closedAt);
      if (c) c.closed++;
    }
  }
  return points;
}

function ranked(units: readonly UnitFeature[], incidents: CaseIndex): RankingRow[] {
  return units.map((u) => rankRow(u, incidents)).sort((a, b) => b.score - a.score || a.code.localeCompare(b.code));
}

function rankRow(unit: UnitFeature, incidents: CaseIndex): RankingRow {
  const code = unit.properties.code;
  const mine = incidents.within(code);
  const open = mine.filter((i) => isOpenStage(i.stage));
  const overdue = open.filter((i) => i.slaState === 'red').length;
  const { accepted, closed } = acceptedAndClosed(mine);
  const closureRate = accepted.length ? closed.length / accepted.length : 1;
  const onTimeRate = closed.length ? closed.filter((i) => i.closedOnTime).length / closed.length : 1;
  const notOverdue = open.length ? 1 - overdue / open.length : 1;
  return {
    code,
    name: unit.properties.name,
    open: open.length,
    overdue,
    closureRate,
    onTimeRate,
    score: Math.round(100 * (0.4 * onTimeRate + 0.3 * closureRate + 0.3 * notOverdue) * 10) / 10,
  };
}
