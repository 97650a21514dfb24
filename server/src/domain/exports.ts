/**
 * What exports are made of, free of I/O: CSV cells and rows (RFC 4180, UTF-8 with a BOM so that
 * Excel reads Chinese), the incident columns, incidents as GeoJSON features, and per-unit figures
 * for a period. The HTTP layer (http/exports.ts) streams these page by page.
 */
import type { Feature, Point } from 'geojson';
import { CLASS_GROUPS, isOpenStage, SLA_STATE_LABELS, STAGE_LABELS, type Incident } from '../contract/incidents.ts';
import { toCst } from './open311.ts';

/** A stored time (UTC) as people in the district read it: Beijing time, with its +08:00 offset. */
const beijing = (iso: string | null): string | null => (iso ? toCst(iso) : null);

/** Excel detects UTF-8 by this mark; without it Chinese text opens garbled. */
export const CSV_BOM = '\uFEFF';

/**
 * One CSV cell. Quoted when it holds a comma, quote or line break (quotes doubled). A text cell
 * starting with = + - @ or a tab is prefixed with ' so a spreadsheet shows it instead of running it
 * as a formula (OWASP CSV injection); numbers are written as they are.
 */
export function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let text = typeof value === 'string' ? value : typeof value === 'boolean' ? (value ? '是' : '否') : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export const csvRow = (values: readonly unknown[]): string => `${values.map(csvCell).join(',')}\r\n`;

const GROUP_OF = new Map<string, string>(
  Object.entries(CLASS_GROUPS).flatMap(([group, classes]) => classes.map((c) => [c, group] as const)),
);

/** The incident columns of the CSV export: header and value, in order. */
export const INCIDENT_COLUMNS: readonly (readonly [string, (i: Incident) => unknown])[] = [
  ['案件编号', (i) => i.id],
  ['大类', (i) => GROUP_OF.get(i.class)],
  ['类别', (i) => i.class],
  ['紧急程度', (i) => i.priority],
  ['来源', (i) => i.source],
  ['阶段', (i) => STAGE_LABELS[i.stage]],
  ['描述', (i) => i.description],
  ['地址', (i) => i.address],
  ['经度', (i) => i.lng],
  ['纬度', (i) => i.lat],
  ['网格编码', (i) => i.gridCode],
  ['社区编码', (i) => i.communityCode],
  ['街道编码', (i) => i.streetCode],
  ['建议派遣', (i) => i.suggestedAssignee?.name],
  ['承办', (i) => i.assignee?.name],
  ['上报人', (i) => i.reporterName],
  ['联系电话', (i) => i.reporterPhone],
  ['上报时间', (i) => beijing(i.createdAt)],
  ['更新时间', (i) => beijing(i.updatedAt)],
  ['当前时限', (i) => beijing(i.deadline)],
  ['时限状态', (i) => SLA_STATE_LABELS[i.slaState]],
  ['督办', (i) => i.supervised],
  ['升级层级', (i) => i.escalationLevel],
  ['延期次数', (i) => i.extensionCount],
  ['返工次数', (i) => i.reworkCount],
  ['重复上报数', (i) => i.duplicateCount],
  ['并入案件', (i) => i.duplicateOf],
  ['结案时间', (i) => beijing(i.closedAt)],
  ['按时结案', (i) => i.closedOnTime],
  ['评价', (i) => i.rating],
];

export const incidentCsvHeader = (): string => CSV_BOM + csvRow(INCIDENT_COLUMNS.map(([h]) => h));
export const incidentCsvRow = (i: Incident): string => csvRow(INCIDENT_COLUMNS.map(([, get]) => get(i)));

/** A case as a GeoJSON feature (null geometry when it has no place yet); id is the case number. */
export function incidentFeature(i: Incident): Feature<Point | null, Incident & { stageLabel: string }> {
  return {
    type: 'Feature',
    id: i.id,
    geometry: i.lng === null || i.lat === null ? null : { type: 'Point', coordinates: [i.lng, i.lat] },
    properties: { ...i, stageLabel: STAGE_LABELS[i.stage] },
  };
}

/** Figures of one unit over a period: cases reported in it, and what became of them. */
export interface PeriodFigures {
  reported: number;
  closed: number;
  closedOnTime: number;
  open: number;
  overdueOpen: number;
  reworked: number;
  extended: number;
  handlingHours: number; // summed over closed cases, for the mean
}

export const emptyFigures = (): PeriodFigures => ({
  reported: 0,
  closed: 0,
  closedOnTime: 0,
  open: 0,
  overdueOpen: 0,
  reworked: 0,
  extended: 0,
  handlingHours: 0,
});

/** Adds one case (reported in the period) to a unit's figures. Merged duplicates are not counted. */
export function addToFigures(f: PeriodFigures, i: Incident): void {
  if (i.stage === 'merged') return;
  f.reported++;
  if (i.closedAt) {
    f.closed++;
    if (i.closedOnTime) f.closedOnTime++;
    f.handlingHours += (Date.parse(i.closedAt) - Date.parse(i.createdAt)) / 3_600_000;
  }
  if (isOpenStage(i.stage)) {
    f.open++;
    if (i.slaState === 'red') f.overdueOpen++;
  }
  if (i.reworkCount > 0) f.reworked++;
  if (i.extensionCount > 0) f.extended++;
}

const pct = (n: number, d: number): number | null => (d === 0 ? null : Math.round((1000 * n) / d) / 10);

export const FIGURE_COLUMNS = [
  '单位编码',
  '单位名称',
  '层级',
  '上报',
  '结案',
  '按时结案',
  '在办',
  '超时在办',
  '返工',
  '延期',
  '结案率%',
  '按时结案率%',
  '平均处置时长(小时)',
] as const;

export function figuresRow(code: string, name: string, level: string, f: PeriodFigures): unknown[] {
  return [
    code,
    name,
    level,
    f.reported,
    f.closed,
    f.closedOnTime,
    f.open,
    f.overdueOpen,
    f.reworked,
    f.extended,
    pct(f.closed, f.reported),
    pct(f.closedOnTime, f.closed),
    f.closed ? Math.round((10 * f.handlingHours) / f.closed) / 10 : null,
  ];
}
