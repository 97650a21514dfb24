/**
 * Runs the demo simulator against the server's own HTTP API, as users would: it logs in with its
 * accounts, reports cases (POST /api/incidents with idempotency keys), moves them through the loop
 * (POST /api/incidents/:id/actions) and plans, starts and completes tasks. No back door.
 */
import { setMaxListeners } from 'node:events';
import type { Logger } from 'pino';
import type { Incident } from '../contract/incidents.ts';
import type { Task } from '../contract/tasks.ts';
import type { Geography } from '../domain/geography.ts';
import { bodyJson, bodyText } from '../fetch-body.ts';
import { caseScript, createReportPlanner, nextStep, planTasks, type SimActor } from '../domain/simulator.ts';

export interface SimulatorOptions {
  baseUrl: string;
  geography: Geography;
  seed: number;
  speed: number;
  ratePerHour: number;
  /** The server's SLA time scale: simulated minutes pass as fast as its clocks do. */
  timeScale: number;
  password: string;
  logger: Logger;
}

export interface Simulator {
  stop(): Promise<void>;
  readonly stats: { reported: number; actions: number; conflicts: number; errors: number; tasks: number };
}

/** Open cases the simulator tops the demo up to at start. */
const WARM_START_CASES = 40;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function startSimulator(o: SimulatorOptions): Simulator {
  const controller = new AbortController();
  const stats = { reported: 0, actions: 0, conflicts: 0, errors: 0, tasks: 0 };
  const tokens = new Map<string, Promise<string>>();
  const pending = new Set<Promise<unknown>>();
  const simMs = (ms: number): number => ms / (o.timeScale * o.speed);

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (controller.signal.aborted) return resolve();
      const onAbort = (): void => {
        clearTimeout(t);
        resolve();
      };
      const t = setTimeout(
        () => {
          controller.signal.removeEventListener('abort', onAbort);
          resolve();
        },
        Math.max(0, ms),
      );
      controller.signal.addEventListener('abort', onAbort, { once: true });
    });
  // One login per account, shared by every concurrent caller (scrypt is deliberately slow).
  const login = (username: string): Promise<string> => {
    let token = tokens.get(username);
    if (!token) {
      token = (async () => {
        const res = await fetch(`${o.baseUrl}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username, password: o.password }),
          signal: controller.signal,
        });
        if (!res.ok) throw new HttpError(res.status, `simulator login ${username} failed: ${res.status}`);
        return (await bodyJson<{ token: string }>(res, controller.signal)).token;
      })();
      token.catch(() => tokens.delete(username));
      tokens.set(username, token);
    }
    return token;
  };
  const call = async <T>(
    username: string,
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> => {
    const token = await login(username);
    const res = await fetch(`${o.baseUrl}${path}`, {
      method,
      signal: controller.signal,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    if (res.status === 401) tokens.delete(username);
    // Bodies are read through bodyText: a plain res.json() can hang past the stop (fetch-body.ts).
    if (!res.ok) throw new HttpError(res.status, `${method} ${path}: ${res.status} ${await bodyText(res, controller.signal)}`);
    return bodyJson<T>(res, controller.signal);
  };
  const track = (p: Promise<unknown>): void => {
    pending.add(p);
    p.catch((err: unknown) => {
      if (controller.signal.aborted) return;
      stats.errors++;
      o.logger.warn({ err: String(err), cause: String((err as { cause?: unknown }).cause ?? '') }, 'simulator step failed');
    }).finally(() => pending.delete(p));
  };
  const usernameOf = (actor: SimActor, incident: Incident): string =>
    actor === 'gridworker'
      ? `sim-gw-${(incident.assignee?.id.slice(1) ?? incident.gridCode ?? '').slice(0, 12)}`
      : actor === 'leader'
        ? 'sim-leader'
        : `sim-${actor}`;

  /** Follows one case through the loop, re-reading it before every move (others may act too). */
  const drive = async (id: string): Promise<void> => {
    const script = caseScript(o.seed, id);
    for (let guard = 0; guard < 40 && !controller.signal.aborted; guard++) {
      const { incident } = await call<{ incident: Incident }>('sim-dispatcher-a', 'GET', `/api/incidents/${id}`);
      const dispatcherA = await userId('sim-dispatcher-a');
      const step = nextStep(incident, script, incident.handlers.includes(dispatcherA));
      if (!step) return;
      // Urgent cases get quicker hands, as they would on a real shift.
      const haste = incident.priority === '重大' ? 0.25 : incident.priority === '紧急' ? 0.5 : 1;
      await sleep(step.realDelay ? step.delayMs / o.speed : simMs(step.delayMs * haste));
      if (controller.signal.aborted) return;
      try {
        await call(usernameOf(step.actor, incident), 'POST', `/api/incidents/${id}/actions`, { ...step.body, version: incident.version });
        stats.actions++;
      } catch (err) {
        if (err instanceof HttpError && err.status === 409)
          stats.conflicts++; // someone else acted first: look again
        else throw err;
      }
    }
  };
  const ids = new Map<string, string>();
  const userId = async (username: string): Promise<string> => {
    if (!ids.has(username)) ids.set(username, (await call<{ user: { id: string } }>(username, 'GET', '/api/me')).user.id);
    return ids.get(username)!;
  };

  const reportLoop = async (): Promise<void> => {
    const planner = createReportPlanner(o.seed, o.geography, o.ratePerHour);
    // The time of day that shapes the rate runs on the simulated clock, so a compressed demo day
    // shows its morning peak and quiet night within minutes.
    // The simulated day starts at 09:00 (Shanghai) today, whatever the real hour, so a demo opens busy.
    const t0 = Date.now();
    const simStart = Math.floor((t0 + 8 * 3_600_000) / 86_400_000) * 86_400_000 - 8 * 3_600_000 + 9 * 3_600_000;
    // Warm start: with few open cases, the first reports come in quick succession (same API, same rules).
    const open = (await call<{ open: number }>('sim-dispatcher-a', 'GET', '/api/indicators')).open;
    let warm = open < WARM_START_CASES ? WARM_START_CASES - open : 0;
    for (let n = 1; !controller.signal.aborted; n++) {
      const plan = planner.next(simStart + (Date.now() - t0) * o.timeScale * o.speed);
      await sleep(warm-- > 0 ? 150 : plan.gapMs / o.speed);
      if (controller.signal.aborted) return;
      const reporter = plan.source === '网格员巡查' ? `sim-gw-${plan.gridCode.slice(0, 12)}` : 'sim-dispatcher-a';
      const body = {
        class: plan.class,
        priority: plan.priority,
        source: plan.source,
        lng: plan.lng,
        lat: plan.lat,
        description: plan.description,
        reporterName: plan.reporterName,
        reporterPhone: plan.reporterPhone,
      };
      track(
        (async () => {
          const { incident } = await call<{ incident: Incident }>(reporter, 'POST', '/api/incidents', body, {
            'idempotency-key': `sim-${o.seed}-${Date.now()}-${n}`,
          });
          stats.reported++;
          if (incident.stage === 'reported') await drive(incident.id);
        })(),
      );
    }
  };

  const taskLoop = async (): Promise<void> => {
    const simDay = 24 * 3_600_000;
    for (let d = 0; !controller.signal.aborted; d++) {
      const dayStart = Date.now();
      const label = new Date(dayStart + 8 * 3_600_000).toISOString().slice(0, 10) + `#${d}`;
      for (const community of o.geography.units('community')) {
        const grids = o.geography.children(community.properties.code);
        for (const t of planTasks(o.seed, label, community, grids)) {
          const startsAt = new Date(dayStart + simMs(t.startHour * 3_600_000));
          const endsAt = new Date(startsAt.getTime() + simMs(t.hours * 3_600_000));
          const user = `sim-gw-${community.properties.code}`;
          track(
            (async () => {
              const { task } = await call<{ task: Task }>(user, 'POST', '/api/tasks', {
                type: t.type,
                title: t.title,
                gridCode: t.gridCode,
                startsAt: startsAt.toISOString(),
                endsAt: endsAt.toISOString(),
                participants: t.participants,
              });
              stats.tasks++;
              await sleep(startsAt.getTime() - Date.now());
              const started = await call<{ task: Task }>(user, 'POST', `/api/tasks/${task.id}/actions`, {
                action: 'start',
                version: task.version,
              });
              await sleep(endsAt.getTime() - Date.now() - simMs(10 * 60_000));
              if (t.participants % 10 !== 0)
                await call(user, 'POST', `/api/tasks/${task.id}/actions`, { action: 'complete', version: started.task.version });
            })(),
          );
        }
      }
      await sleep(simMs(simDay));
    }
  };

  /** Open cases and tasks left from an earlier run (a restart) are taken up again, not orphaned. */
  const adopt = async (): Promise<void> => {
    const open: Incident[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: Incident[]; nextCursor: string | null } = await call(
        'sim-dispatcher-a',
        'GET',
        `/api/incidents?open=true&limit=500${cursor ? `&cursor=${cursor}` : ''}`,
      );
      open.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor && !controller.signal.aborted);
    const { items: tasks } = await call<{ items: Task[] }>('sim-dispatcher-a', 'GET', '/api/tasks?limit=500');
    // Listed before the loops start, so nothing this run creates is driven twice.
    track(reportLoop());
    track(taskLoop());
    for (const i of open) track(drive(i.id));
    for (const t of tasks) {
      const user = `sim-gw-${t.communityCode}`;
      track(
        (async () => {
          let task = t;
          if (task.state === 'planned') {
            await sleep(Date.parse(task.startsAt) - Date.now());
            task = (await call<{ task: Task }>(user, 'POST', `/api/tasks/${task.id}/actions`, { action: 'start', version: task.version }))
              .task;
          }
          await sleep(Date.parse(task.endsAt) - Date.now() - simMs(10 * 60_000));
          await call(user, 'POST', `/api/tasks/${task.id}/actions`, { action: 'complete', version: task.version });
        })(),
      );
    }
  };

  setMaxListeners(0, controller.signal); // every in-flight request listens for the stop
  track(adopt());
  o.logger.info({ seed: o.seed, speed: o.speed, ratePerHour: o.ratePerHour }, 'simulator started');
  return {
    stats,
    async stop() {
      controller.abort();
      await Promise.allSettled([...pending]);
    },
  };
}
