/**
 * Incident contract (docs/design.md §2): stages of the closed loop, actions, classes, sources,
 * priorities, the incident as the client sees it, and the order of urgency. The schemas that
 * validate its inputs are in inputs.ts (the client never loads zod).
 */
/** Stages of the closed loop, in order, then the side exits. */
export const STAGES = [
  'reported', // 上报
  'accepted', // 受理
  'registered', // 立案
  'dispatched', // 派遣
  'handling', // 处置
  'handled', // 反馈
  'verified', // 核查
  'closed', // 结案
  'evaluated', // 评价
  'rejected', // 不予立案
  'shelved', // 挂账
  'merged', // 重复上报，并入已有案件
] as const;
export type Stage = (typeof STAGES)[number];

export const STAGE_LABELS: Readonly<Record<Stage, string>> = {
  reported: '上报',
  accepted: '受理',
  registered: '立案',
  dispatched: '派遣',
  handling: '处置',
  handled: '反馈',
  verified: '核查',
  closed: '结案',
  evaluated: '评价',
  rejected: '不予立案',
  shelved: '挂账',
  merged: '已合并',
};

/** Stages after which a case counts as finished. */
const FINISHED_STAGES: readonly Stage[] = ['closed', 'evaluated', 'rejected', 'shelved', 'merged'];
export const isOpenStage = (stage: Stage): boolean => !FINISHED_STAGES.includes(stage);

export type Action =
  | 'accept'
  | 'register'
  | 'reject'
  | 'dispatch'
  | 'return'
  | 'start'
  | 'feedback'
  | 'verify'
  | 'close'
  | 'evaluate'
  | 'extend'
  | 'shelve'
  | 'supervise'
  | 'reassign'
  | 'recall';

export const ACTION_LABELS: Readonly<Record<Action, string>> = {
  accept: '受理',
  register: '立案',
  reject: '不予立案',
  dispatch: '派遣',
  return: '回退',
  start: '开始处置',
  feedback: '处置反馈',
  verify: '核查',
  close: '结案',
  evaluate: '评价',
  extend: '延期',
  shelve: '挂账',
  supervise: '督办',
  reassign: '改派',
  recall: '撤回',
};

/** Event types recorded on the timeline besides the user actions. */
export type TimelineType = Action | 'report' | 'duplicate' | 'sla-amber' | 'sla-red' | 'escalate';

export const CLASS_GROUPS = {
  事件: ['市容环境', '宣传广告', '施工管理', '街面秩序', '突发事件'],
  部件: ['公用设施', '交通设施', '市容环境设施', '园林绿化设施'],
  社会治理: ['矛盾纠纷', '治安隐患', '安全隐患', '民生服务', '特殊人群'],
} as const;
export const INCIDENT_CLASSES = Object.values(CLASS_GROUPS).flat() as IncidentClass[];
export type IncidentClass = (typeof CLASS_GROUPS)[keyof typeof CLASS_GROUPS][number];

export const SOURCES = ['网格员巡查', '12345热线', '群众随手拍', '视频监控', '部门转办'] as const;
export type Source = (typeof SOURCES)[number];

export const PRIORITIES = ['一般', '紧急', '重大'] as const;
export type Priority = (typeof PRIORITIES)[number];

export type SlaState = 'ok' | 'amber' | 'red';
export const SLA_STATE_LABELS: Readonly<Record<SlaState, string>> = { ok: '正常', amber: '临期', red: '超时' };

/** Departments a case can be dispatched to instead of a grid branch. */
export const DEPARTMENTS = [
  '区城管局',
  '区住建局',
  '区市场监管局',
  '区公安分局',
  '区应急管理局',
  '区生态环境分局',
  '区交通运输局',
  '区卫健局',
] as const;

/** Escalation levels: the case's owner moves up one level each time a stage clock runs out. */
export const ESCALATION_LEVELS = ['branch', 'community', 'street', 'district'] as const;
/** Who owns a case at each escalation level, as the UI and the timeline name them. */
export const ESCALATION_LABELS = ['网格党支部', '社区党工委', '街道党工委', '区委'] as const;

export interface Assignee {
  kind: 'branch' | 'department';
  /** Party organisation id (`P` + grid code) or the department's name. */
  id: string;
  name: string;
}

export interface Incident {
  id: string;
  class: IncidentClass;
  priority: Priority;
  source: Source;
  stage: Stage;
  description: string;
  address: string;
  lng: number | null;
  lat: number | null;
  gridCode: string | null;
  communityCode: string | null;
  streetCode: string | null;
  /** Reported outside every grid (or without a usable place): a dispatcher must place it. */
  needsManualLocation: boolean;
  /** The branch suggested by the location, before dispatch. */
  suggestedAssignee: Assignee | null;
  assignee: Assignee | null;
  reporterName: string;
  reporterPhone: string;
  photoUrl: string | null;
  /** The open case this report was linked to as a duplicate. */
  duplicateOf: string | null;
  duplicateCount: number;
  version: number;
  createdAt: string;
  updatedAt: string;
  stageEnteredAt: string;
  /** Deadline of the current stage clock (ISO, UTC), null when no clock runs. */
  deadline: string | null;
  slaState: SlaState;
  supervised: boolean;
  escalationLevel: number;
  extensionCount: number;
  reworkCount: number;
  returnCount: number;
  /** How many stage clocks of this case ran out (red); a case closes on time only when this is 0. */
  lateStages: number;
  /** User ids who handled it (start/feedback): they may not verify or close it (监管分离). */
  handlers: string[];
  closedAt: string | null;
  closedOnTime: boolean | null;
  rating: number | null;
}

export interface TimelineEntry {
  seq: number;
  incidentId: string;
  type: TimelineType;
  actorId: string;
  actorName: string;
  at: string;
  fromStage: Stage | null;
  toStage: Stage | null;
  note: string;
}

export interface IncidentDetail extends Incident {
  timeline: TimelineEntry[];
}

/** A case description's limit (Open311 GeoReport v2 allows 4,000 characters; so do we everywhere). */
export const DESCRIPTION_MAX_CHARS = 4000;

/** POST /api/incidents/preview: what a report would be filed as, without filing it. */
export type IncidentPreview = Pick<
  Incident,
  | 'gridCode'
  | 'communityCode'
  | 'streetCode'
  | 'address'
  | 'needsManualLocation'
  | 'suggestedAssignee'
  | 'stage'
  | 'duplicateOf'
  | 'deadline'
>;

const PRIORITY_RANK: Readonly<Record<Priority, number>> = { 重大: 0, 紧急: 1, 一般: 2 };
const SLA_RANK: Readonly<Record<SlaState, number>> = { red: 0, amber: 1, ok: 2 };

/**
 * Orders ASCII text of one format (ISO times, case numbers) by code unit: the order localeCompare
 * gives them, without the locale's collation, which is costly in a browser (the wall sorts its
 * open cases twice per delta).
 */
const compareCodes = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** A case that calls for attention now: urgent or major, or overdue (the wall's urgent list, the map's ring). */
export const needsAttention = (i: Pick<Incident, 'priority' | 'slaState'>): boolean => i.priority !== '一般' || i.slaState === 'red';

/** Most urgent first: SLA state, priority, then the nearest deadline (queues, snapshots, the wall). */
export function byUrgency(a: Incident, b: Incident): number {
  return (
    SLA_RANK[a.slaState] - SLA_RANK[b.slaState] ||
    PRIORITY_RANK[a.priority] - PRIORITY_RANK[b.priority] ||
    compareCodes(a.deadline ?? '9999', b.deadline ?? '9999') ||
    compareCodes(a.id, b.id)
  );
}
