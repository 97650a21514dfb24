import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { valid } from 'geojson-validation';
import { incidentFixture } from '../../../test/helpers/fixtures.ts';
import {
  addToFigures,
  CSV_BOM,
  csvCell,
  emptyFigures,
  figuresRow,
  incidentCsvHeader,
  incidentCsvRow,
  incidentFeature,
  INCIDENT_COLUMNS,
} from './exports.ts';

const base = incidentFixture({
  stage: 'closed',
  description: '井盖缺失，"危险"\n请尽快处理',
  address: '冷水滩区,某路',
  assignee: { kind: 'branch', id: 'P1', name: '第一网格党支部' },
  version: 9,
  updatedAt: '2026-11-30T05:00:00.000Z',
  stageEnteredAt: '2026-11-30T05:00:00.000Z',
  extensionCount: 1,
  handlers: ['u1'],
  closedAt: '2026-11-30T05:00:00.000Z',
  closedOnTime: true,
  rating: 5,
});

describe('CSV cells', () => {
  it('quote what needs quoting and defuse formulas', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('-1+1')).toBe("'-1+1");
    expect(csvCell(-1.5)).toBe('-1.5');
    expect(csvCell(null)).toBe('');
    expect(csvCell(true)).toBe('是');
  });

  it('read back by an independent parser (papaparse) to the same values, with a BOM first', () => {
    const cases = [
      base,
      { ...base, id: '2', description: '@所有人 +1 =SUM(A1)', lng: null, lat: null, assignee: null, closedOnTime: null },
    ];
    const text = incidentCsvHeader() + cases.map(incidentCsvRow).join('');
    expect(text.startsWith(CSV_BOM)).toBe(true);
    const parsed = Papa.parse<string[]>(text.slice(1), { skipEmptyLines: true });
    expect(parsed.errors).toEqual([]);
    const [header, ...rows] = parsed.data;
    expect(header).toEqual(INCIDENT_COLUMNS.map(([h]) => h));
    const col = (name: string): number => header!.indexOf(name);
    expect(rows[0]![col('描述')]).toBe(base.description);
    expect(rows[0]![col('地址')]).toBe(base.address);
    expect(rows[0]![col('阶段')]).toBe('结案');
    expect(rows[0]![col('大类')]).toBe('事件');
    expect(rows[1]![col('描述')]).toBe("'@所有人 +1 =SUM(A1)");
    expect(rows[1]![col('经度')]).toBe('');
    expect(rows[1]![col('按时结案')]).toBe('');
  });
});

describe('GeoJSON features', () => {
  it('validate (RFC 7946) with a point, or a null geometry for a case without a place', () => {
    const fc = {
      type: 'FeatureCollection',
      features: [incidentFeature(base), incidentFeature({ ...base, id: '2', lng: null, lat: null })],
    };
    expect(valid(JSON.parse(JSON.stringify(fc)), true)).toEqual([]);
    expect(fc.features[0]!.geometry).toEqual({ type: 'Point', coordinates: [111.6, 26.44] });
    expect(fc.features[1]!.geometry).toBeNull();
    expect(fc.features[0]!.properties.stageLabel).toBe('结案');
  });
});

describe('period figures', () => {
  it('count reported, closed, on time, open and overdue, reworked, extended, and the mean handling time', () => {
    const f = emptyFigures();
    addToFigures(f, base); // closed on time after 4 h, extended once
    addToFigures(f, { ...base, id: 'b', closedOnTime: false, closedAt: '2026-11-30T03:00:00.000Z', reworkCount: 1, extensionCount: 0 }); // 2 h
    addToFigures(f, { ...base, id: 'c', stage: 'handling', closedAt: null, closedOnTime: null, slaState: 'red', extensionCount: 0 });
    addToFigures(f, { ...base, id: 'd', stage: 'merged' }); // a merged duplicate is not a case of its own
    expect(f).toMatchObject({ reported: 3, closed: 2, closedOnTime: 1, open: 1, overdueOpen: 1, reworked: 1, extended: 1 });
    expect(figuresRow('431103', '冷水滩区', 'district', f)).toEqual(['431103', '冷水滩区', 'district', 3, 2, 1, 1, 1, 1, 1, 66.7, 50, 3]);
    expect(figuresRow('x', 'y', 'grid', emptyFigures()).slice(-3)).toEqual([null, null, null]);
  });
});
