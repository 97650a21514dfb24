/**
 * /api/exports: cases (with the list's filters) as CSV or GeoJSON, a geography layer as GeoJSON,
 * and per-unit figures for a scope and period as CSV. Written a page (500 cases) or a feature at a
 * time and paced by the socket (drain), so an export is never built whole in memory. The same scope
 * rules as the list apply; the wall is a display and does not export.
 */
import { once } from 'node:events';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { scopeCode } from '../contract/inputs.ts';
import { DomainError } from '../contract/errors.ts';
import {
  addToFigures,
  CSV_BOM,
  csvRow,
  emptyFigures,
  FIGURE_COLUMNS,
  figuresRow,
  incidentCsvHeader,
  incidentCsvRow,
  incidentFeature,
  type PeriodFigures,
} from '../domain/exports.ts';
import type { Geography } from '../domain/geography.ts';
import { inScope } from '../contract/geo.ts';
import type { IncidentService } from '../services/incidents.ts';
import type { Clock } from '../domain/clock.ts';
import { parseInput } from '../services/validation.ts';
import { allow, route, user } from './common.ts';

const PAGE = 500;
const MAX_PERIOD_DAYS = 366;
const GEOGRAPHY_LAYERS = ['district', 'streets', 'communities', 'grids', 'compounds', 'buildings'] as const;
const LEVEL_NAMES: Record<string, string> = { district: '区', street: '街道', community: '社区', grid: '网格' };

/** Writes a chunk, waiting for the socket to drain when its buffer is full; false once the client left. */
async function write(res: Response, chunk: string): Promise<boolean> {
  if (res.destroyed) return false;
  if (!res.write(chunk)) {
    const done = new AbortController(); // drops the losing listener, so long exports do not pile them up
    await Promise.race([once(res, 'drain', { signal: done.signal }), once(res, 'close', { signal: done.signal })]).finally(() =>
      done.abort(),
    );
  }
  return !res.destroyed;
}

function attachment(res: Response, type: string, name: string): void {
  res
    .status(200)
    .type(type)
    .set({
      'Content-Disposition': `attachment; filename="${name.replace(/[^\w.-]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`,
      'Cache-Control': 'no-store',
    });
}

const stamp = (now: Date): string => new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(0, 16).replace(/\D/g, '');

const periodSchema = z
  .object({
    scope: scopeCode,
    from: z.iso.datetime({ offset: true }),
    to: z.iso.datetime({ offset: true }),
  })
  .strict()
  .refine((q) => Date.parse(q.from) < Date.parse(q.to), { message: 'from 须早于 to', path: ['to'] })
  .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= MAX_PERIOD_DAYS * 86_400_000, {
    message: `at most ${MAX_PERIOD_DAYS} days`,
    path: ['to'],
  });

export function exportsRouter(incidents: IncidentService, geography: Geography, clock: Clock): Router {
  const router = Router();
  const exporters = allow('export');

  const incidentsExport = (format: 'csv' | 'geojson') =>
    route(async (req: Request, res: Response) => {
      const pages = incidents.pages(req.query, user(req), PAGE);
      const firstPage = pages.next(); // validates the query and the scope before any byte goes out
      const scope = typeof req.query.scope === 'string' ? req.query.scope : user(req).scope;
      attachment(
        res,
        format === 'csv' ? 'text/csv; charset=utf-8' : 'application/geo+json',
        `案件-${scope}-${stamp(clock.now())}.${format}`,
      );
      let first = true;
      if (!(await write(res, format === 'csv' ? incidentCsvHeader() : '{"type":"FeatureCollection","features":['))) return;
      for (let page = firstPage; !page.done; page = pages.next()) {
        const items = page.value;
        let chunk = '';
        for (const i of items) {
          if (format === 'csv') chunk += incidentCsvRow(i);
          else chunk += (first ? '' : ',') + JSON.stringify(incidentFeature(i));
          first = false;
        }
        if (!(await write(res, chunk))) return;
      }
      res.end(format === 'csv' ? '' : ']}');
    });
  router.get('/exports/incidents.csv', exporters, incidentsExport('csv'));
  router.get('/exports/incidents.geojson', exporters, incidentsExport('geojson'));

  router.get(
    '/exports/geography/:file',
    exporters,
    route(async (req, res) => {
      const layer = String(req.params.file).replace(/\.geojson$/, '') as (typeof GEOGRAPHY_LAYERS)[number];
      if (!GEOGRAPHY_LAYERS.includes(layer) || !String(req.params.file).endsWith('.geojson')) {
        throw new DomainError('not-found', `没有图层 ${req.params.file}；可用：${GEOGRAPHY_LAYERS.map((l) => `${l}.geojson`).join('、')}`);
      }
      const data = geography.data[layer];
      const features = 'features' in data ? data.features : [data];
      attachment(res, 'application/geo+json', `${layer}-${stamp(clock.now())}.geojson`);
      if (!(await write(res, '{"type":"FeatureCollection","features":['))) return;
      for (let k = 0; k < features.length; k += PAGE) {
        if (
          !(await write(
            res,
            (k ? ',' : '') +
              features
                .slice(k, k + PAGE)
                .map((f) => JSON.stringify(f))
                .join(','),
          ))
        )
          return;
      }
      res.end(']}');
    }),
  );

  router.get(
    '/exports/indicators.csv',
    exporters,
    route(async (req, res) => {
      const q = parseInput(periodSchema, req.query);
      const unit = geography.unit(q.scope);
      if (!unit || !LEVEL_NAMES[unit.properties.level]) throw new DomainError('not-found', `没有区、街道、社区或网格 ${q.scope}`);
      if (!inScope(user(req).scope, q.scope)) throw new DomainError('forbidden', `范围 ${q.scope} 不在您的管辖范围 ${user(req).scope} 内`);
      const children = unit.properties.level === 'grid' ? [] : geography.children(q.scope);
      const childLength = children[0]?.properties.code.length ?? 0;
      const total = emptyFigures();
      const byChild = new Map<string, PeriodFigures>(children.map((c) => [c.properties.code, emptyFigures()]));
      for (const items of incidents.pages({ scope: q.scope.length > 6 ? q.scope : undefined, from: q.from, to: q.to }, user(req), PAGE)) {
        for (const i of items) {
          addToFigures(total, i);
          const child = i.gridCode && childLength ? byChild.get(i.gridCode.slice(0, childLength)) : undefined;
          if (child) addToFigures(child, i);
        }
      }
      attachment(res, 'text/csv; charset=utf-8', `指标-${q.scope}-${q.from.slice(0, 10)}-${q.to.slice(0, 10)}.csv`);
      // Cases reported in [from, to); each row carries the period, the scope's own row comes first.
      const row = (code: string, name: string, level: string, f: PeriodFigures): string =>
        csvRow([q.from, q.to, ...figuresRow(code, name, LEVEL_NAMES[level] ?? '', f)]);
      let text =
        CSV_BOM + csvRow(['期间开始', '期间结束', ...FIGURE_COLUMNS]) + row(q.scope, unit.properties.name, unit.properties.level, total);
      for (const c of children) text += row(c.properties.code, c.properties.name, c.properties.level, byChild.get(c.properties.code)!);
      res.end(text);
    }),
  );
  return router;
}
