/**
 * The closed loop as a state machine (docs/design.md §2): which action moves a case from which stage to
 * which, who may take it (role, scope, 监管分离), and what it changes. Pure: time, deadlines and
 * place lookups are handed in.
 */
import { ROLE_NAMES, type Role, type User } from '../contract/auth.ts';
import { DomainError } from '../contract/errors.ts';
import { ACTION_LABELS, STAGE_LABELS, isOpenStage, type Action, type Assignee, type Incident, type Stage } from '../contract/incidents.ts';
import type { IncidentActionInput } from '../contract/inputs.ts';
import { inScope } from '../contract/geo.ts';

interface Rule {
  from: readonly Stage[] | 'open';
  roles: readonly Role[];
  /** The assignee's own people act (gridworker within the assigned grid; dispatchers for departments). */
  byAssignee?: boolean;
  /** Whoever handled the case may not take this action. */
  notByHandler?: boolean;
}

const RULES: Readonly<Record<Action, Rule>> = {
  accept: { from: ['reported'], roles: ['dispatcher'] },
  register: { from: ['accepted'], roles: ['dispatcher'] },
  reject: { from: ['reported', 'accepted'], roles: ['dispatcher'] },
  dispatch: { from: ['registered'], roles: ['dispatcher'] },
  return: { from: ['dispatched'], roles: ['gridworker', 'dispatcher'], byAssignee: true },
  start: { from: ['dispatched'], roles: ['gridworker', 'dispatcher'], byAssignee: true },
  feedback: { from: ['handling'], roles: ['gridworker', 'dispatcher'], byAssignee: true },
  verify: { from: ['handled'], roles: ['dispatcher'], notByHandler: true },
  close: { from: ['verified'], roles: ['dispatcher'], notByHandler: true },
  evaluate: { from: ['closed'], roles: ['dispatcher', 'leader'] },
  extend: { from: ['dispatched', 'handling'], roles: ['dispatcher'] },
  shelve: { from: ['registered', 'dispatched', 'handling'], roles: ['dispatcher'] },
  supervise: { from: 'open', roles: ['leader', 'dispatcher'] },
  reassign: { from: ['dispatched', 'handling'], roles: ['dispatcher'] },
  recall: { from: ['dispatched', 'handling'], roles: ['dispatcher'] },
};

/**
 * Whether a case is within a scope (a user's, a feed's): its place lies in it, or it is assigned to a
 * grid branch in it (a case sent to a branch other than the place's owner must not be
 * lost to its assignee).
 */
export function canReach(scope: string, incident: Pick<Incident, 'gridCode' | 'assignee'>): boolean {
  if (inScope(scope, incident.gridCode)) return true;
  const a = incident.assignee;
  return a?.kind === 'branch' && inScope(scope, a.id.slice(1));
}

/** Actions the user could take on the case now (for the console's buttons). */
export function availableActions(incident: Incident, user: User): Action[] {
  return (Object.keys(RULES) as Action[]).filter((action) => refusal(incident, action, user) === null);
}

function refusal(incident: Incident, action: Action, user: User): DomainError | null {
  const rule = RULES[action];
  if (!rule.roles.includes(user.role)) return new DomainError('forbidden', `${ROLE_NAMES[user.role]}不能${ACTION_LABELS[action]}`);
  if (!canReach(user.scope, incident)) return new DomainError('forbidden', `案件 ${incident.id} 不在您的管辖范围内`);
  const from = rule.from === 'open' ? null : rule.from;
  if (from ? !from.includes(incident.stage) : !isOpenStage(incident.stage)) {
    return new DomainError('invalid-transition', `案件处于「${STAGE_LABELS[incident.stage]}」，不能${ACTION_LABELS[action]}`);
  }
  if (rule.byAssignee) {
    const a = incident.assignee;
    const own = a?.kind === 'branch' ? user.role === 'gridworker' && inScope(user.scope, a.id.slice(1)) : user.role === 'dispatcher';
    if (!own) return new DomainError('forbidden', `只有承办方（${a?.name ?? '无'}）可以${ACTION_LABELS[action]}`);
  }
  if (rule.notByHandler && incident.handlers.includes(user.id)) {
    return new DomainError('forbidden', `您处置过案件 ${incident.id}，不能${ACTION_LABELS[action]}（监管分离）`);
  }
  return null;
}

export interface TransitionContext {
  now: Date;
  /** Deadline of the clock for a stage entered now (null when the stage has no clock). */
  deadlineFor(incident: Incident, stage: Stage): string | null;
  /** The grid branch of a grid code, for dispatching by code. */
  branchOf(gridCode: string): Assignee | null;
}

export interface Transition {
  next: Incident;
  fromStage: Stage;
  toStage: Stage;
  note: string;
}

/**
 * Applies an action after checking version, role, scope, stage and separation of duties.
 * Throws DomainError (stale-version, forbidden, invalid-transition, bad-request); changes nothing then.
 */
export function applyAction(incident: Incident, input: IncidentActionInput, user: User, ctx: TransitionContext): Transition {
  // Who you are is checked before what you saw: a stranger learns nothing from a version answer.
  if (!RULES[input.action].roles.includes(user.role) || !canReach(user.scope, incident)) throw refusal(incident, input.action, user)!;
  if (input.version !== incident.version) {
    throw new DomainError(
      'stale-version',
      `案件 ${incident.id} 已被他人更新（当前版本 ${incident.version}，您看到的是 ${input.version}），请刷新后再试`,
    );
  }
  const denied = refusal(incident, input.action, user);
  if (denied) throw denied;
  const at = ctx.now.toISOString();
  const next: Incident = { ...incident, version: incident.version + 1, updatedAt: at };
  const enter = (stage: Stage): void => {
    next.stage = stage;
    next.stageEnteredAt = at;
    next.deadline = ctx.deadlineFor(next, stage);
    next.slaState = 'ok';
  };
  switch (input.action) {
    case 'accept':
      enter('accepted');
      break;
    case 'register':
      enter('registered');
      break;
    case 'reject':
      enter('rejected');
      next.closedAt = at;
      break;
    case 'dispatch':
    case 'reassign': {
      const assignee = input.to ? targetOf(input.to, user, ctx) : incident.suggestedAssignee;
      if (!assignee) throw new DomainError('bad-request', `案件 ${incident.id} 没有位置，请选择网格或部门`, { to: '必填' });
      if (input.action === 'reassign' && sameAssignee(assignee, incident.assignee)) {
        throw new DomainError('bad-request', `案件 ${incident.id} 已由${assignee.name}承办`, { to: '即当前承办方' });
      }
      next.assignee = assignee;
      next.escalationLevel = 0;
      enter('dispatched');
      // The timeline names where the case went (and, for 改派, from where and why).
      const note =
        input.action === 'dispatch'
          ? `派遣至 ${assignee.name}${input.note ? `：${input.note}` : ''}`
          : `改派：${incident.assignee?.name ?? '未派遣'} → ${assignee.name}：${input.note}`;
      return { next, fromStage: incident.stage, toStage: next.stage, note };
    }
    case 'recall':
      next.assignee = null;
      enter('registered');
      return {
        next,
        fromStage: incident.stage,
        toStage: next.stage,
        note: `撤回（原承办 ${incident.assignee?.name ?? '无'}）：${input.note}`,
      };
    case 'return':
      next.assignee = null;
      next.returnCount++;
      enter('registered');
      break;
    case 'start':
      next.handlers = addHandler(incident.handlers, user.id);
      enter('handling');
      break;
    case 'feedback':
      next.handlers = addHandler(incident.handlers, user.id);
      enter('handled');
      break;
    case 'verify':
      if (input.pass) enter('verified');
      else {
        next.reworkCount++;
        enter('handling'); // 返工
      }
      break;
    case 'close':
      enter('closed');
      next.closedAt = at;
      next.closedOnTime = incident.lateStages === 0;
      break;
    case 'evaluate':
      enter('evaluated');
      next.rating = input.rating;
      break;
    case 'extend': {
      const base = Math.max(Date.parse(incident.deadline ?? at), ctx.now.getTime());
      next.deadline = new Date(base + input.hours * 3_600_000).toISOString();
      next.slaState = 'ok';
      next.extensionCount++;
      break;
    }
    case 'shelve':
      enter('shelved');
      next.closedAt = at;
      break;
    case 'supervise':
      next.supervised = true;
      break;
  }
  return { next, fromStage: incident.stage, toStage: next.stage, note: noteOf(input) };
}

/** The assignee a dispatch target names, checked against the dispatcher's scope. */
function targetOf(
  to: NonNullable<Extract<IncidentActionInput, { action: 'dispatch' }>['to']>,
  user: User,
  ctx: TransitionContext,
): Assignee {
  if (to.kind === 'department') return { kind: 'department', id: to.name, name: to.name };
  if (!inScope(user.scope, to.gridCode)) throw new DomainError('forbidden', `网格 ${to.gridCode} 不在您的管辖范围内`);
  const branch = ctx.branchOf(to.gridCode);
  if (!branch) throw new DomainError('bad-request', `网格 ${to.gridCode} 没有网格党支部`, { 'to.gridCode': '未知网格' });
  return branch;
}

const sameAssignee = (a: Assignee, b: Assignee | null): boolean => b !== null && a.kind === b.kind && a.id === b.id;

function noteOf(input: IncidentActionInput): string {
  switch (input.action) {
    case 'verify':
      return input.note || (input.pass ? '核查通过' : '核查不通过，返工');
    case 'evaluate':
      return input.note || `评价 ${input.rating} 星`;
    case 'extend':
      return `延期 ${input.hours} 小时：${input.note}`;
    default:
      return input.note;
  }
}

function addHandler(handlers: readonly string[], id: string): string[] {
  return handlers.includes(id) ? [...handlers] : [...handlers, id];
}
