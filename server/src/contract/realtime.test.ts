import { describe, expect, it } from 'vitest';
import { incidentFixture } from '../../../test/helpers/fixtures.ts';
import { decodeDelta, encodeDelta, INCIDENT_FIELDS, packIncident, unpackIncident, type Delta } from './realtime.ts';

const incident = incidentFixture({
  stage: 'dispatched',
  description: '井盖缺失 <b>',
  assignee: { kind: 'branch', id: 'P431103003004001', name: '第一网格党支部' },
  duplicateCount: 2,
  version: 4,
  updatedAt: '2026-11-30T01:05:00.000Z',
  deadline: '2026-11-30T03:00:00.000Z',
  slaState: 'amber',
  supervised: true,
  escalationLevel: 1,
  reworkCount: 1,
  lateStages: 1,
  handlers: ['u1', 'u2'],
});

describe('incident wire rows', () => {
  it('list every field of an incident once', () => {
    expect(new Set(INCIDENT_FIELDS).size).toBe(INCIDENT_FIELDS.length);
    expect([...INCIDENT_FIELDS].sort()).toEqual(Object.keys(incident).sort());
  });

  it('round-trip an incident and a delta exactly, through JSON', () => {
    expect(unpackIncident(JSON.parse(JSON.stringify(packIncident(incident))) as unknown[])).toEqual(incident);
    const delta: Delta = {
      scope: '431103',
      seq: 7,
      incidents: [incident, { ...incident, id: '2', lng: null, lat: null }],
      tasks: [],
      indicators: null,
      serverTime: 'now',
    };
    const wire = JSON.parse(JSON.stringify(encodeDelta(delta))) as ReturnType<typeof encodeDelta>;
    expect(decodeDelta(wire)).toEqual(delta);
    expect(JSON.stringify(wire).length).toBeLessThan(0.7 * JSON.stringify(delta).length);
  });
});
