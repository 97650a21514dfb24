/** Notification subscriptions (issue 7): which events, where in the district, to which channel. */
import { z } from 'zod';

/** What a subscription can ask for. */
export const NOTIFY_EVENTS = ['urgent', 'overdue', 'escalated', 'closed'] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];
export const NOTIFY_EVENT_LABELS: Readonly<Record<NotifyEvent, string>> = { urgent: '新紧急案件', overdue: '案件超时', escalated: '案件升级', closed: '案件结案' };

/** A generic webhook (HMAC-SHA256 signed), a DingTalk group robot, or a WeCom (企业微信) group robot. */
export const CHANNEL_KINDS = ['webhook', 'dingtalk', 'wecom'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

export const subscriptionSchema = z.object({
  name: z.string().trim().min(2).max(60),
  events: z.array(z.enum(NOTIFY_EVENTS)).min(1).max(NOTIFY_EVENTS.length),
  scope: z.string().regex(/^431103(\d{3}){0,3}$/, 'the district, a street, community or grid code').default('431103'),
  channel: z.enum(CHANNEL_KINDS),
  url: z.url({ protocol: /^https?$/ }).max(500),
  /** The webhook's HMAC key or the DingTalk robot's 加签 secret; WeCom robots are not signed. */
  secret: z.string().min(8).max(200).optional(),
}).strict().refine((s) => s.channel === 'wecom' || s.secret, { message: 'webhook and dingtalk channels need a secret', path: ['secret'] });
export type SubscriptionInput = z.infer<typeof subscriptionSchema>;

export interface Subscription extends Omit<SubscriptionInput, 'secret'> {
  id: string;
  createdAt: string;
  disabledAt: string | null;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'expired';
export interface Delivery {
  id: number;
  subscriptionId: string;
  event: NotifyEvent;
  incidentId: string;
  status: DeliveryStatus;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
}
