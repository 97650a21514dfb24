/**
 * The demo simulator's rules, seeded and deterministic: when reports arrive (a time-of-day curve
 * with bursts), where (hot-spot grids, weighted by households), what (class mix, priorities,
 * sources), and how each case moves through the loop (some late, returned, reworked, escalated).
 * Pure: the runner (server/src/simulator) turns these decisions into API calls.
 */
import type { UnitFeature } from '../contract/geo.ts';
import type { Incident, IncidentClass, Priority, Source } from '../contract/incidents.ts';
import type { TaskType } from '../contract/tasks.ts';
import { createRandom, type Random } from './random.ts';
import type { Geography } from './geography.ts';

const CLASS_WEIGHTS: readonly [IncidentClass, number][] = [
  ['市容环境', 18],
  ['街面秩序', 14],
  ['宣传广告', 8],
  ['施工管理', 6],
  ['突发事件', 2],
  ['公用设施', 8],
  ['交通设施', 6],
  ['市容环境设施', 6],
  ['园林绿化设施', 5],
  ['矛盾纠纷', 8],
  ['治安隐患', 5],
  ['安全隐患', 6],
  ['民生服务', 10],
  ['特殊人群', 2],
];
const SOURCE_WEIGHTS: readonly [Source, number][] = [
  ['网格员巡查', 45],
  ['12345热线', 20],
  ['群众随手拍', 20],
  ['视频监控', 10],
  ['部门转办', 5],
];
const PRIORITY_WEIGHTS: readonly [Priority, number][] = [
  ['一般', 85],
  ['紧急', 12],
  ['重大', 3],
];

const DESCRIPTIONS: Readonly<Record<IncidentClass, readonly string[]>> = {
  市容环境: ['路边垃圾堆积未清运', '小区门口污水外溢', '人行道上乱堆杂物'],
  宣传广告: ['电线杆上张贴小广告', '违规设置户外广告牌', '楼道内乱涂写'],
  施工管理: ['工地夜间违规施工噪音扰民', '施工围挡破损', '渣土车带泥上路'],
  街面秩序: ['店外占道经营', '流动摊贩占用人行道', '机动车乱停放堵塞消防通道'],
  突发事件: ['路面塌陷', '树木倒伏压住车辆', '燃气管道疑似泄漏'],
  公用设施: ['窨井盖缺失', '路灯不亮', '消防栓漏水'],
  交通设施: ['交通信号灯故障', '护栏损坏', '标线模糊'],
  市容环境设施: ['垃圾桶破损', '公厕设施损坏', '果皮箱缺失'],
  园林绿化设施: ['绿化带树木枯死', '草坪被踩踏损毁', '行道树枝条遮挡路灯'],
  矛盾纠纷: ['邻里噪音纠纷', '物业与业主停车纠纷', '租赁押金纠纷'],
  治安隐患: ['小区门禁损坏陌生人随意进出', '楼道堆放电动车充电', '夜间可疑人员徘徊'],
  安全隐患: ['电动车楼道内充电', '老旧房屋外墙脱落', '广告牌松动有坠落风险'],
  民生服务: ['独居老人需要上门照护', '低保申请咨询', '居民反映停水'],
  特殊人群: ['社区矫正人员走访', '困境儿童帮扶', '精神障碍患者随访'],
};

interface PlannedReport {
  /** Milliseconds after the previous report (before the speed factor). */
  gapMs: number;
  class: IncidentClass;
  priority: Priority;
  source: Source;
  lng: number;
  lat: number;
  gridCode: string;
  description: string;
  reporterName: string;
  reporterPhone: string;
  /** Part of a burst: several people reporting the same thing at one place. */
  burst: boolean;
}

/** How a case will be handled, decided once from the seed and the case number. */
export interface CaseScript {
  acceptAfterMs: number;
  registerAfterMs: number;
  dispatchAfterMs: number;
  reject: boolean;
  returnIt: boolean;
  startAfterMs: number;
  /** Handling time as a share of the handling limit (> 1: late). */
  handlingShare: number;
  extend: boolean;
  verifyPasses: boolean;
  verifyAfterMs: number;
  closeAfterMs: number;
  evaluate: boolean;
  rating: number;
  shelve: boolean;
}

/** Relative report rate by hour of day (Asia/Shanghai): quiet at night, peaks mid-morning and afternoon. */
const HOURLY_CURVE: readonly number[] = [
  0.15, 0.1, 0.08, 0.08, 0.1, 0.2, 0.45, 0.8, 1.2, 1.6, 1.7, 1.4, 1.0, 1.1, 1.4, 1.6, 1.6, 1.4, 1.1, 0.9, 0.8, 0.6, 0.4, 0.25,
];

export interface ReportPlanner {
  /** The next report after `now` (epoch ms), at `ratePerHour` on average over a day. */
  next(now: number): PlannedReport;
}

export function createReportPlanner(seed: number, geography: Geography, ratePerHour: number): ReportPlanner {
  const random = createRandom(seed).fork('reports');
  const grids = geography.units('grid');
  const hotSpots = Array.from({ length: 6 }, () => random.pick(grids));
  const totalHouseholds = grids.reduce((n, g) => n + g.properties.households, 0);
  let burstLeft = 0;
  let burst: PlannedReport | null = null;
  const pickGrid = (): UnitFeature => {
    if (random.next() < 0.35) return random.pick(hotSpots);
    let r = random.next() * totalHouseholds;
    for (const g of grids) if ((r -= g.properties.households) <= 0) return g;
    return grids.at(-1)!;
  };
  return {
    next(now) {
      if (burstLeft > 0 && burst) {
        burstLeft--;
        return {
          ...burst,
          gapMs: random.range(5_000, 40_000),
          reporterName: personName(random),
          reporterPhone: phone(random),
          lng: jitter(random, burst.lng),
          lat: jitter(random, burst.lat),
        };
      }
      const hour = new Date(now + 8 * 3_600_000).getUTCHours();
      const rate = (ratePerHour * HOURLY_CURVE[hour]!) / 3_600_000;
      const gapMs = -Math.log(1 - random.next()) / rate;
      const grid = pickGrid();
      const [lng, lat] = pointIn(random, grid, geography);
      const cls = weighted(random, CLASS_WEIGHTS);
      const report: PlannedReport = {
        gapMs,
        class: cls,
        priority: cls === '突发事件' ? random.pick(['紧急', '重大'] as const) : weighted(random, PRIORITY_WEIGHTS),
        source: weighted(random, SOURCE_WEIGHTS),
        lng,
        lat,
        gridCode: grid.properties.code,
        description: `${random.pick(DESCRIPTIONS[cls])}（${grid.properties.name}）`,
        reporterName: personName(random),
        reporterPhone: phone(random),
        burst: false,
      };
      if (random.next() < 0.02) {
        burstLeft = random.int(3, 7);
        burst = { ...report, burst: true };
      }
      return report;
    },
  };
}

export function caseScript(seed: number, caseId: string): CaseScript {
  const r = createRandom(seed).fork(`case:${caseId}`);
  const minutes = (a: number, b: number): number => r.range(a, b) * 60_000;
  return {
    acceptAfterMs: minutes(2, 20),
    registerAfterMs: minutes(2, 30),
    dispatchAfterMs: minutes(2, 40),
    reject: r.next() < 0.04,
    returnIt: r.next() < 0.05,
    startAfterMs: minutes(5, 90),
    handlingShare: r.next() < 0.15 ? r.range(1.05, 2.6) : r.range(0.2, 0.9),
    extend: r.next() < 0.04,
    verifyPasses: r.next() > 0.12,
    verifyAfterMs: minutes(5, 100),
    closeAfterMs: minutes(2, 40),
    evaluate: r.next() < 0.5,
    rating: r.int(3, 5),
    shelve: r.next() < 0.01,
  };
}

/** Tasks of one simulated day for a community: patrols at night, cleaning in the morning, and so on. */
export interface PlannedTask {
  type: TaskType;
  title: string;
  gridCode: string;
  startHour: number;
  hours: number;
  participants: number;
}

export function planTasks(seed: number, day: string, community: UnitFeature, grids: readonly UnitFeature[]): PlannedTask[] {
  const r = createRandom(seed).fork(`tasks:${day}:${community.properties.code}`);
  const grid = (): string => r.pick(grids).properties.code;
  const weekday = new Date(`${day}T00:00:00+08:00`).getUTCDay();
  const plan: PlannedTask[] = [
    { type: '夜间巡逻', title: '夜间治安巡逻', gridCode: grid(), startHour: 20, hours: 3, participants: r.int(3, 8) },
    { type: '卫生清扫', title: '背街小巷卫生清扫', gridCode: grid(), startHour: 7, hours: 2, participants: r.int(4, 12) },
    { type: '入户走访', title: '独居老人入户走访', gridCode: grid(), startHour: 9, hours: 3, participants: r.int(2, 5) },
  ];
  if (weekday === 6 || r.next() < 0.2)
    plan.push({ type: '文明劝导', title: '路口文明交通劝导', gridCode: grid(), startHour: 16, hours: 2, participants: r.int(4, 10) });
  if (r.next() < 0.5)
    plan.push({ type: '志愿服务', title: '时间银行志愿服务', gridCode: grid(), startHour: 14, hours: 2, participants: r.int(3, 9) });
  if (r.next() < 0.15)
    plan.push({ type: '扶贫解困', title: '困难家庭帮扶慰问', gridCode: grid(), startHour: 10, hours: 2, participants: r.int(2, 4) });
  return plan;
}

function weighted<T>(random: Random, items: readonly [T, number][]): T {
  const total = items.reduce((n, [, w]) => n + w, 0);
  let r = random.next() * total;
  for (const [item, w] of items) if ((r -= w) <= 0) return item;
  return items.at(-1)![0];
}

/** A random point inside the grid (rejection sampling on its bounding box, checked by gridAt). */
function pointIn(random: Random, grid: UnitFeature, geography: Geography): [number, number] {
  const ring = (grid.geometry.type === 'Polygon' ? grid.geometry.coordinates[0] : grid.geometry.coordinates[0]![0])!;
  const xs = ring.map((p) => p[0]!);
  const ys = ring.map((p) => p[1]!);
  for (let i = 0; i < 200; i++) {
    const lng = round6(random.range(Math.min(...xs), Math.max(...xs)));
    const lat = round6(random.range(Math.min(...ys), Math.max(...ys)));
    if (geography.gridAt(lng, lat)?.properties.code === grid.properties.code) return [lng, lat];
  }
  return [ring[0]![0]!, ring[0]![1]!];
}

const SURNAMES = [...'王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗'];
function personName(random: Random): string {
  return `${random.pick(SURNAMES)}某${random.pick([...'甲乙丙丁戊己庚辛'])}`;
}
/** Obviously fictitious numbers: 1380000 followed by four digits. */
function phone(random: Random): string {
  return `1380000${String(random.int(0, 9999)).padStart(4, '0')}`;
}
function jitter(random: Random, v: number): number {
  return round6(v + random.range(-0.0002, 0.0002));
}
function round6(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}

/** Who acts next in the simulator: a dispatcher (a or b), the community's grid worker, or the leader. */
export type SimActor = 'dispatcher-a' | 'dispatcher-b' | 'gridworker' | 'leader';

export interface SimStep {
  actor: SimActor;
  /** Simulated milliseconds to wait (divide by the time scale), or real ones when `realDelay`. */
  delayMs: number;
  realDelay?: boolean;
  body: Record<string, unknown>;
}

/**
 * The next move on a case as a dispatcher or grid worker would make it, from the case's current
 * state (which other people may have changed) and its script; null when the simulator leaves it.
 */
export function nextStep(incident: Incident, script: CaseScript, handlerIsA: boolean): SimStep | null {
  const verifier: SimActor = handlerIsA ? 'dispatcher-b' : 'dispatcher-a';
  const own: SimActor = incident.assignee?.kind === 'department' ? 'dispatcher-b' : 'gridworker';
  const handlingWindow = incident.deadline ? Date.parse(incident.deadline) - Date.parse(incident.stageEnteredAt) : 3_600_000;
  switch (incident.stage) {
    case 'reported':
      return script.reject
        ? { actor: 'dispatcher-a', delayMs: script.acceptAfterMs, body: { action: 'reject', note: '经核实不属于受理范围' } }
        : { actor: 'dispatcher-a', delayMs: script.acceptAfterMs, body: { action: 'accept' } };
    case 'accepted':
      return { actor: 'dispatcher-a', delayMs: script.registerAfterMs, body: { action: 'register' } };
    case 'registered':
      if (script.shelve)
        return { actor: 'dispatcher-a', delayMs: script.dispatchAfterMs, body: { action: 'shelve', note: '需纳入年度改造计划，暂时挂账' } };
      if (incident.needsManualLocation || incident.returnCount > 0 || !incident.suggestedAssignee) {
        return {
          actor: 'dispatcher-a',
          delayMs: script.dispatchAfterMs,
          body: { action: 'dispatch', to: { kind: 'department', name: '区城管局' } },
        };
      }
      return { actor: 'dispatcher-a', delayMs: script.dispatchAfterMs, body: { action: 'dispatch' } };
    case 'dispatched':
      if (script.returnIt && incident.returnCount === 0 && own === 'gridworker') {
        return { actor: own, delayMs: script.startAfterMs / 2, body: { action: 'return', note: '该事项属于部门职责，申请回退' } };
      }
      return { actor: own, delayMs: script.startAfterMs, body: { action: 'start' } };
    case 'handling':
      if (script.extend && incident.extensionCount === 0 && script.handlingShare > 1) {
        return {
          actor: 'dispatcher-a',
          delayMs: handlingWindow * 0.7,
          realDelay: true,
          body: { action: 'extend', hours: 4, note: '需协调相关部门，申请延期' },
        };
      }
      return {
        actor: own,
        delayMs: handlingWindow * script.handlingShare,
        realDelay: true,
        body: { action: 'feedback', note: '已现场处置完毕，附处置后照片' },
      };
    case 'handled':
      return {
        actor: verifier,
        delayMs: script.verifyAfterMs,
        body: { action: 'verify', pass: script.verifyPasses || incident.reworkCount > 0 },
      };
    case 'verified':
      return { actor: verifier, delayMs: script.closeAfterMs, body: { action: 'close' } };
    case 'closed':
      return script.evaluate
        ? { actor: 'leader', delayMs: script.closeAfterMs, body: { action: 'evaluate', rating: script.rating } }
        : null;
    default:
      return null;
  }
}
