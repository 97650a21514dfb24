/** Indicators for a scope (district, street, community or grid), computed on the server. */
import type { IncidentClass, Source, Stage } from './incidents.ts';
import type { TaskState, TaskType } from './tasks.ts';

export interface RankingRow {
  code: string;
  name: string;
  /** Composite 0–100: on-time closure 40 %, closure 30 %, share not overdue 30 %. */
  score: number;
  open: number;
  overdue: number;
  closureRate: number;
  onTimeRate: number;
}

export interface TrendPoint {
  /** Start of the bucket (ISO, UTC). */
  at: string;
  reported: number;
  closed: number;
}

export interface Indicators {
  scope: string;
  scopeName: string;
  computedAt: string;
  /** Cases reported today (Asia/Shanghai), by their current stage. */
  todayByStage: Partial<Record<Stage, number>>;
  todayReported: number;
  todayClosed: number;
  open: number;
  overdue: number;
  amber: number;
  supervised: number;
  /** Rates over the last 30 days, 0–1 (null when there is nothing to rate). */
  closureRate: number | null;
  onTimeRate: number | null;
  reworkRate: number | null;
  extensionRate: number | null;
  meanHandlingHours: number | null;
  classMix: Partial<Record<IncidentClass, number>>;
  sourceMix: Partial<Record<Source, number>>;
  trend24h: TrendPoint[];
  trend30d: TrendPoint[];
  /** The scope's child units ranked (communities under a street, grids under a community, …). */
  ranking: RankingRow[];
  /** Communities inside the scope ranked the same way (the wall's 社区排名 at district level). */
  communityRanking: RankingRow[];
  tasks: {
    week: Partial<Record<TaskState, number>>;
    byType: Partial<Record<TaskType, number>>;
    completionRate: number | null;
    activeNow: number;
  };
  party: {
    partyMembers: number;
    /** Member-participations in tasks this month ÷ party members in scope. */
    participationRate: number | null;
    pairedUnits: number;
    partTimeMembers: number;
    socialOrganisations: number;
  };
  timeBank: {
    volunteers: number;
    teams: number;
    hoursDeposited: number;
    hoursWithdrawn: number;
    services: number;
  };
}
