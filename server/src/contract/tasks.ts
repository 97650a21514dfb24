/** Task contract (DESIGN.md §2 任务): party-member and grid work with a place and a time window. */
import { z } from 'zod';

export const TASK_TYPES = ['夜间巡逻', '卫生清扫', '文明劝导', '入户走访', '扶贫解困', '志愿服务'] as const;
export type TaskType = (typeof TASK_TYPES)[number];

export const TASK_STATES = ['planned', 'active', 'done', 'missed'] as const;
export type TaskState = (typeof TASK_STATES)[number];
export const TASK_STATE_LABELS: Readonly<Record<TaskState, string>> = { planned: '计划', active: '进行中', done: '已完成', missed: '未完成' };

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

const taskAssigneeInput = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('branch') }).strict(),
  z.object({ kind: z.literal('paired-unit'), id: z.string().regex(/^PU\d{3}$/) }).strict(),
  z.object({ kind: z.literal('members'), name: z.string().trim().min(1).max(50) }).strict(),
]);

export const createTaskSchema = z.object({
  type: z.enum(TASK_TYPES),
  title: z.string().trim().min(1).max(100),
  gridCode: z.string().regex(/^\d{15}$/, 'a 15-digit grid code'),
  startsAt: z.iso.datetime({ offset: true }),
  endsAt: z.iso.datetime({ offset: true }),
  assignee: taskAssigneeInput.default({ kind: 'branch' }),
  participants: z.number().int().min(0).max(500).default(0),
}).strict().refine((t) => Date.parse(t.endsAt) > Date.parse(t.startsAt), { message: 'endsAt must be after startsAt', path: ['endsAt'] });
export type CreateTaskInput = z.infer<typeof createTaskSchema>;

export const taskActionSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('start'), version: z.number().int().min(1) }).strict(),
  z.object({ action: z.literal('complete'), version: z.number().int().min(1), participants: z.number().int().min(0).max(500).optional(),
    hours: z.number().min(0).max(10_000).optional() }).strict(),
  z.object({ action: z.literal('miss'), version: z.number().int().min(1) }).strict(),
  z.object({ action: z.literal('assign'), version: z.number().int().min(1), assignee: taskAssigneeInput }).strict(),
]);
export type TaskActionInput = z.infer<typeof taskActionSchema>;
