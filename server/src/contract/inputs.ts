/**
 * The zod schemas that validate what the server is sent: sign-in, case reports, actions and
 * queries, tasks, notification subscriptions. The vocabulary they check against lives in the
 * contract modules beside this one, which the client shares; this module is the server's alone, so
 * the client never loads zod (its schemas would be built when the client starts, before the wall's
 * map exists, and ride in every route's initial JavaScript; test/build/bundle.test.ts keeps it out).
 */
import { z } from 'zod';
import { CHANNEL_KINDS, NOTIFY_EVENTS, type Subscription } from './notifications.ts';
import { DEPARTMENTS, DESCRIPTION_MAX_CHARS, INCIDENT_CLASSES, PRIORITIES, SOURCES, STAGES, type IncidentClass } from './incidents.ts';
import { SCOPE_CODE } from './geo.ts';
import { TASK_TYPES } from './tasks.ts';

// What a user or an integrator reads: zod's own messages in Chinese (the codes stay stable).
z.config(z.locales.zhCN());

/** The district, a street, a community or a grid (contract/geo.ts SCOPE_CODE). */
export const scopeCode = z.string().regex(SCOPE_CODE, '须为区、街道、社区或网格代码');

export const loginSchema = z
  .object({
    username: z.string().trim().min(1).max(64),
    password: z.string().min(1).max(256),
  })
  .strict();

// Cases

const text = (max: number) => z.string().trim().max(max);
const coordinate = z.number().finite();

export const reportIncidentSchema = z
  .object({
    class: z.enum(INCIDENT_CLASSES as [IncidentClass, ...IncidentClass[]]),
    priority: z.enum(PRIORITIES).default('一般'),
    source: z.enum(SOURCES),
    lng: coordinate.min(-180).max(180).optional(),
    lat: coordinate.min(-90).max(90).optional(),
    gridCode: z
      .string()
      .regex(/^\d{15}$/, '须为15位网格代码')
      .optional(),
    address: text(200).default(''),
    description: text(DESCRIPTION_MAX_CHARS).min(1, '请描述事件'),
    reporterName: text(50).default(''),
    reporterPhone: z
      .string()
      .trim()
      .regex(/^$|^[0-9+\- ]{5,20}$/, '电话号码格式不对')
      .default(''),
    photoUrl: z
      .url({ protocol: /^https?$/ })
      .max(500)
      .optional(),
  })
  .strict()
  .refine((v) => (v.lng === undefined) === (v.lat === undefined), { message: '经度和纬度须同时给出或都不给', path: ['lng'] });
export type ReportIncidentInput = z.infer<typeof reportIncidentSchema>;

const base = { version: z.number().int().min(1), note: text(1000).default('') };
/** Where a case is sent: a grid's party branch, or a department. */
const dispatchTarget = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('branch'), gridCode: z.string().regex(/^\d{15}$/) }).strict(),
  z.object({ kind: z.literal('department'), name: z.enum(DEPARTMENTS) }).strict(),
]);
export const incidentActionSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('accept'), ...base }).strict(),
  z.object({ action: z.literal('register'), ...base }).strict(),
  z.object({ action: z.literal('reject'), ...base, note: text(1000).min(1, '请填写原因') }).strict(),
  z.object({ action: z.literal('dispatch'), ...base, to: dispatchTarget.optional() }).strict(),
  // 改派: to another branch or department, with the reason; 撤回: back to dispatch, with the reason.
  z.object({ action: z.literal('reassign'), ...base, to: dispatchTarget, note: text(1000).min(1, '请填写原因') }).strict(),
  z.object({ action: z.literal('recall'), ...base, note: text(1000).min(1, '请填写原因') }).strict(),
  z.object({ action: z.literal('return'), ...base, note: text(1000).min(1, '请说明不属于本网格的原因') }).strict(),
  z.object({ action: z.literal('start'), ...base }).strict(),
  z.object({ action: z.literal('feedback'), ...base, note: text(1000).min(1, '请说明处置情况') }).strict(),
  z.object({ action: z.literal('verify'), ...base, pass: z.boolean() }).strict(),
  z.object({ action: z.literal('close'), ...base }).strict(),
  z.object({ action: z.literal('evaluate'), ...base, rating: z.number().int().min(1).max(5) }).strict(),
  z
    .object({ action: z.literal('extend'), ...base, hours: z.number().int().min(1).max(720), note: text(1000).min(1, '请填写原因') })
    .strict(),
  z.object({ action: z.literal('shelve'), ...base, note: text(1000).min(1, '请填写原因') }).strict(),
  z.object({ action: z.literal('supervise'), ...base }).strict(),
]);
export type IncidentActionInput = z.infer<typeof incidentActionSchema>;

export const listIncidentsSchema = z
  .object({
    stage: z.enum(STAGES).optional(),
    class: z.enum(INCIDENT_CLASSES as [IncidentClass, ...IncidentClass[]]).optional(),
    /** Several classes at once, comma separated (Open311's service_code list). */
    classes: z
      .string()
      .max(400)
      .refine((v) => v.split(',').every((c) => (INCIDENT_CLASSES as readonly string[]).includes(c)), '须为已知事件类别，以逗号分隔')
      .optional(),
    priority: z.enum(PRIORITIES).optional(),
    source: z.enum(SOURCES).optional(),
    scope: scopeCode.optional(),
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    open: z.enum(['true', 'false']).optional(),
    overdue: z.enum(['true', 'false']).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    cursor: z.string().max(200).optional(),
  })
  .strict();
export type ListIncidentsQuery = z.infer<typeof listIncidentsSchema>;

// Tasks

const taskAssigneeInput = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('branch') }).strict(),
  z.object({ kind: z.literal('paired-unit'), id: z.string().regex(/^PU\d{3}$/) }).strict(),
  z.object({ kind: z.literal('members'), name: z.string().trim().min(1).max(50) }).strict(),
]);

export const createTaskSchema = z
  .object({
    type: z.enum(TASK_TYPES),
    title: z.string().trim().min(1).max(100),
    gridCode: z.string().regex(/^\d{15}$/, '须为15位网格代码'),
    startsAt: z.iso.datetime({ offset: true }),
    endsAt: z.iso.datetime({ offset: true }),
    assignee: taskAssigneeInput.default({ kind: 'branch' }),
    participants: z.number().int().min(0).max(500).default(0),
  })
  .strict()
  .refine((t) => Date.parse(t.endsAt) > Date.parse(t.startsAt), { message: '结束时间须晚于开始时间', path: ['endsAt'] });

export const taskActionSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('start'), version: z.number().int().min(1) }).strict(),
  z
    .object({
      action: z.literal('complete'),
      version: z.number().int().min(1),
      participants: z.number().int().min(0).max(500).optional(),
      hours: z.number().min(0).max(10_000).optional(),
    })
    .strict(),
  z.object({ action: z.literal('miss'), version: z.number().int().min(1) }).strict(),
  z.object({ action: z.literal('assign'), version: z.number().int().min(1), assignee: taskAssigneeInput }).strict(),
]);

// Notification subscriptions

export const subscriptionSchema = z
  .object({
    name: z.string().trim().min(2).max(60),
    events: z.array(z.enum(NOTIFY_EVENTS)).min(1).max(NOTIFY_EVENTS.length),
    scope: scopeCode.default('431103'),
    channel: z.enum(CHANNEL_KINDS),
    url: z.url({ protocol: /^https?$/ }).max(500),
    /** The webhook's HMAC key or the DingTalk robot's 加签 secret; WeCom robots are not signed. */
    secret: z.string().min(8).max(200).optional(),
  })
  .strict()
  .refine((s) => s.channel === 'wecom' || s.secret, { message: 'Webhook 和钉钉渠道需要签名密钥', path: ['secret'] });
export type SubscriptionInput = z.infer<typeof subscriptionSchema>;

/** True when A and B are the same type (for the compile-time check below). */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
/**
 * The contract spells `Subscription` out for the client, which never sees this schema; the two must
 * name the same fields, or the type check fails here.
 */
const subscriptionMatchesContract: Same<Omit<SubscriptionInput, 'secret'>, Omit<Subscription, 'id' | 'createdAt' | 'disabledAt'>> = true;
void subscriptionMatchesContract;
