/** Task contract (docs/design.md §2 任务): party-member and grid work with a place and a time window (its input schemas: inputs.ts). */
export const TASK_TYPES = ['夜间巡逻', '卫生清扫', '文明劝导', '入户走访', '扶贫解困', '志愿服务'] as const;
export type TaskType = (typeof TASK_TYPES)[number];

export type TaskState = 'planned' | 'active' | 'done' | 'missed';
/** The task actions' names: 开始, 完成, 未完成, 指派. */
export const TASK_ACTION_LABELS = { start: '开始', complete: '完成', miss: '标记未完成', assign: '指派' } as const;

export const TASK_STATE_LABELS: Readonly<Record<TaskState, string>> = {
  planned: '计划',
  active: '进行中',
  done: '已完成',
  missed: '未完成',
};

export interface TaskAssignee {
  kind: 'branch' | 'paired-unit' | 'members';
  /** Party organisation id, paired-unit id, or a label for a member group. */
  id: string;
  name: string;
}

export interface Task {
  id: string;
  type: TaskType;
  title: string;
  state: TaskState;
  gridCode: string;
  communityCode: string;
  streetCode: string;
  startsAt: string;
  endsAt: string;
  assignee: TaskAssignee;
  /** Party members taking part (counts towards participation). */
  participants: number;
  /** Time-bank hours credited on completion (volunteer service). */
  hours: number;
  version: number;
  createdAt: string;
  updatedAt: string;
}
