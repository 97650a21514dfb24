/**
 * /api/incidents: list, read, act. The wall role gets personal data masked. Reporting and
 * previewing (POST /api/incidents, /api/incidents/preview) are served by the lean path in ingest.ts.
 */
import { Router } from 'express';
import type { Incident } from '../contract/incidents.ts';
import { maskIncident } from '../domain/masking.ts';
import { availableActions } from '../domain/workflow.ts';
import type { IncidentService } from '../services/incidents.ts';
import { allow, route, user } from './common.ts';

export function incidentsRouter(incidents: IncidentService): Router {
  const router = Router();
  const view = <T extends Incident>(i: T, role: string): T => (role === 'wall' ? maskIncident(i) : i);

  router.get('/incidents', route((req, res) => {
    const page = incidents.list(req.query, user(req));
    res.json({ items: page.items.map((i) => view(i, user(req).role)), nextCursor: page.nextCursor });
  }));

  router.get('/incidents/:id', route((req, res) => {
    const detail = incidents.get(String(req.params.id), user(req));
    res.json({ incident: view(detail, user(req).role), actions: availableActions(detail, user(req)) });
  }));

  router.post('/incidents/:id/actions', allow('dispatcher', 'gridworker', 'leader'), route(async (req, res) => {
    const incident = await incidents.act(String(req.params.id), req.body, user(req));
    res.json({ incident, actions: availableActions(incident, user(req)) });
  }));
  return router;
}
