import { describe, expect, it } from 'vitest';
import type { User } from '../contract/auth.ts';
import { DomainError } from '../contract/errors.ts';
import { DEPARTMENTS, STAGES, type Action, type Incident, type Stage } from '../contract/incidents.ts';
import type { IncidentActionInput } from '../contract/inputs.ts';
import { applyAction, availableActions, type TransitionContext } from './workflow.ts';

const GRID = '431103003004001';
const dispatcher: User = { id: 'd1', username: 'd', name: 'D', role: 'dispatcher', scope: '431103' };
const otherDispatcher: User = { ...dispatcher, id: 'd2' };
const worker: User = { id: 'w1', username: 'w', name: 'W', role: 'gridworker', scope: GRID };
const leader: User = { id: 'l1', username: 'l', name: 'L', role: 'leader', scope: '431103' };

const ctx: TransitionContext = {
  now: new Date('2026-11-30T02:00:00Z'),
  deadlineFor: (_i, stage) => (stage === 'closed' ? null : '2026-11-30T05:00:00.000Z'),
  branchOf: (code) => ({ kind: 'branch', id: `P${code}`, name: `${code}党支部` }),
};

function incident(stage: Stage): Incident {
  return {
    id: 'X1',
    class: '市容环境',
    priority: '一般',
    source: '12345热线',
    stage,
    description: 'd',
    address: '',
    lng: 111.6,
    lat: 26.44,
    gridCode: GRID,
    communityCode: GRID.slice(0, 12),
    streetCode: GRID.slice(0, 9),
    needsManualLocation: false,
    suggestedAssignee: { kind: 'branch', id: `P${GRID}`, name: 'B' },
    assignee: ['dispatched', 'handling', 'handled', 'verified', 'closed', 'evaluated'].includes(stage)
      ? { kind: 'branch', id: `P${GRID}`, name: 'B' }
      : null,
    reporterName: '',
    reporterPhone: '',
    photoUrl: null,
    duplicateOf: null,
    duplicateCount: 0,
    version: 3,
    createdAt: '2026-11-30T01:00:00.000Z',
    updatedAt: '2026-11-30T01:00:00.000Z',
    stageEnteredAt: '2026-11-30T01:00:00.000Z',
    deadline: '2026-11-30T03:00:00.000Z',
    slaState: 'ok',
    supervised: false,
    escalationLevel: 0,
    extensionCount: 0,
    reworkCount: 0,
    returnCount: 0,
    lateStages: 0,
    handlers: ['w1'],
    closedAt: null,
    closedOnTime: null,
    rating: null,
  };
}

/** The closed loop of docs/design.md §2, written out: action → stages it may start from → stage it leads to. */
const LEGAL: Record<Action, [Stage[], Stage | 'same']> = {
  accept: [['reported'], 'accepted'],
  register: [['accepted'], 'registered'],
  reject: [['reported', 'accepted'], 'rejected'],
  dispatch: [['registered'], 'dispatched'],
  return: [['dispatched'], 'registered'],
  start: [['dispatched'], 'handling'],
  feedback: [['handling'], 'handled'],
  verify: [['handled'], 'verified'],
  close: [['verified'], 'closed'],
  evaluate: [['closed'], 'evaluated'],
  extend: [['dispatched', 'handling'], 'same'],
  shelve: [['registered', 'dispatched', 'handling'], 'shelved'],
  supervise: [['reported', 'accepted', 'registered', 'dispatched', 'handling', 'handled', 'verified'], 'same'],
  reassign: [['dispatched', 'handling'], 'dispatched'],
  recall: [['dispatched', 'handling'], 'registered'],
};
const BODY: Record<Action, Omit<IncidentActionInput, 'version'>> = {
  accept: { action: 'accept', note: '' },
  register: { action: 'register', note: '' },
  reject: { action: 'reject', note: 'r' },
  dispatch: { action: 'dispatch', note: '' },
  return: { action: 'return', note: 'r' },
  start: { action: 'start', note: '' },
  feedback: { action: 'feedback', note: 'f' },
  verify: { action: 'verify', note: '', pass: true },
  close: { action: 'close', note: '' },
  evaluate: { action: 'evaluate', note: '', rating: 4 },
  extend: { action: 'extend', note: 'e', hours: 2 },
  shelve: { action: 'shelve', note: 's' },
  supervise: { action: 'supervise', note: '' },
  reassign: { action: 'reassign', note: '不属本网格', to: { kind: 'department', name: DEPARTMENTS[0] } },
  recall: { action: 'recall', note: '派错了' },
} as Record<Action, Omit<IncidentActionInput, 'version'>>;
const ACTOR: Record<Action, User> = {
  accept: dispatcher,
  register: dispatcher,
  reject: dispatcher,
  dispatch: dispatcher,
  return: worker,
  start: worker,
  feedback: worker,
  verify: dispatcher,
  close: dispatcher,
  evaluate: leader,
  extend: dispatcher,
  shelve: dispatcher,
  supervise: leader,
  reassign: dispatcher,
  recall: dispatcher,
};

describe('workflow state machine', () => {
  for (const action of Object.keys(LEGAL) as Action[]) {
    for (const stage of STAGES) {
      const [from, to] = LEGAL[action];
      const legal = from.includes(stage);
      it(`${action} from ${stage} is ${legal ? `allowed → ${to}` : 'refused'}`, () => {
        const before = incident(stage);
        const run = () => applyAction(before, { ...BODY[action], version: before.version } as IncidentActionInput, ACTOR[action], ctx);
        if (legal) {
          const t = run();
          expect(t.toStage).toBe(to === 'same' ? stage : to);
          expect(t.next.version).toBe(before.version + 1);
          expect(availableActions(before, ACTOR[action])).toContain(action);
        } else {
          expect(run).toThrow(DomainError);
          try {
            run();
          } catch (e) {
            expect((e as DomainError).code).toBe('invalid-transition');
          }
          expect(availableActions(before, ACTOR[action])).not.toContain(action);
        }
        expect(before.stage).toBe(stage); // never mutated
      });
    }
  }

  it('sends a failed verification back to handling as rework', () => {
    const t = applyAction(incident('handled'), { action: 'verify', pass: false, note: '', version: 3 }, dispatcher, ctx);
    expect(t.toStage).toBe('handling');
    expect(t.next.reworkCount).toBe(1);
  });

  it('keeps who handled a case from verifying or closing it (监管分离)', () => {
    const handledByD1 = { ...incident('handled'), handlers: ['d1'] };
    expect(() => applyAction(handledByD1, { action: 'verify', pass: true, note: '', version: 3 }, dispatcher, ctx)).toThrow(/监管分离/);
    expect(applyAction(handledByD1, { action: 'verify', pass: true, note: '', version: 3 }, otherDispatcher, ctx).toStage).toBe('verified');
    expect(() =>
      applyAction({ ...incident('verified'), handlers: ['d1'] }, { action: 'close', note: '', version: 3 }, dispatcher, ctx),
    ).toThrow(/监管分离/);
  });

  it('checks the version before anything the caller may act on', () => {
    expect(() => applyAction(incident('reported'), { action: 'accept', note: '', version: 2 }, dispatcher, ctx)).toThrow(/已被他人更新/);
    // …but a stranger is refused for who they are, not told about versions.
    const stranger: User = { ...worker, scope: '431103009008001' };
    expect(() => applyAction(incident('dispatched'), { action: 'start', note: '', version: 2 }, stranger, ctx)).toThrow(/不在您的管辖范围/);
  });

  it('lets only the assignee start, feed back or return', () => {
    const otherGrid: User = { ...worker, id: 'w2', scope: '431103003004002' };
    expect(() => applyAction(incident('dispatched'), { action: 'start', note: '', version: 3 }, otherGrid, ctx)).toThrow(DomainError);
    const toDepartment = { ...incident('dispatched'), assignee: { kind: 'department' as const, id: '区城管局', name: '区城管局' } };
    expect(() => applyAction(toDepartment, { action: 'start', note: '', version: 3 }, worker, ctx)).toThrow(/只有承办方/);
    expect(applyAction(toDepartment, { action: 'start', note: '', version: 3 }, dispatcher, ctx).toStage).toBe('handling');
  });

  it('refuses to dispatch an unlocated case without a target, or to a grid outside scope', () => {
    const unlocated = { ...incident('registered'), gridCode: null, suggestedAssignee: null, needsManualLocation: true };
    expect(() => applyAction(unlocated, { action: 'dispatch', note: '', version: 3 }, dispatcher, ctx)).toThrow(/没有位置/);
    const streetDispatcher: User = { ...dispatcher, scope: '431103003' };
    expect(() =>
      applyAction(
        incident('registered'),
        { action: 'dispatch', note: '', version: 3, to: { kind: 'branch', gridCode: '431103001006001' } },
        streetDispatcher,
        ctx,
      ),
    ).toThrow(/不在您的管辖范围/);
  });
});
