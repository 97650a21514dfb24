/**
 * The offline map style: no tiles, no glyph server — the district's own layers from the API, and
 * text drawn locally with the bundled Noto Sans SC (maplibre-gl renders text locally when the style
 * has no `glyphs`). Labels come from a point layer, never from polygons (which repeat per tile).
 */
import type { ExpressionSpecification, LayerSpecification, StyleSpecification } from 'maplibre-gl';
import type { GeoJSON } from 'geojson';
import type { BaseMap } from '@contract/client-config.ts';
import { ACCENT, OKABE_ITO, STAGE_COLORS } from '../theme.ts';

export type MapTheme = 'dark' | 'light';
const FONT = ['Noto Sans SC'];

const PALETTE = {
  dark: {
    ground: '#06142b',
    district: '#0b2346',
    districtLine: '#3FA9F5',
    street: '#0e2c55',
    streetLine: '#5fb8ff',
    community: '#7fc4ff',
    grid: '#2f5f94',
    label: '#e8f1ff',
    halo: '#06142b',
    building: '#31557f',
  },
  light: {
    ground: '#eef2f6',
    district: '#ffffff',
    districtLine: '#0072B2',
    street: '#f4f8fc',
    streetLine: '#0072B2',
    community: '#2b6cb0',
    grid: '#9bb3cc',
    label: '#1a2a3a',
    halo: '#ffffff',
    building: '#b9c6d3',
  },
} as const;

const empty: GeoJSON = { type: 'FeatureCollection', features: [] };

/** Fill colour of a community or grid from its feature-state `value` (0…1 of the chosen indicator). */
const choropleth = (base: string): ExpressionSpecification => [
  'case',
  ['==', ['feature-state', 'value'], null],
  base,
  ['interpolate', ['linear'], ['feature-state', 'value'], 0, base, 0.5, OKABE_ITO.orange, 1, OKABE_ITO.vermillion],
];

const stageColor: ExpressionSpecification = [
  'match',
  ['get', 'stage'],
  ...Object.entries(STAGE_COLORS).flat(),
  OKABE_ITO.grey,
] as unknown as ExpressionSpecification;

/** `scale` multiplies text, symbol and line sizes: the wall passes rem/16 so a 4K wall reads like 1080p. */
/** Label text of each unit in the party-chain view: the organisation that leads it. */
const PARTY_LABEL: ExpressionSpecification = [
  'concat',
  ['get', 'name'],
  ['match', ['get', 'level'], 'street', '党工委', 'community', '党工委', 'grid', '党支部', 'compound', '党小组', ''],
];

export type MapMode = 'admin' | 'party';
/**
 * The layout properties a mode sets (buildStyle starts in 'admin'): the party chain shows the
 * service centres and names each unit by the organisation that leads it.
 */
export function modeLayout(mode: MapMode): [layer: string, property: 'visibility' | 'text-field', value: unknown][] {
  const party = mode === 'party';
  return [
    ['party-points', 'visibility', party ? 'visible' : 'none'],
    ['party-labels', 'visibility', party ? 'visible' : 'none'],
    ...['label-street', 'label-community', 'label-grid', 'label-compound'].map(
      (id) => [id, 'text-field', party ? PARTY_LABEL : ['get', 'name']] as [string, 'text-field', unknown],
    ),
  ];
}

/** The layers a style is built from, which every map loads before it is drawn (GET /api/geography/:layer). */
export const BASE_LAYERS = ['district', 'streets', 'communities', 'grids', 'boundaries', 'labels'] as const;
export type BaseData = Record<(typeof BASE_LAYERS)[number], GeoJSON>;

export function buildStyle(theme: MapTheme, data: BaseData, scale = 1, basemap: BaseMap | null = null): StyleSpecification {
  const c = PALETTE[theme];
  // Over a raster base map the district's own fills turn translucent so the map shows through.
  const under = basemap?.type === 'raster' ? 0.35 : 1;
  const z = (n: number): number => Math.round(n * scale * 10) / 10;
  const labelLayer = (
    id: string,
    level: string,
    minzoom: number,
    maxzoom: number,
    size: number | ExpressionSpecification,
    extra: Partial<LayerSpecification> = {},
  ): LayerSpecification =>
    ({
      id,
      type: 'symbol',
      source: 'labels',
      minzoom,
      maxzoom,
      filter: ['==', ['get', 'level'], level],
      layout: { 'text-field': ['get', 'name'], 'text-font': FONT, 'text-size': size, 'text-allow-overlap': false, 'text-padding': 2 },
      paint: { 'text-color': c.label, 'text-halo-color': c.halo, 'text-halo-width': z(1.5) },
      ...extra,
    }) as LayerSpecification;
  return {
    version: 8,
    sources: {
      ...(basemap?.type === 'raster'
        ? { basemap: { type: 'raster' as const, tiles: [basemap.url], tileSize: 256, attribution: basemap.attribution } }
        : {}),
      district: { type: 'geojson', data: data.district },
      streets: { type: 'geojson', data: data.streets, promoteId: 'code' },
      communities: { type: 'geojson', data: data.communities, promoteId: 'code' },
      grids: { type: 'geojson', data: data.grids, promoteId: 'code' },
      boundaries: { type: 'geojson', data: data.boundaries },
      labels: { type: 'geojson', data: data.labels },
      compounds: { type: 'geojson', data: empty },
      buildings: { type: 'geojson', data: empty },
      party: { type: 'geojson', data: empty },
      incidents: { type: 'geojson', data: empty, cluster: true, clusterMaxZoom: 13, clusterRadius: 40 },
      selection: { type: 'geojson', data: empty },
      tasks: { type: 'geojson', data: empty },
    },
    layers: [
      { id: 'ground', type: 'background', paint: { 'background-color': c.ground } },
      ...(basemap?.type === 'raster' ? [{ id: 'basemap', type: 'raster', source: 'basemap' } as LayerSpecification] : []),
      // The unit fills skip their antialiasing pass (an outline of every polygon, drawn by a shader
      // program of its own): the boundary lines above draw each of those edges anyway.
      {
        id: 'district-fill',
        type: 'fill',
        source: 'district',
        paint: { 'fill-color': c.district, 'fill-opacity': 0.9 * under, 'fill-antialias': false },
      },
      {
        id: 'street-fill',
        type: 'fill',
        source: 'streets',
        paint: { 'fill-color': choropleth(c.street), 'fill-opacity': 0.6 * under, 'fill-antialias': false },
      },
      {
        id: 'community-fill',
        type: 'fill',
        source: 'communities',
        minzoom: 12,
        paint: {
          'fill-color': choropleth(c.street),
          'fill-opacity': ['interpolate', ['linear'], ['zoom'], 12, 0, 12.5, 0.6],
          'fill-antialias': false,
        },
      },
      {
        id: 'grid-fill',
        type: 'fill',
        source: 'grids',
        minzoom: 14,
        paint: {
          'fill-color': choropleth(c.street),
          'fill-opacity': ['interpolate', ['linear'], ['zoom'], 14, 0, 14.5, 0.45],
          'fill-antialias': false,
        },
      },
      { id: 'compound-fill', type: 'fill', source: 'compounds', minzoom: 15, paint: { 'fill-color': c.building, 'fill-opacity': 0.25 } },
      { id: 'building-fill', type: 'fill', source: 'buildings', minzoom: 15.5, paint: { 'fill-color': c.building, 'fill-opacity': 0.9 } },
      // Outlines from the boundary mesh: each edge once, by the highest level it bounds (drawing each
      // polygon's own outline put an inner edge through the GPU up to six times).
      {
        id: 'grid-line',
        type: 'line',
        source: 'boundaries',
        minzoom: 12.5,
        filter: ['==', ['get', 'level'], 'grid'],
        paint: { 'line-color': c.grid, 'line-width': z(0.8) },
      },
      {
        id: 'unit-line',
        type: 'line',
        source: 'boundaries',
        filter: ['!=', ['get', 'level'], 'grid'],
        layout: { 'line-sort-key': ['match', ['get', 'level'], 'community', 1, 'street', 2, 3] },
        paint: {
          'line-color': ['match', ['get', 'level'], 'community', c.community, 'street', c.streetLine, c.districtLine],
          // Communities 0.6 → 2 between zoom 11 and 15, streets 1.2 → 3.5 between 10 and 15, the district 2.5.
          'line-width': [
            'interpolate',
            ['linear'],
            ['zoom'],
            10,
            ['match', ['get', 'level'], 'community', z(0.6), 'street', z(1.2), z(2.5)],
            11,
            ['match', ['get', 'level'], 'community', z(0.6), 'street', z(1.66), z(2.5)],
            15,
            ['match', ['get', 'level'], 'community', z(2), 'street', z(3.5), z(2.5)],
          ],
          'line-opacity': ['match', ['get', 'level'], 'community', 0.8, 1],
        },
      },
      { id: 'selection-line', type: 'line', source: 'selection', paint: { 'line-color': ACCENT, 'line-width': z(4) } },
      labelLayer('label-street', 'street', 9, 12.5, z(15), {
        layout: { 'text-field': ['get', 'name'], 'text-font': FONT, 'text-size': z(16), 'text-letter-spacing': 0.1 },
      }),
      labelLayer('label-community', 'community', 12, 14.5, z(13)),
      labelLayer('label-grid', 'grid', 14.5, 16.5, z(12)),
      labelLayer('label-compound', 'compound', 16, 24, z(11)),
      {
        id: 'party-points',
        type: 'circle',
        source: 'party',
        layout: { visibility: 'none' },
        paint: { 'circle-radius': z(7), 'circle-color': '#D7263D', 'circle-stroke-color': '#FFD166', 'circle-stroke-width': z(2) },
      },
      {
        id: 'party-labels',
        type: 'symbol',
        source: 'party',
        minzoom: 12.5,
        layout: {
          visibility: 'none',
          'text-field': ['get', 'name'],
          'text-font': FONT,
          'text-size': z(11),
          'text-offset': [0, 1.2],
          'text-anchor': 'top',
        },
        paint: { 'text-color': '#FFD166', 'text-halo-color': c.halo, 'text-halo-width': 1.2 },
      },
      {
        id: 'task-points',
        type: 'circle',
        source: 'tasks',
        paint: {
          'circle-radius': z(6),
          'circle-color': OKABE_ITO.green,
          'circle-stroke-color': '#ffffff',
          'circle-stroke-width': z(1.5),
          'circle-opacity': 0.9,
        },
      },
      {
        id: 'task-labels',
        type: 'symbol',
        source: 'tasks',
        minzoom: 13.5,
        layout: { 'text-field': ['get', 'type'], 'text-font': FONT, 'text-size': z(11), 'text-offset': [0, 1.1], 'text-anchor': 'top' },
        paint: { 'text-color': OKABE_ITO.green, 'text-halo-color': c.halo, 'text-halo-width': z(1.2) },
      },
      {
        id: 'incident-heat',
        type: 'heatmap',
        source: 'incidents',
        layout: { visibility: 'none' },
        paint: { 'heatmap-radius': z(25), 'heatmap-intensity': 0.8, 'heatmap-opacity': 0.75 },
      },
      {
        id: 'incident-clusters',
        type: 'circle',
        source: 'incidents',
        filter: ['has', 'point_count'],
        paint: {
          'circle-color': ACCENT,
          'circle-opacity': 0.85,
          'circle-stroke-color': '#ffffff',
          'circle-stroke-width': z(1.5),
          'circle-radius': ['step', ['get', 'point_count'], z(12), 10, z(16), 50, z(22)],
        },
      },
      {
        id: 'incident-cluster-count',
        type: 'symbol',
        source: 'incidents',
        filter: ['has', 'point_count'],
        layout: { 'text-field': ['get', 'point_count_abbreviated'], 'text-font': FONT, 'text-size': z(12), 'text-allow-overlap': true },
        paint: { 'text-color': '#ffffff' },
      },
      // The pulse restyles this ring step by step (useMap.ts): each step is one frame. With MapLibre's
      // default transition each step would draw frames for the whole transition.
      {
        id: 'incident-pulse',
        type: 'circle',
        source: 'incidents',
        filter: ['all', ['!', ['has', 'point_count']], ['==', ['get', 'alert'], 1]],
        paint: {
          'circle-radius': z(10),
          'circle-color': 'rgba(0,0,0,0)',
          'circle-stroke-color': OKABE_ITO.vermillion,
          'circle-stroke-width': z(2),
          'circle-stroke-opacity': 0.8,
          'circle-radius-transition': { duration: 0 },
          'circle-stroke-opacity-transition': { duration: 0 },
        },
      },
      {
        id: 'incident-points',
        type: 'circle',
        source: 'incidents',
        filter: ['!', ['has', 'point_count']],
        paint: {
          'circle-color': stageColor,
          'circle-radius': ['match', ['get', 'priority'], '重大', z(8), '紧急', z(7), z(5.5)],
          // SLA shown twice: by the ring's colour and by its width (a second cue for colour-blind eyes).
          'circle-stroke-color': ['match', ['get', 'sla'], 'red', OKABE_ITO.vermillion, 'amber', OKABE_ITO.orange, '#ffffff'],
          'circle-stroke-width': ['match', ['get', 'sla'], 'red', z(3), 'amber', z(2), z(1)],
        },
      },
    ],
  };
}
