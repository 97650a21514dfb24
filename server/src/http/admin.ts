/**
 * /api/admin (admins only): Open311 API keys (issued — the key is shown once —, listed, revoked),
 * notification subscriptions (created, listed, disabled) and the delivery log.
 */
import { Router } from 'express';
import { z } from 'zod';
import { DomainError } from '../contract/errors.ts';
import { SOURCES } from '../contract/incidents.ts';
import { subscriptionSchema, scopeCode } from '../contract/inputs.ts';
import type { Subscription } from '../contract/notifications.ts';
import type { ApiKey, ApiKeyAnswer, ApiKeyIssued, DeliveryLog, Items, SubscriptionAnswer } from '../contract/responses.ts';
import type { Geography } from '../domain/geography.ts';
import { isPrivateAddress } from '../domain/notifications.ts';
import type { Clock } from '../domain/clock.ts';
import { parseInput } from '../services/validation.ts';
import type { ApiKeyRepository } from '../store/api-keys-repo.ts';
import type { NotificationRepository } from '../store/notifications-repo.ts';
import type { Writer } from '../store/writer.ts';
import { allow, route, user } from './common.ts';

const issueSchema = z
  .object({
    name: z.string().trim().min(2).max(60),
    scope: scopeCode.default('431103'),
    source: z.enum(SOURCES).default('群众随手拍'),
  })
  .strict();
const logSchema = z
  .object({
    status: z.enum(['pending', 'delivered', 'expired']).optional(),
    subscription: z.string().max(40).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

export interface AdminDeps {
  apiKeys: ApiKeyRepository;
  notifications: NotificationRepository;
  /** Every change goes through the group-commit writer, so it is answered only once on disk. */
  writer: Writer;
  geography: Geography;
  clock: Clock;
  /** Subscriptions may target loopback and private addresses (NOTIFY_ALLOW_PRIVATE). */
  allowPrivateTargets: boolean;
}

export function adminRouter({ apiKeys, notifications, writer, geography, clock, allowPrivateTargets }: AdminDeps): Router {
  const router = Router();
  router.use('/admin', allow('administer'));
  const knownScope = (scope: string): void => {
    if (!geography.unit(scope)) throw new DomainError('bad-request', `没有单元 ${scope}`, { scope: '未知单元' });
  };

  router.post(
    '/admin/api-keys',
    route(async (req, res) => {
      const k = parseInput(issueSchema, req.body);
      knownScope(k.scope);
      const { apiKey, key } = await writer.write(() => apiKeys.issue({ ...k, createdBy: user(req).id }, clock.now().toISOString()));
      res.status(201).json({ apiKey, key } satisfies ApiKeyIssued);
    }),
  );
  router.get(
    '/admin/api-keys',
    route((_req, res) => void res.json({ items: apiKeys.list() } satisfies Items<ApiKey>)),
  );
  router.delete(
    '/admin/api-keys/:id',
    route(async (req, res) => {
      const revoked = await writer.write(() => apiKeys.revoke(String(req.params.id), clock.now().toISOString()));
      if (!revoked) throw new DomainError('not-found', `没有接口密钥 ${req.params.id}`);
      res.json({ apiKey: revoked } satisfies ApiKeyAnswer);
    }),
  );

  router.post(
    '/admin/subscriptions',
    route(async (req, res) => {
      const s = parseInput(subscriptionSchema, req.body);
      knownScope(s.scope);
      if (!allowPrivateTargets && isPrivateAddress(new URL(s.url).hostname)) {
        throw new DomainError('bad-request', '推送地址是本机或内网地址', {
          url: '本机或内网地址（仅在 NOTIFY_ALLOW_PRIVATE=1 时允许，private）',
        });
      }
      const subscription = await writer.write(() => notifications.subscribe(s, user(req).id, clock.now().toISOString()));
      res.status(201).json({ subscription } satisfies SubscriptionAnswer);
    }),
  );
  router.get(
    '/admin/subscriptions',
    route((_req, res) => void res.json({ items: notifications.subscriptions() } satisfies Items<Subscription>)),
  );
  router.delete(
    '/admin/subscriptions/:id',
    route(async (req, res) => {
      const disabled = await writer.write(() => notifications.disable(String(req.params.id), clock.now().toISOString()));
      if (!disabled) throw new DomainError('not-found', `没有订阅 ${req.params.id}`);
      res.json({ subscription: disabled } satisfies SubscriptionAnswer);
    }),
  );
  router.get(
    '/admin/deliveries',
    route((req, res) => {
      const q = parseInput(logSchema, req.query);
      res.json({ items: notifications.log({ status: q.status, subscriptionId: q.subscription, limit: q.limit }) } satisfies DeliveryLog);
    }),
  );
  return router;
}
