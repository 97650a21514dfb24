/** /api/tasks: list in scope, create, act (start, complete, miss, assign). */
import { Router } from 'express';
import { z } from 'zod';
import { scopeCode } from '../contract/inputs.ts';
import { DomainError } from '../contract/errors.ts';
import { inScope } from '../contract/geo.ts';
import type { Items, TaskAnswer } from '../contract/responses.ts';
import type { Task } from '../contract/tasks.ts';
import type { TaskService } from '../services/tasks.ts';
import { parseInput } from '../services/validation.ts';
import { route, user } from './common.ts';

const listSchema = z
  .object({
    scope: scopeCode.optional(),
    limit: z.coerce.number().int().min(1).max(500).default(200),
  })
  .strict();

export function tasksRouter(tasks: TaskService): Router {
  const router = Router();
  router.get(
    '/tasks',
    route((req, res) => {
      const q = parseInput(listSchema, req.query);
      const scope = q.scope ?? user(req).scope;
      if (!inScope(user(req).scope, scope)) throw new DomainError('forbidden', `范围 ${scope} 不在您的管辖范围内`);
      res.json({ items: tasks.activeIn(scope, q.limit) } satisfies Items<Task>);
    }),
  );
  router.post(
    '/tasks',
    route(async (req, res) => {
      res.status(201).json({ task: await tasks.create(req.body, user(req)) } satisfies TaskAnswer);
    }),
  );
  router.post(
    '/tasks/:id/actions',
    route(async (req, res) => {
      res.json({ task: await tasks.act(String(req.params.id), req.body, user(req)) } satisfies TaskAnswer);
    }),
  );
  return router;
}
