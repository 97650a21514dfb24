/** /api/incidents: report, preview, list, read, act. The wall role gets personal data masked. */
import { Router } from 'express';
import type { Incident } from '../contract/incidents.ts';
import type { IncidentAnswer, IncidentPage, IncidentPreviewAnswer, IncidentWithActions } from '../contract/responses.ts';
import { maskIncident } from '../domain/masking.ts';
import { availableActions } from '../domain/workflow.ts';
import type { IncidentService } from '../services/incidents.ts';
import { allow, route, user } from './common.ts';

export function incidentsRouter(incidents: IncidentService, observeReport: (ms: number) => void): Router {
  const router = Router();
  const view = <T extends Incident>(i: T, role: string): T => (role === 'wall' ? maskIncident(i) : i);

  // Answered once the case is on disk; a retry with the same Idempotency-Key gets the same case (200).
  router.post(
    '/incidents',
    route(async (req, res) => {
      const started = performance.now();
      const { incident, created } = await incidents.report(req.body, user(req), req.get('idempotency-key'));
      observeReport(performance.now() - started);
      res
        .status(created ? 201 : 200)
        .location(`/api/incidents/${incident.id}`)
        .json({ incident } satisfies IncidentAnswer);
    }),
  );

  router.post(
    '/incidents/preview',
    route((req, res) => {
      res.json({ preview: incidents.preview(req.body, user(req)) } satisfies IncidentPreviewAnswer);
    }),
  );

  router.get(
    '/incidents',
    route((req, res) => {
      const page = incidents.list(req.query, user(req));
      res.json({ items: page.items.map((i) => view(i, user(req).role)), nextCursor: page.nextCursor } satisfies IncidentPage);
    }),
  );

  router.get(
    '/incidents/:id',
    route((req, res) => {
      const detail = incidents.get(String(req.params.id), user(req));
      res.json({ incident: view(detail, user(req).role), actions: availableActions(detail, user(req)) } satisfies IncidentWithActions);
    }),
  );

  router.post(
    '/incidents/:id/actions',
    allow('act'),
    route(async (req, res) => {
      const incident = await incidents.act(String(req.params.id), req.body, user(req));
      res.json({ incident, actions: availableActions(incident, user(req)) } satisfies IncidentWithActions<Incident>);
    }),
  );
  return router;
}
