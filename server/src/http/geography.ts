/**
 * /api/geography/:layer (GeoJSON layers for the map) and /api/units/:code (one unit with both
 * hierarchies: who leads it, its parents and children) and /api/indicators?scope=CODE.
 */
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { Router } from 'express';
import { z } from 'zod';
import { scopeCode } from '../contract/inputs.ts';
import { DomainError } from '../contract/errors.ts';
import type { Organisation } from '../contract/org.ts';
import type { OrganisationAnswer, UnitDetail } from '../contract/responses.ts';
import { boundaryMesh } from '../domain/boundaries.ts';
import type { Geography } from '../domain/geography.ts';
import { maskName } from '../domain/masking.ts';
import { inScope } from '../contract/geo.ts';
import type { IndicatorService } from '../services/indicators.ts';
import { parseInput } from '../services/validation.ts';
import { route, user } from './common.ts';

const COMPRESS = {
  br: (body: string) => promisify(brotliCompress)(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 4 } }),
  gzip: (body: string) => promisify(gzip)(body),
};

const LAYERS = ['district', 'streets', 'communities', 'grids', 'boundaries', 'compounds', 'buildings', 'labels', 'detail-labels'] as const;
/** Label points the district view needs at once; compound labels come with the detail layers (zoom ≥ 15, search). */
const BASE_LABEL_LEVELS = new Set(['district', 'street', 'community', 'grid']);

export function geographyRouter(geography: Geography, organisation: Organisation, indicators: IndicatorService): Router {
  const router = Router();
  // Serialised once: the layers are static for the life of the process.
  // Building labels are not served: no view shows them (buildings are picked on the map).
  const labels = (keep: (level: string) => boolean) => ({
    ...geography.data.labels,
    features: geography.data.labels.features.filter((f) => keep(f.properties.level)),
  });
  const { district, streets, communities, grids } = geography.data;
  const layer = (l: (typeof LAYERS)[number]): unknown =>
    l === 'labels'
      ? labels((level) => BASE_LABEL_LEVELS.has(level))
      : l === 'detail-labels'
        ? labels((level) => level === 'compound')
        : l === 'boundaries'
          ? boundaryMesh([district, ...streets.features, ...communities.features, ...grids.features])
          : geography.data[l];
  const bodies = new Map<string, string>(LAYERS.map((l) => [l, JSON.stringify(layer(l))]));
  // Compressed once per layer and encoding, off the event loop, when first asked for: every map
  // loads the same layers, which the compression middleware would compress again for each.
  const compressed = new Map<string, Promise<Buffer>>();

  router.get(
    '/geography/:layer',
    route(async (req, res) => {
      const name = String(req.params.layer);
      const body = bodies.get(name);
      if (!body) throw new DomainError('not-found', `没有图层 ${name}；可用图层：${LAYERS.join('、')}`);
      res.type('application/geo+json').set('Cache-Control', 'private, max-age=3600').vary('Accept-Encoding');
      const encoding = req.acceptsEncodings('br', 'gzip');
      if (encoding !== 'br' && encoding !== 'gzip') return void res.send(body);
      const key = `${name} ${encoding}`;
      if (!compressed.has(key))
        compressed.set(
          key,
          COMPRESS[encoding](body).catch((e: unknown) => (compressed.delete(key), Promise.reject(e))),
        );
      res.set('Content-Encoding', encoding).send(await compressed.get(key));
    }),
  );

  router.get(
    '/units/:code',
    route((req, res) => {
      const code = String(req.params.code);
      const unit = geography.unit(code);
      if (!unit) throw new DomainError('not-found', `没有单元 ${code}`);
      const lineage = geography.lineage(code);
      // A unit is visible to users whose scope contains it or lies inside it (a leader sees the way down).
      if (!inScope(user(req).scope, code) && !user(req).scope.startsWith(code)) {
        throw new DomainError('forbidden', `单元 ${code} 不在您的管辖范围内`);
      }
      const partyChain = lineage.map((u) => geography.partyOrgOf(u.properties.code)).filter((o) => o !== undefined);
      res.json({
        unit: unit.properties,
        lineage: lineage.map((u) => ({ code: u.properties.code, name: u.properties.name, level: u.properties.level })),
        children: geography.children(code).map((c) => c.properties),
        partyOrg: geography.partyOrgOf(code) ?? null,
        partyChain,
        serviceCenter: organisation.serviceCenters.find((c) => c.unitCode === code) ?? null,
        demonstration: organisation.demonstrationSites.filter((d) => d.unitCode === code),
      } satisfies UnitDetail);
    }),
  );

  router.get(
    '/organisation',
    route((req, res) => {
      const { partyOrgs: _, ...rest } = organisation;
      // Volunteers are private persons: the wall gets their names masked, like reporters'.
      if (user(req).role === 'wall') {
        res.json({
          ...rest,
          timeBank: { ...rest.timeBank, volunteers: rest.timeBank.volunteers.map((v) => ({ ...v, name: maskName(v.name) })) },
        } satisfies OrganisationAnswer);
      } else res.json(rest satisfies OrganisationAnswer);
    }),
  );

  const indicatorQuery = z
    .object({
      scope: scopeCode.optional(),
    })
    .strict();
  router.get(
    '/indicators',
    route((req, res) => {
      const { scope = user(req).scope } = parseInput(indicatorQuery, req.query);
      if (!inScope(user(req).scope, scope)) throw new DomainError('forbidden', `范围 ${scope} 不在您的管辖范围内`);
      res.json(indicators.forScope(scope));
    }),
  );
  return router;
}
