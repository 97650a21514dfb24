import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEMO_GEOGRAPHY_DIR } from '../cli/geo-file.ts';
import { INCIDENT_CLASSES, STAGES } from '../contract/incidents.ts';
import { readGeographySet } from '../store/geography-files.ts';
import { createGeography } from './geography.ts';
import { computeIndicators, indexCases, scopeUnits, shanghaiMidnight, type CaseIndex, type CaseSummary } from './indicators.ts';
import { inScope } from '../contract/geo.ts';

const set = readGeographySet(DEMO_GEOGRAPHY_DIR);
const geography = createGeography(set.geography, set.organisation.partyOrgs);
const grids = geography.units('grid').map((g) => g.properties.code);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = Date.parse('2026-11-30T01:30:00.000Z'); // 09:30 in Lengshuitan

/** What the indicators did before the index: filter every case for the scope and for each ranked unit. */
const filtering = (cases: readonly CaseSummary[]): CaseIndex => ({ within: (code) => cases.filter((c) => inScope(code, c.gridCode)) });

const indicators = (code: string, incidents: CaseIndex, now: Date) =>
  computeIndicators({
    ...scopeUnits(geography, code),
    incidents,
    tasks: [],
    organisation: set.organisation,
    now,
  });

// Cases in a few grids of two streets (and unlocated ones), created up to 40 days back, some closed.
const caseArb = fc.record({
  grid: fc.option(fc.constantFrom(...grids.slice(0, 6), ...grids.slice(-6)), { nil: null }),
  stage: fc.constantFrom(...STAGES),
  cls: fc.constantFrom(...INCIDENT_CLASSES),
  // Also densely around the local midnight before NOW (9.5 h back) and the 30-day edge.
  ageMs: fc.oneof(
    fc.integer({ min: 0, max: 40 * DAY }),
    fc.integer({ min: 9 * HOUR, max: 10 * HOUR }),
    fc.integer({ min: 30 * DAY - 12 * HOUR, max: 30 * DAY + 12 * HOUR }),
  ),
  handledMs: fc.integer({ min: 0, max: 3 * DAY }),
  onTime: fc.boolean(),
  rework: fc.integer({ min: 0, max: 2 }),
});
const casesArb = fc.array(caseArb, { maxLength: 120 }).map((rows) =>
  rows.map((r, k): CaseSummary => {
    const created = NOW - r.ageMs;
    const closed = r.stage === 'closed' || r.stage === 'evaluated';
    const closedAt = closed ? new Date(Math.min(NOW, created + r.handledMs)).toISOString() : null;
    return {
      id: String(k),
      version: 1,
      class: r.cls,
      source: '网格员巡查',
      stage: r.stage,
      gridCode: r.grid,
      createdAt: new Date(created).toISOString(),
      updatedAt: closedAt ?? new Date(created).toISOString(),
      closedAt,
      closedOnTime: closed ? r.onTime : null,
      reworkCount: r.rework,
      extensionCount: 0,
      assignee: null,
      slaState: k % 4 === 0 ? 'red' : 'ok',
      supervised: k % 5 === 0,
    };
  }),
);

describe('indicators from the working set grouped by grid', () => {
  it("gathers exactly the cases in a scope: all for the district, its grids' for a street, community or grid", () => {
    fc.assert(
      fc.property(casesArb, (cases) => {
        const index = indexCases(cases);
        for (const code of ['431103', grids[0]!.slice(0, 9), grids[0]!.slice(0, 12), grids[0]!, grids.at(-1)!.slice(0, 9), '431103099']) {
          const ids = (list: readonly CaseSummary[]) => list.map((c) => c.id).sort();
          expect(ids(index.within(code)), code).toEqual(ids(filtering(cases).within(code)));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('computes the same indicators as filtering every case, for every level, and counts days by Lengshuitan time', () => {
    fc.assert(
      fc.property(casesArb, fc.integer({ min: 0, max: 12 * HOUR }), (cases, shift) => {
        const now = new Date(NOW + shift);
        for (const code of ['431103', grids[0]!.slice(0, 9), grids[0]!.slice(0, 12), grids[0]!]) {
          const ours = indicators(code, indexCases(cases), now);
          expect(ours, code).toEqual(indicators(code, filtering(cases), now));
          // Days and windows by parsed time, independently of the string comparisons inside.
          const mine = cases.filter((c) => inScope(code, c.gridCode));
          const today = shanghaiMidnight(now.getTime());
          expect(ours.todayReported).toBe(mine.filter((c) => Date.parse(c.createdAt) >= today).length);
          expect(ours.todayClosed).toBe(mine.filter((c) => c.closedAt && Date.parse(c.closedAt) >= today).length);
          const recent = mine.filter((c) => Date.parse(c.createdAt) >= now.getTime() - 30 * DAY).length;
          expect(Object.values(ours.classMix).reduce((a, b) => a + (b ?? 0), 0)).toBe(recent);
          const lastDay = mine.filter((c) => Date.parse(c.createdAt) >= Math.floor(now.getTime() / HOUR) * HOUR - 23 * HOUR).length;
          expect(ours.trend24h.reduce((n, p) => n + p.reported, 0)).toBe(lastDay);
          // Each case in the 30-day trend's bucket of its local day, by parsed time.
          const days = new Map<string, number>();
          for (const c of mine) {
            const k = Math.floor((Date.parse(c.createdAt) - (today - 29 * DAY)) / DAY);
            if (k >= 0 && k < 30) days.set(ours.trend30d[k]!.at, (days.get(ours.trend30d[k]!.at) ?? 0) + 1);
          }
          for (const p of ours.trend30d) expect(p.reported, p.at).toBe(days.get(p.at) ?? 0);
        }
      }),
      { numRuns: 150 },
    );
  });
});
