/** A whole, valid case for unit tests: open, located in 通化街社区第一网格, with a reporter; override what the test is about. */
import type { Incident } from '../../server/src/contract/incidents.ts';

export function incidentFixture(overrides: Partial<Incident> = {}): Incident {
  return {
    id: '2026113000001', class: '市容环境', priority: '紧急', source: '网格员巡查', stage: 'reported', description: '井盖缺失', address: '冷水滩区某路',
    lng: 111.6, lat: 26.44, gridCode: '431103003004001', communityCode: '431103003004', streetCode: '431103003', needsManualLocation: false,
    suggestedAssignee: { kind: 'branch', id: 'P431103003004001', name: '第一网格党支部' }, assignee: null,
    reporterName: '陈某辰', reporterPhone: '13688889999', photoUrl: null, duplicateOf: null, duplicateCount: 0, version: 1,
    createdAt: '2026-11-30T01:00:00.000Z', updatedAt: '2026-11-30T01:00:00.000Z', stageEnteredAt: '2026-11-30T01:00:00.000Z',
    deadline: null, slaState: 'ok', supervised: false, escalationLevel: 0, extensionCount: 0, reworkCount: 0, returnCount: 0, lateStages: 0,
    handlers: [], closedAt: null, closedOnTime: null, rating: null,
    ...overrides,
  };
}
