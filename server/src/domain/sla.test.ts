import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { INCIDENT_CLASSES, PRIORITIES, type Incident } from '../contract/incidents.ts';
import { calendarSchema, createSlaClock, createWorkingTime, nextSlaCheck, slaConfigSchema, slaUpdate } from './sla.ts';

const calendar = calendarSchema.parse(JSON.parse(readFileSync(new URL('../../../data/config/calendar.json', import.meta.url), 'utf8')));
const config = slaConfigSchema.parse(JSON.parse(readFileSync(new URL('../../../data/config/sla.json', import.meta.url), 'utf8')));
const work = createWorkingTime(calendar);
const at = (local: string): number => Date.parse(`${local}+08:00`);
const HOUR = 3_600_000;

describe('working calendar', () => {
  it('counts only working hours: the lunch break is skipped', () => {
    expect(work.add(at('2026-11-30T11:50:00'), 0.5 * HOUR)).toBe(at('2026-11-30T14:50:00'));
    expect(work.between(at('2026-11-30T11:00:00'), at('2026-11-30T15:00:00'))).toBe(1.5 * HOUR);
  });

  it('carries over nights and weekends', () => {
    expect(work.add(at('2026-11-27T17:30:00'), 1 * HOUR)).toBe(at('2026-11-30T09:00:00')); // Friday → Monday
    expect(work.add(at('2026-11-28T10:00:00'), 1 * HOUR)).toBe(at('2026-11-30T09:30:00')); // a Saturday report
  });

  it('skips public holidays and works the make-up days (调休)', () => {
    expect(work.add(at('2026-09-30T17:00:00'), 2 * HOUR)).toBe(at('2026-10-08T09:30:00')); // National Day
    expect(work.between(at('2026-10-10T08:00:00'), at('2026-10-10T19:00:00'))).toBe(7 * HOUR); // Saturday make-up day
    expect(work.between(at('2026-10-11T08:00:00'), at('2026-10-11T19:00:00'))).toBe(0); // an ordinary Sunday
  });

  it('rejects a malformed calendar', () => {
    expect(calendarSchema.safeParse({ ...calendar, workingHours: [['8:30', '25:00']] }).success).toBe(false);
  });
});

function openCase(overrides: Partial<Incident>): Incident {
  return {
    id: '1',
    class: '市容环境',
    priority: '一般',
    source: '12345热线',
    stage: 'reported',
    description: '',
    address: '',
    lng: null,
    lat: null,
    gridCode: null,
    communityCode: null,
    streetCode: null,
    needsManualLocation: true,
    suggestedAssignee: null,
    assignee: null,
    reporterName: '',
    reporterPhone: '',
    photoUrl: null,
    duplicateOf: null,
    duplicateCount: 0,
    version: 1,
    createdAt: '',
    updatedAt: '',
    stageEnteredAt: new Date(at('2026-11-30T09:00:00')).toISOString(),
    deadline: null,
    slaState: 'ok',
    supervised: false,
    escalationLevel: 0,
    extensionCount: 0,
    reworkCount: 0,
    returnCount: 0,
    lateStages: 0,
    handlers: [],
    closedAt: null,
    closedOnTime: null,
    rating: null,
    ...overrides,
  };
}

describe('SLA clock', () => {
  const clock = createSlaClock(config, calendar);

  it('takes limits per stage, class and priority from configuration', () => {
    expect(clock.limitHours({ class: '矛盾纠纷', priority: '一般' }, 'handling')).toBe(48);
    expect(clock.limitHours({ class: '矛盾纠纷', priority: '紧急' }, 'handling')).toBe(24);
    expect(clock.limitHours({ class: '市容环境', priority: '一般' }, 'reported')).toBe(0.5);
    expect(clock.limitHours({ class: '市容环境', priority: '一般' }, 'closed')).toBeNull();
  });

  it('runs urgent cases on natural hours, ordinary ones on working hours', () => {
    const friday5pm = new Date(at('2026-11-27T17:00:00'));
    expect(clock.deadline({ class: '街面秩序', priority: '紧急' }, 'handling', friday5pm)!.getTime()).toBe(at('2026-11-27T19:00:00'));
    expect(clock.deadline({ class: '街面秩序', priority: '一般' }, 'handling', friday5pm)!.getTime()).toBe(at('2026-11-30T11:30:00'));
  });

  it('turns amber at 80 %, red at 100 % with 督办, and escalates one level per further limit up to the district', () => {
    let c = openCase({ deadline: new Date(at('2026-11-30T10:00:00')).toISOString() });
    const tick = (local: string): string[] => {
      const u = slaUpdate(c, new Date(at(local)), clock, 0.8);
      if (!u) return [];
      c = u.next;
      return u.events.map((e) => e.type);
    };
    expect(tick('2026-11-30T09:40:00')).toEqual([]);
    expect(tick('2026-11-30T09:50:00')).toEqual(['sla-amber']);
    expect(c.slaState).toBe('amber');
    expect(tick('2026-11-30T09:55:00')).toEqual([]);
    expect(tick('2026-11-30T10:00:00')).toEqual(['sla-red', 'escalate']);
    expect(c).toMatchObject({ slaState: 'red', supervised: true, escalationLevel: 1, lateStages: 1 });
    expect(tick('2026-11-30T11:00:00')).toEqual(['escalate']);
    expect(c.escalationLevel).toBe(2);
    expect(tick('2026-11-30T11:30:00')).toEqual([]);
    expect(tick('2026-11-30T12:00:00')).toEqual(['escalate']);
    expect(c.escalationLevel).toBe(3);
    // Over lunch the working clock stands still.
    expect(clock.fraction(c, new Date(at('2026-11-30T14:30:00')))).toBe(clock.fraction(c, new Date(at('2026-11-30T12:00:00'))));
    expect(tick('2026-12-01T17:00:00')).toEqual([]); // the district is the top
  });
});

describe('next SLA check', () => {
  const clocks = { 'working hours': createSlaClock(config, calendar), 'demo time scale': createSlaClock(config, calendar, 60) };

  for (const [name, clock] of Object.entries(clocks)) {
    it(`is the first moment slaUpdate changes the case (${name})`, () => {
      const MINUTE = 60_000;
      fc.assert(
        fc.property(
          fc.constantFrom(...INCIDENT_CLASSES),
          fc.constantFrom(...PRIORITIES),
          fc.constantFrom('reported', 'dispatched', 'handling', 'verified' as const),
          fc.integer({ min: 0, max: 60 * 24 * 400 }),
          fc.array(fc.integer({ min: 0, max: 60 * 24 * 6 }), { maxLength: 4 }),
          fc.double({ min: 0, max: 1, noNaN: true }),
          (cls, priority, stage, startMinute, sweeps, share) => {
            // A case whose stage clock started some time in 2026–27, swept at a few moments since.
            const start = new Date(at('2026-01-01T00:00:00') + startMinute * MINUTE);
            let c = openCase({
              class: cls,
              priority,
              stage,
              stageEnteredAt: start.toISOString(),
              deadline: clock.deadline({ class: cls, priority }, stage, start)!.toISOString(),
            });
            for (const m of [...sweeps].sort((a, b) => a - b))
              c = slaUpdate(c, new Date(start.getTime() + m * MINUTE), clock, config.amberAt)?.next ?? c;
            const due = nextSlaCheck(c, clock, config.amberAt);
            if (due === null) {
              expect(c).toMatchObject({ slaState: 'red', escalationLevel: 3 });
              expect(slaUpdate(c, new Date(start.getTime() + 365 * 24 * 60 * MINUTE), clock, config.amberAt)).toBeNull();
              return;
            }
            expect(slaUpdate(c, new Date(due), clock, config.amberAt)).not.toBeNull();
            expect(slaUpdate(c, new Date(due - 1), clock, config.amberAt)).toBeNull();
            const before = start.getTime() + Math.floor(share * Math.max(0, due - 1 - start.getTime()));
            expect(slaUpdate(c, new Date(before), clock, config.amberAt)).toBeNull();
          },
        ),
        { numRuns: 300 },
      );
    });
  }

  it('has nothing to check without a clock', () => {
    expect(nextSlaCheck(openCase({ deadline: null }), clocks['working hours'], 0.8)).toBeNull();
  });
});
