/** Subscriptions and the delivery queue in SQLite; the queue doubles as the delivery log admins read. */
import { randomUUID } from 'node:crypto';
import type { Incident } from '../contract/incidents.ts';
import type { SubscriptionInput } from '../contract/inputs.ts';
import type { ChannelKind, Delivery, DeliveryStatus, NotifyEvent, Subscription } from '../contract/notifications.ts';
import type { Db } from './database.ts';

export interface SubscriptionWithSecret extends Subscription {
  secret: string | null;
}
export interface DueDelivery extends Delivery {
  incident: Incident;
}

export interface NotificationRepository {
  subscribe(input: SubscriptionInput, createdBy: string, at: string): Subscription;
  subscriptions(): Subscription[];
  /**
   * Live subscriptions with their secrets, for sending. Read each time, not cached: the writer
   * thread queues notifications on a connection of its own, and would not see another's changes.
   */
  active(): SubscriptionWithSecret[];
  disable(id: string, at: string): Subscription | undefined;
  enqueue(subscriptionId: string, event: NotifyEvent, incident: Incident, at: string): void;
  due(now: string, limit: number): DueDelivery[];
  delivered(id: number, attempts: number, at: string): void;
  failed(id: number, attempts: number, nextAttemptAt: string, error: string): void;
  expired(id: number, attempts: number, error: string): void;
  log(query: { status?: DeliveryStatus; subscriptionId?: string; limit: number }): Delivery[];
}

interface SubRow {
  id: string;
  name: string;
  events: string;
  scope: string;
  channel: ChannelKind;
  url: string;
  secret: string | null;
  created_at: string;
  disabled_at: string | null;
}
interface DeliveryRow {
  id: number;
  subscription_id: string;
  event: NotifyEvent;
  incident_id: string;
  payload: string;
  status: DeliveryStatus;
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}

const toSub = (r: SubRow): SubscriptionWithSecret => ({
  id: r.id,
  name: r.name,
  events: JSON.parse(r.events) as NotifyEvent[],
  scope: r.scope,
  channel: r.channel,
  url: r.url,
  secret: r.secret,
  createdAt: r.created_at,
  disabledAt: r.disabled_at,
});
const withoutSecret = ({ secret: _, ...s }: SubscriptionWithSecret): Subscription => s;
const toDelivery = (r: DeliveryRow): Delivery => ({
  id: r.id,
  subscriptionId: r.subscription_id,
  event: r.event,
  incidentId: r.incident_id,
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  lastError: r.last_error,
  createdAt: r.created_at,
  deliveredAt: r.delivered_at,
});

export function createSqliteNotificationRepository(db: Db): NotificationRepository {
  const s = {
    insertSub: db.prepare(
      'INSERT INTO subscriptions (id, name, events, scope, channel, url, secret, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    ),
    subs: db.prepare<[], SubRow>('SELECT * FROM subscriptions ORDER BY created_at'),
    sub: db.prepare<[string], SubRow>('SELECT * FROM subscriptions WHERE id = ?'),
    active: db.prepare<[], SubRow>('SELECT * FROM subscriptions WHERE disabled_at IS NULL ORDER BY created_at'),
    disable: db.prepare('UPDATE subscriptions SET disabled_at = ? WHERE id = ? AND disabled_at IS NULL'),
    enqueue: db.prepare(
      "INSERT INTO deliveries (subscription_id, event, incident_id, payload, status, attempts, next_attempt_at, created_at) VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)",
    ),
    due: db.prepare<[string, number], DeliveryRow>(
      "SELECT * FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?",
    ),
    delivered: db.prepare("UPDATE deliveries SET status = 'delivered', attempts = ?, delivered_at = ?, last_error = NULL WHERE id = ?"),
    failed: db.prepare('UPDATE deliveries SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?'),
    expired: db.prepare("UPDATE deliveries SET status = 'expired', attempts = ?, last_error = ? WHERE id = ?"),
  };
  return {
    subscribe(input, createdBy, at) {
      const id = randomUUID();
      s.insertSub.run(
        id,
        input.name,
        JSON.stringify(input.events),
        input.scope,
        input.channel,
        input.url,
        input.secret ?? null,
        createdBy,
        at,
      );
      return withoutSecret(toSub(s.sub.get(id)!));
    },
    subscriptions: () => s.subs.all().map((r) => withoutSecret(toSub(r))),
    active: () => s.active.all().map(toSub),
    disable(id, at) {
      s.disable.run(at, id);
      const row = s.sub.get(id);
      return row && withoutSecret(toSub(row));
    },
    enqueue: (subscriptionId, event, incident, at) =>
      void s.enqueue.run(subscriptionId, event, incident.id, JSON.stringify(incident), at, at),
    due: (now, limit) => s.due.all(now, limit).map((r) => ({ ...toDelivery(r), incident: JSON.parse(r.payload) as Incident })),
    delivered: (id, attempts, at) => void s.delivered.run(attempts, at, id),
    failed: (id, attempts, next, error) => void s.failed.run(attempts, next, error.slice(0, 500), id),
    expired: (id, attempts, error) => void s.expired.run(attempts, error.slice(0, 500), id),
    log(q) {
      const where = [q.status && 'status = @status', q.subscriptionId && 'subscription_id = @subscriptionId'].filter(Boolean);
      const sql = `SELECT * FROM deliveries ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT @limit`;
      return db
        .prepare<Record<string, unknown>, DeliveryRow>(sql)
        .all({ status: q.status, subscriptionId: q.subscriptionId, limit: q.limit })
        .map(toDelivery);
    },
  };
}
