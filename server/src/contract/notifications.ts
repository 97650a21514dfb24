/** Notification subscriptions: which events, where in the district, to which channel (input schema: inputs.ts). */

/** What a subscription can ask for. */
export const NOTIFY_EVENTS = ['urgent', 'overdue', 'escalated', 'closed'] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];
export const NOTIFY_EVENT_LABELS: Readonly<Record<NotifyEvent, string>> = {
  urgent: '新紧急案件',
  overdue: '案件超时',
  escalated: '案件升级',
  closed: '案件结案',
};

/** A generic webhook (HMAC-SHA256 signed), a DingTalk group robot, or a WeCom (企业微信) group robot. */
export const CHANNEL_KINDS = ['webhook', 'dingtalk', 'wecom'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];
export const CHANNEL_LABELS: Readonly<Record<ChannelKind, string>> = {
  webhook: '通用 Webhook（HMAC-SHA256 签名）',
  dingtalk: '钉钉群机器人（加签）',
  wecom: '企业微信群机器人',
};

export interface Subscription {
  name: string;
  events: NotifyEvent[];
  /** The district, a street, community or grid code. */
  scope: string;
  channel: ChannelKind;
  url: string;
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
