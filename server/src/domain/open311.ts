/**
 * Open311 GeoReport v2 (open311.org) in our terms, free of I/O: the service list (one service per
 * incident class, `group` = its top class), a case as a service request (status, notes, agency,
 * expected time, address from the building up to 冷水滩区), dates in ISO 8601 at +08:00, and the
 * checks on a submitted request. http/open311.ts serves it in JSON and XML.
 */
import { booleanPointInPolygon } from '@turf/turf';
import {
  ACTION_LABELS,
  CLASS_GROUPS,
  isOpenStage,
  STAGE_LABELS,
  type Action,
  type Incident,
  type IncidentClass,
  type TimelineEntry,
} from '../contract/incidents.ts';
import type { UnitFeature } from '../contract/geo.ts';
import type { Geography } from './geography.ts';

/** Stable service codes: external systems store them, so they never follow a reordering of CLASS_GROUPS. */
export const SERVICE_CODES: Readonly<Record<IncidentClass, string>> = {
  市容环境: 'E01',
  宣传广告: 'E02',
  施工管理: 'E03',
  街面秩序: 'E04',
  突发事件: 'E05',
  公用设施: 'P01',
  交通设施: 'P02',
  市容环境设施: 'P03',
  园林绿化设施: 'P04',
  矛盾纠纷: 'S01',
  治安隐患: 'S02',
  安全隐患: 'S03',
  民生服务: 'S04',
  特殊人群: 'S05',
};
const CLASS_OF_CODE = new Map(Object.entries(SERVICE_CODES).map(([cls, code]) => [code, cls as IncidentClass]));
export const classOfService = (code: string): IncidentClass | undefined => CLASS_OF_CODE.get(code);

const DESCRIPTIONS: Readonly<Record<string, string>> = {
  事件: '城市管理中发生的事件',
  部件: '城市公共设施（部件）的损坏或缺失',
  社会治理: '基层社会治理中的矛盾、隐患和服务需求',
};

export interface Service {
  service_code: string;
  service_name: string;
  description: string;
  metadata: boolean;
  type: 'realtime';
  keywords: string;
  group: string;
}

export function services(): Service[] {
  return Object.entries(CLASS_GROUPS).flatMap(([group, classes]) =>
    classes.map((cls: IncidentClass) => ({
      service_code: SERVICE_CODES[cls],
      service_name: cls,
      description: `${DESCRIPTIONS[group]}：${cls}`,
      metadata: true,
      type: 'realtime' as const,
      keywords: [group, cls].join(','),
      group,
    })),
  );
}

export interface ServiceAttribute {
  variable: boolean;
  code: string;
  datatype: 'singlevaluelist' | 'string';
  required: boolean;
  datatype_description: string;
  order: number;
  description: string;
  values?: { key: string; name: string }[];
}

/** What a service asks beyond the standard fields: the urgency (一般 unless said otherwise). */
export function serviceDefinition(code: string): { service_code: string; attributes: ServiceAttribute[] } | undefined {
  if (!classOfService(code)) return undefined;
  return {
    service_code: code,
    attributes: [
      {
        variable: true,
        code: 'priority',
        datatype: 'singlevaluelist',
        required: false,
        datatype_description: '一般、紧急或重大；不填为一般',
        order: 1,
        description: '紧急程度',
        values: [
          { key: '一般', name: '一般' },
          { key: '紧急', name: '紧急' },
          { key: '重大', name: '重大' },
        ],
      },
    ],
  };
}

/** ISO 8601 in China Standard Time, as the spec's examples carry an offset: 2026-11-30T09:00:00+08:00. */
export function toCst(iso: string): string {
  return `${new Date(Date.parse(iso) + 8 * 3_600_000).toISOString().slice(0, 19)}+08:00`;
}

/** The administrative units a point lies in, from the district down to the building when there is one. */
export function placeOf(geography: Geography, gridCode: string | null, lng: number | null, lat: number | null): UnitFeature[] {
  if (!gridCode) return geography.lineage('431103');
  const lineage = geography.lineage(gridCode);
  if (lng === null || lat === null) return lineage;
  const inside = (u: UnitFeature): boolean => booleanPointInPolygon([lng, lat], u);
  const compound = geography.children(gridCode).find(inside);
  if (!compound) return lineage;
  const building = geography.children(compound.properties.code).find(inside);
  return [...lineage, compound, ...(building ? [building] : [])];
}

const DISTRICT_PREFIX = '湖南省永州市';

/** The address from the building up: 湖南省永州市冷水滩区 … 网格 小区 楼栋, then what the reporter wrote. */
function addressOf(geography: Geography, i: Incident): string {
  const names = placeOf(geography, i.gridCode, i.lng, i.lat)
    .map((u) => u.properties.name)
    .join('');
  return `${DISTRICT_PREFIX}${names}${i.address && !names.endsWith(i.address) ? `（${i.address}）` : ''}`;
}

const SYSTEM_NOTES: Record<string, string> = {
  report: '上报',
  duplicate: '重复上报',
  'sla-amber': '临期提醒',
  'sla-red': '超时督办',
  escalate: '超时升级',
};
const noteType = (t: TimelineEntry['type']): string => SYSTEM_NOTES[t] ?? ACTION_LABELS[t as Action] ?? t;

export interface ServiceRequest {
  service_request_id: string;
  status: 'open' | 'closed';
  status_notes: string;
  service_name: string;
  service_code: string;
  description: string;
  agency_responsible: string;
  service_notice: string;
  requested_datetime: string;
  updated_datetime: string;
  expected_datetime: string | null;
  address: string;
  address_id: string | null;
  zipcode: string;
  lat: number | null;
  long: number | null;
  media_url: string | null;
  extended_attributes?: {
    grid_code: string | null;
    stage: string;
    stage_name: string;
    deadline: string | null;
    escalation_level: number;
    duplicate_of: string | null;
  };
  notes?: { datetime: string; type: string; description: string }[];
}

/**
 * A case as an Open311 service request. Open and closed follow the loop (受理 … 核查 are open; 结案,
 * 评价, 不予立案, 挂账 and merged duplicates are closed); the caller masks personal data first.
 */
export function toServiceRequest(
  geography: Geography,
  i: Incident,
  timeline: readonly TimelineEntry[],
  extensions: boolean,
): ServiceRequest {
  const latest = [...timeline].reverse().find((e) => e.note);
  const request: ServiceRequest = {
    service_request_id: i.id,
    status: isOpenStage(i.stage) ? 'open' : 'closed',
    status_notes: `${STAGE_LABELS[i.stage]}${latest ? `：${latest.note}` : ''}`,
    service_name: i.class,
    service_code: SERVICE_CODES[i.class],
    description: i.description,
    agency_responsible: i.assignee?.name ?? i.suggestedAssignee?.name ?? '冷水滩区网格化服务管理中心',
    service_notice: i.deadline ? `当前环节办理时限 ${toCst(i.deadline)}` : '',
    requested_datetime: toCst(i.createdAt),
    updated_datetime: toCst(i.updatedAt),
    expected_datetime: i.deadline ? toCst(i.deadline) : null,
    address: addressOf(geography, i),
    address_id: placeOf(geography, i.gridCode, i.lng, i.lat).at(-1)?.properties.code ?? null,
    zipcode: '425000',
    lat: i.lat,
    long: i.lng,
    media_url: i.photoUrl,
  };
  if (extensions) {
    request.extended_attributes = {
      grid_code: i.gridCode,
      stage: i.stage,
      stage_name: STAGE_LABELS[i.stage],
      deadline: i.deadline ? toCst(i.deadline) : null,
      escalation_level: i.escalationLevel,
      duplicate_of: i.duplicateOf,
    };
    request.notes = timeline.map((e) => ({ datetime: toCst(e.at), type: noteType(e.type), description: e.note || noteType(e.type) }));
  }
  return request;
}

/** A submitted description may not carry markup (tags or character entities); its length limit is the contract's. */
export const containsMarkup = (text: string): boolean => /<[a-zA-Z/!?][^>]*>|&(#\d+|#x[\da-f]+|[a-z]+);/i.test(text);
