/** /api/admin: Open311 API keys, issued, listed and revoked by an admin. A key is shown once, when issued. */
import { Router } from 'express';
import { z } from 'zod';
import { DomainError } from '../contract/errors.ts';
import { SOURCES } from '../contract/incidents.ts';
import type { Geography } from '../domain/geography.ts';
import type { Clock } from '../services/incidents.ts';
import { parseInput } from '../services/validation.ts';
import type { ApiKeyRepository } from '../store/api-keys-repo.ts';
import { allow, route, user } from './common.ts';

const issueSchema = z.object({
  name: z.string().trim().min(2).max(60),
  scope: z.string().regex(/^431103(\d{3}){0,3}$/, 'the district, a street, community or grid code').default('431103'),
  source: z.enum(SOURCES).default('群众随手拍'),
}).strict();

export function adminRouter(apiKeys: ApiKeyRepository, geography: Geography, clock: Clock): Router {
  const router = Router();
  router.use('/admin', allow('admin'));
  router.post('/admin/api-keys', route((req, res) => {
    const k = parseInput(issueSchema, req.body);
    if (!geography.unit(k.scope)) throw new DomainError('bad-request', `no unit ${k.scope}`, { scope: 'unknown unit' });
    const { apiKey, key } = apiKeys.issue({ ...k, createdBy: user(req).id }, clock.now().toISOString());
    res.status(201).json({ apiKey, key });
  }));
  router.get('/admin/api-keys', route((_req, res) => void res.json({ items: apiKeys.list() })));
  router.delete('/admin/api-keys/:id', route((req, res) => {
    const revoked = apiKeys.revoke(String(req.params.id), clock.now().toISOString());
    if (!revoked) throw new DomainError('not-found', `no API key ${req.params.id}`);
    res.json({ apiKey: revoked });
  }));
  return router;
}
