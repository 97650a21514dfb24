/**
 * /open311/v2: Open311 GeoReport v2 (wiki.open311.org/GeoReport_v2) over our cases, in JSON and XML
 * (the extension picks: services.json, services.xml). Reading is public, as the spec intends, and
 * always masked like the wall (no reporter data; personal data in every text field masked). Submitting needs an
 * API key an admin issued (/api/admin/api-keys): scoped to a part of the district, revocable, and
 * rate-limited. Errors are the spec's: a list of {code, description} in the requested format.
 */
import { createHash } from 'node:crypto';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { XMLBuilder } from 'fast-xml-parser';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { User } from '../contract/auth.ts';
import { DomainError } from '../contract/errors.ts';
import { DESCRIPTION_MAX_CHARS, PRIORITIES, type Incident } from '../contract/incidents.ts';
import type { Geography } from '../domain/geography.ts';
import { maskIncident } from '../domain/masking.ts';
import { classOfService, containsMarkup, serviceDefinition, services, toCst, toServiceRequest } from '../domain/open311.ts';
import type { IncidentService } from '../services/incidents.ts';
import type { Clock } from '../domain/clock.ts';
import { parseInput } from '../services/validation.ts';
import type { ApiKey } from '../contract/responses.ts';
import type { ApiKeyRepository } from '../store/api-keys-repo.ts';
import { errorResponse } from './common.ts';

type Format = 'json' | 'xml';
const MAX_SPAN_DAYS = 90;
const PAGE_SIZE_MAX = 100;
/**
 * How deep `page` may reach: page × page_size at most this many requests. A read costs in
 * proportion to its depth, so the depth is capped; deeper history is read with a narrower
 * start_date/end_date, each window again from its first page.
 */
const DEPTH_MAX = 1000;
/** Submissions per key per minute, and reads per client address per minute. */
export const OPEN311_LIMITS = { postsPerMinute: 60, readsPerMinute: 600 };

/** Public reads see the whole district, as the wall does: masked. */
const READER: User = { id: 'open311', username: 'open311', name: 'Open311', role: 'wall', scope: '431103' };

const xml = new XMLBuilder({ format: true, suppressEmptyNode: false });
/** XML wants a name for every list item: { notes: [...] } becomes <notes><note>…</note></notes>; null becomes empty. */
function forXml(value: unknown, itemName = 'item'): unknown {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return { [itemName]: value.map((v) => forXml(v)) };
  if (typeof value === 'object') {
    const ITEM: Record<string, string> = {
      notes: 'note',
      attributes: 'attribute',
      values: 'value',
      endpoints: 'endpoint',
      formats: 'format',
    };
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, forXml(v, ITEM[k])]));
  }
  return value;
}

function send(res: Response, format: Format, status: number, root: string, item: string | null, body: unknown): void {
  if (format === 'json') return void res.status(status).json(body);
  const content = item ? { [item]: (body as unknown[]).map((b) => forXml(b)) } : forXml(body);
  res
    .status(status)
    .type('text/xml; charset=utf-8')
    .send(`<?xml version="1.0" encoding="utf-8"?>\n${xml.build({ [root]: content })}`);
}

const OPEN311_CODE: Record<number, number> = { 400: 400, 401: 403, 403: 403, 404: 404, 409: 400, 413: 400, 429: 429 };
function sendError(res: Response, format: Format, status: number, description: string): void {
  const code = OPEN311_CODE[status] ?? 500;
  send(res, format, code, 'errors', 'error', [{ code, description }]);
}

/** `services.json` → ['services', 'json']; other extensions are not an endpoint. */
function split(name: string): [string, Format] {
  const m = /^(.+)\.(json|xml)$/.exec(name);
  if (!m) throw new DomainError('not-found', '请在资源名后加 .json 或 .xml，例如 services.json');
  return [m[1]!, m[2] as Format];
}

const formatOf = (req: Request): Format => (/\.xml($|\?)/.test(req.path) ? 'xml' : 'json');

const trimmed = (max: number) => z.string().trim().max(max);
const postSchema = z
  .object({
    api_key: z.string().optional(),
    jurisdiction_id: z.string().optional(),
    service_code: z.string({ error: '需要 service_code' }).min(1, '需要 service_code'),
    lat: z.coerce.number().min(-90).max(90).optional(),
    long: z.coerce.number().min(-180).max(180).optional(),
    address_string: trimmed(200).optional(),
    address_id: z
      .string()
      .regex(/^431103\d{9,}$/, '须为网格、小区或楼栋代码')
      .optional(),
    email: trimmed(200).optional(),
    device_id: trimmed(200).optional(),
    account_id: trimmed(200).optional(),
    first_name: trimmed(25).optional(),
    last_name: trimmed(25).optional(),
    phone: trimmed(20).optional(),
    description: z.string().max(DESCRIPTION_MAX_CHARS, `description 最多 ${DESCRIPTION_MAX_CHARS} 字`).optional(),
    media_url: trimmed(500).optional(),
    'attribute[priority]': z.enum(PRIORITIES).optional(),
  })
  .strict()
  .refine((b) => (b.lat === undefined) === (b.long === undefined), { message: 'lat 和 long 须同时给出或都不给', path: ['lat'] })
  .refine((b) => b.lat !== undefined || b.address_string || b.address_id, {
    message: '需要位置：lat 和 long、address_string 或 address_id',
    path: ['lat'],
  });

const listSchema = z.object({
  service_request_id: z
    .string()
    .regex(/^[\w-]+(,[\w-]+){0,49}$/, '最多 50 个编号，以逗号分隔')
    .optional(),
  service_code: z
    .string()
    .regex(/^[A-Z]\d{2}(,[A-Z]\d{2})*$/, '服务代码，以逗号分隔')
    .optional(),
  start_date: z.iso.datetime({ offset: true }).optional(),
  end_date: z.iso.datetime({ offset: true }).optional(),
  status: z.enum(['open', 'closed', 'open,closed', 'closed,open']).optional(),
  page: z.coerce.number().int().min(1).default(1),
  page_size: z.coerce.number().int().min(1).max(PAGE_SIZE_MAX).default(50),
  extensions: z.enum(['true', 'false']).optional(),
  api_key: z.string().optional(),
  jurisdiction_id: z.string().optional(),
});

/** A fixed one-minute window per client: enough to stop a runaway integration. */
function limiter(perMinute: number, now: () => number) {
  const windows = new Map<string, { start: number; count: number }>();
  return (who: string): void => {
    const t = now();
    const w = windows.get(who);
    if (!w || t - w.start >= 60_000) {
      if (windows.size > 10_000) windows.clear();
      windows.set(who, { start: t, count: 1 });
      return;
    }
    if (++w.count > perMinute) throw new DomainError('rate-limited', `每分钟最多 ${perMinute} 次请求，请稍后重试`);
  };
}

export interface Open311Deps {
  incidents: IncidentService;
  geography: Geography;
  apiKeys: ApiKeyRepository;
  clock: Clock;
  logger: Logger;
  /** This server's public address (PUBLIC_URL), never taken from a request's Host header. */
  publicUrl: string;
}

export function open311Router(deps: Open311Deps): Router {
  const { incidents, geography, apiKeys, clock } = deps;
  const router = Router();
  router.use(express.urlencoded({ extended: false, limit: '64kb', parameterLimit: 100 }));
  const postLimit = limiter(OPEN311_LIMITS.postsPerMinute, () => clock.now().getTime());
  const readLimit = limiter(OPEN311_LIMITS.readsPerMinute, () => clock.now().getTime());
  router.use((req, _res, next) => {
    try {
      if (req.method === 'GET') readLimit(req.ip ?? 'unknown');
      next();
    } catch (error) {
      next(error);
    }
  });

  // The timeline gives status_notes its latest note, and with extensions the notes[] history.
  const asRequest = (i: Incident, extensions: boolean) => {
    const masked = maskIncident(incidents.get(i.id, READER));
    return toServiceRequest(geography, masked, masked.timeline, extensions);
  };

  const keyFor = (raw: unknown): ApiKey => {
    const key = typeof raw === 'string' ? apiKeys.byKey(raw) : undefined;
    if (!key) throw new DomainError('forbidden', raw ? 'api_key 无效或已撤销' : '提交请求需要 api_key');
    return key;
  };

  router.get('/:file', (req, res) => {
    const [resource, format] = split(String(req.params.file));
    if (resource === 'discovery') {
      const url = `${deps.publicUrl}/open311/v2`;
      const changeset = toCst('2026-11-28T00:00:00.000Z');
      return send(res, format, 200, 'discovery', null, {
        changeset,
        contact: '冷水滩区网格化服务管理中心',
        key_service: '向区网格化服务管理中心申请 API key（管理员在系统中签发，可按街道、社区或网格限定范围）',
        endpoints: [
          {
            specification: 'http://wiki.open311.org/GeoReport_v2',
            url,
            changeset,
            type: 'production',
            formats: ['application/json', 'text/xml'],
          },
        ],
      });
    }
    if (resource === 'services') return send(res, format, 200, 'services', 'service', services());
    if (resource === 'requests') {
      const q = parseInput(listSchema, req.query);
      const extensions = q.extensions === 'true';
      if (q.service_request_id) {
        const found = q.service_request_id.split(',').flatMap((id) => {
          try {
            return [incidents.get(id, READER)];
          } catch {
            return [];
          }
        });
        return send(
          res,
          format,
          200,
          'service_requests',
          'request',
          found.map((i) => asRequest(i, extensions)),
        );
      }
      const end = q.end_date
        ? Date.parse(q.end_date)
        : q.start_date
          ? Date.parse(q.start_date) + MAX_SPAN_DAYS * 86_400_000
          : clock.now().getTime();
      const start = q.start_date ? Date.parse(q.start_date) : end - MAX_SPAN_DAYS * 86_400_000;
      if (start >= end) throw new DomainError('bad-request', 'start_date 须早于 end_date', { start_date: '晚于 end_date' });
      if (end - start > MAX_SPAN_DAYS * 86_400_000)
        throw new DomainError('bad-request', `start_date 至 end_date 最多跨 ${MAX_SPAN_DAYS} 天`, {
          end_date: '跨度过长',
        });
      const codes = q.service_code?.split(',') ?? [];
      const classes = codes.map((c) => classOfService(c));
      if (classes.some((c) => !c))
        throw new DomainError('bad-request', `service_code 中有未知代码：${q.service_code}`, { service_code: '未知代码' });
      const statuses = q.status?.split(',') ?? ['open', 'closed'];
      const wanted = q.page * q.page_size;
      if (wanted > DEPTH_MAX) {
        throw new DomainError('bad-request', `page × page_size 最多 ${DEPTH_MAX} 条：请缩小 start_date 至 end_date 的范围再往前查`, {
          page: `page_size 为 ${q.page_size} 时最多到第 ${Math.floor(DEPTH_MAX / q.page_size)} 页`,
        });
      }
      const matched: Incident[] = [];
      const query = {
        from: new Date(start).toISOString(),
        to: new Date(end + 1).toISOString() /* end_date is inclusive */,
        ...(classes.length > 0 && { classes: classes.join(',') }),
        ...(statuses.length === 1 && { open: String(statuses[0] === 'open') }),
      };
      // Every filter is in the query, so the pages hold only matches: at most `wanted` rows are read.
      for (const items of incidents.pages(query, READER, Math.min(500, wanted))) {
        matched.push(...items);
        if (matched.length >= wanted) break;
      }
      const slice = matched.slice((q.page - 1) * q.page_size, wanted);
      return send(
        res,
        format,
        200,
        'service_requests',
        'request',
        slice.map((i) => asRequest(i, extensions)),
      );
    }
    throw new DomainError('not-found', `没有资源 ${resource}`);
  });

  router.get('/:dir/:file', (req, res) => {
    const [id, format] = split(String(req.params.file));
    if (req.params.dir === 'services') {
      const definition = serviceDefinition(id);
      if (!definition) throw new DomainError('not-found', `没有服务 ${id}`);
      return send(res, format, 200, 'service_definition', null, definition);
    }
    if (req.params.dir === 'requests') {
      let found: Incident;
      try {
        found = incidents.get(id, READER);
      } catch {
        throw new DomainError('not-found', `没有服务请求 ${id}`);
      }
      return send(res, format, 200, 'service_requests', 'request', [
        asRequest(found, parseInput(listSchema, req.query).extensions === 'true'),
      ]);
    }
    if (req.params.dir === 'tokens') {
      const caseId = apiKeys.incidentForToken(id);
      if (!caseId) throw new DomainError('not-found', `没有 token ${id} 对应的请求`);
      return send(res, format, 200, 'service_requests', 'request', [{ service_request_id: caseId, token: id }]);
    }
    throw new DomainError('not-found', `没有资源 ${req.params.dir}`);
  });

  router.post(
    '/:file',
    (req, res, next) =>
      void (async () => {
        const [resource, format] = split(String(req.params.file));
        if (resource !== 'requests') throw new DomainError('not-found', `不能向 ${resource} 提交`);
        const body = (req.body ?? {}) as Record<string, unknown>;
        const key = keyFor(body.api_key);
        postLimit(key.id);
        const b = parseInput(postSchema, body);
        const cls = classOfService(b.service_code);
        if (!cls) throw new DomainError('bad-request', `未知的 service_code：${b.service_code}`, { service_code: '未知代码' });
        if (b.description && containsMarkup(b.description))
          throw new DomainError('bad-request', 'description 只能是纯文本，不能含 HTML', { description: '含有标记' });
        const at =
          b.lat !== undefined && b.long !== undefined
            ? { lng: b.long, lat: b.lat }
            : b.address_id
              ? { gridCode: b.address_id.slice(0, 15) }
              : {};
        const report = {
          class: cls,
          priority: b['attribute[priority]'] ?? '一般',
          source: key.source,
          ...at,
          address: b.address_string ?? '',
          description: b.description?.trim() || cls,
          reporterName: `${b.last_name ?? ''}${b.first_name ?? ''}`,
          reporterPhone: b.phone ?? '',
          ...(b.media_url && { photoUrl: b.media_url }),
        };
        // The token is the submission's idempotency key: the same form sent again answers with the same case.
        const canonical = JSON.stringify(
          Object.entries(body)
            .filter(([k]) => k !== 'api_key')
            .sort(([a], [c]) => (a < c ? -1 : 1)),
        );
        const token = `o311-${createHash('sha256').update(`${key.id}\n${canonical}`).digest('hex').slice(0, 40)}`;
        const submitter: User = {
          id: `apikey:${key.id}`,
          username: `apikey:${key.name}`,
          name: `接口：${key.name}`,
          role: 'dispatcher',
          scope: key.scope,
        };
        const { incident, created } = await incidents.report(report, submitter, token);
        send(res, format, created ? 201 : 200, 'service_requests', 'request', [
          {
            service_request_id: incident.id,
            token,
            service_notice: incident.duplicateOf ? `与案件 ${incident.duplicateOf} 重复，已并案` : '已受理登记，将派遣至所在网格党支部办理',
            account_id: null,
          },
        ]);
      })().catch(next),
  );

  router.use((req, res) => sendError(res, formatOf(req), 404, 'no such Open311 resource'));
  router.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const { status, body } = errorResponse(error, deps.logger, { method: req.method, path: req.path });
    const fields = body.fields
      ? ` (${Object.entries(body.fields)
          .map(([k, v]) => `${k}: ${v}`)
          .join('; ')})`
      : '';
    sendError(res, formatOf(req), status, `${body.message}${fields}`);
  });
  return router;
}
