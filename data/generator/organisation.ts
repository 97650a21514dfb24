/**
 * The party chain and the society around it, seeded for the demo with the counts docs/design.md §2
 * gives: 228 paired units, 106 part-time committee members, 126 social organisations offering
 * 32 services, 11 time-bank teams with 383 volunteers and 8000+ services at launch.
 */
import { partyOrgIdOf, type GeographyData, type PartyOrg, type Person, type UnitFeature } from '../../server/src/contract/geo.ts';
import type { Organisation, PairedUnit, ServiceCenter, SocialOrganisation, Volunteer } from '../../server/src/contract/org.ts';
import { DEMONSTRATION_COMMUNITIES } from './config.ts';
import { personName } from './names.ts';
import type { Random } from '../../server/src/domain/random.ts';

export const COUNTS = {
  pairedUnits: 228,
  partTimeMembers: 106,
  socialOrganisations: 126,
  timeBankTeams: 11,
  volunteers: 383,
  minServicesAtLaunch: 8000,
} as const;

const ROOMS = [
  '党员活动室',
  '新时代文明实践站',
  '网格化服务管理室',
  '矛盾纠纷调解室',
  '图书阅览室',
  '日间照料中心',
  '四点半课堂',
  '多功能会议厅',
  '健身活动室',
  '志愿服务站',
  '便民服务大厅',
  '心理咨询室',
];

const DEPARTMENTS = [
  '区委组织部',
  '区委宣传部',
  '区委政法委',
  '区委统战部',
  '区纪委监委',
  '区发改局',
  '区教育局',
  '区科工信局',
  '区公安分局',
  '区民政局',
  '区司法局',
  '区财政局',
  '区人社局',
  '区自然资源分局',
  '区生态环境分局',
  '区住建局',
  '区交通运输局',
  '区水利局',
  '区农业农村局',
  '区商务局',
  '区文旅广体局',
  '区卫健局',
  '区退役军人事务局',
  '区应急管理局',
  '区审计局',
  '区市场监管局',
  '区统计局',
  '区医保局',
  '区城管局',
  '区信访局',
  '区行政审批服务局',
  '区税务局',
  '区总工会',
  '团区委',
  '区妇联',
  '区科协',
  '区残联',
  '区工商联',
  '区红十字会',
  '区消防救援大队',
];
const UNIT_KINDS = [
  { category: '学校', suffixes: ['小学', '中学', '幼儿园', '实验学校'] },
  { category: '医疗卫生', suffixes: ['社区卫生服务站', '口腔诊所', '中医馆', '药房'] },
  { category: '金融', suffixes: ['农商银行网点', '邮储银行网点', '信用社', '保险服务站'] },
  { category: '国有企业', suffixes: ['供电所', '自来水营业所', '燃气服务站', '邮政支局', '通信营业厅'] },
  { category: '非公企业', suffixes: ['物业服务公司', '商贸有限公司', '建材市场', '物流有限公司', '餐饮有限公司', '电子科技有限公司'] },
];
const SOCIAL_SERVICES = [
  '助老陪护',
  '助餐送餐',
  '四点半课堂',
  '法律援助',
  '心理疏导',
  '家电维修',
  '义务理发',
  '健康义诊',
  '反诈宣传',
  '垃圾分类指导',
  '文明劝导',
  '邻里调解',
  '助残帮扶',
  '困境儿童关爱',
  '就业指导',
  '技能培训',
  '政策宣讲',
  '文艺演出',
  '全民健身',
  '读书分享',
  '环境清扫',
  '绿化养护',
  '夜间巡逻',
  '消防安全宣传',
  '交通劝导',
  '代办跑腿',
  '爱心义卖',
  '献血动员',
  '疫苗接种引导',
  '防溺水宣传',
  '老年大学',
  '红色宣讲',
];
const SOCIAL_KINDS = [
  '志愿服务队',
  '社工服务站',
  '老年协会',
  '文体协会',
  '调解委员会',
  '爱心协会',
  '妇女之家',
  '青年志愿者协会',
  '书画协会',
  '舞蹈队',
];

export function generateOrganisation(random: Random, geo: GeographyData): Organisation {
  const person = (post: string): Person => ({ name: personName(random), post });
  const short = (f: UnitFeature): string => f.properties.name;
  const partyOrgs: PartyOrg[] = [];
  const district = geo.district.properties;
  partyOrgs.push({
    id: partyOrgIdOf(district.code),
    kind: 'district-committee',
    name: '中共冷水滩区委员会',
    unitCode: district.code,
    parentId: null,
    secretary: person('区委书记'),
    members: [person('区委副书记'), person('区委组织部部长')],
    partyMembers: district.partyMembers,
  });
  for (const s of geo.streets.features) {
    partyOrgs.push({
      id: partyOrgIdOf(s.properties.code),
      kind: 'street-working-committee',
      name: `中共${short(s)}工作委员会`,
      unitCode: s.properties.code,
      parentId: partyOrgIdOf(district.code),
      secretary: person('党工委书记'),
      members: [person('党工委副书记'), person('党工委委员')],
      partyMembers: s.properties.partyMembers,
    });
  }
  for (const c of geo.communities.features) {
    const size = random.int(7, 9);
    const members = [
      person('副书记'),
      ...(size === 9 ? [person('副书记')] : []),
      ...Array.from({ length: size - (size === 9 ? 3 : 2) }, () => person('委员')),
    ];
    partyOrgs.push({
      id: partyOrgIdOf(c.properties.code),
      kind: 'community-committee',
      name: `中共${short(c)}工作委员会`,
      unitCode: c.properties.code,
      parentId: partyOrgIdOf(c.properties.parentCode!),
      secretary: person('书记'),
      members,
      partyMembers: c.properties.partyMembers,
    });
  }
  for (const g of geo.grids.features) {
    partyOrgs.push({
      id: partyOrgIdOf(g.properties.code),
      kind: 'grid-branch',
      name: `${short(g)}党支部`,
      unitCode: g.properties.code,
      parentId: partyOrgIdOf(g.properties.parentCode!),
      secretary: person('支部书记'),
      members: [person('网格员'), person('支部委员')],
      partyMembers: g.properties.partyMembers,
    });
  }
  for (const c of geo.compounds.features) {
    partyOrgs.push({
      id: partyOrgIdOf(c.properties.code),
      kind: 'party-group',
      name: `${short(c)}党小组`,
      unitCode: c.properties.code,
      parentId: partyOrgIdOf(c.properties.parentCode!),
      secretary: person('党小组长'),
      members: [],
      partyMembers: c.properties.partyMembers,
    });
  }

  const labelOf = new Map(geo.labels.features.map((l) => [l.properties.code, l.geometry.coordinates as [number, number]]));
  const serviceCenters: ServiceCenter[] = [geo.district, ...geo.streets.features, ...geo.communities.features].map((u) => ({
    id: `SC${u.properties.code}`,
    unitCode: u.properties.code,
    name: `${u.properties.name}党群服务中心`,
    location: labelOf.get(u.properties.code)!,
    rooms: pickSome(random, ROOMS, u.properties.level === 'community' ? 5 : 8).map((name) => ({ name, capacity: random.int(2, 12) * 10 })),
    openHours: u.properties.level === 'community' ? '周一至周日 8:00-20:00' : '工作日 8:30-17:30',
  }));

  const communities = geo.communities.features.map((c) => c.properties);
  const demonstrationSites = communities
    .filter((c) => DEMONSTRATION_COMMUNITIES[c.code])
    .flatMap((c) => [
      { unitCode: c.code, name: c.name, theme: DEMONSTRATION_COMMUNITIES[c.code]! },
      { unitCode: `${c.code}001`, name: `${c.name}第一网格`, theme: '网格党支部示范网格' },
    ]);

  const pairedUnits: PairedUnit[] = [];
  const unitNames = new Set<string>();
  const addUnit = (name: string, category: string): void => {
    if (unitNames.has(name) || pairedUnits.length >= COUNTS.pairedUnits) return;
    unitNames.add(name);
    const primary = communities[pairedUnits.length % communities.length]!.code;
    const second = random.next() < 0.3 ? random.pick(communities).code : primary;
    pairedUnits.push({
      id: `PU${String(pairedUnits.length + 1).padStart(3, '0')}`,
      name,
      category,
      communityCodes: [...new Set([primary, second])].sort(),
    });
  };
  for (const d of DEPARTMENTS) addUnit(d, '区直机关');
  while (pairedUnits.length < COUNTS.pairedUnits) {
    const kind = random.pick(UNIT_KINDS);
    addUnit(`${random.pick(communities).name.replace(/社区$/, '')}${random.pick(kind.suffixes)}`, kind.category);
  }

  const partTimeMembers = Array.from({ length: COUNTS.partTimeMembers }, (_, i) => {
    const unit = pairedUnits[i * 2]!;
    return { id: `PT${String(i + 1).padStart(3, '0')}`, name: personName(random), unitId: unit.id, communityCode: unit.communityCodes[0]! };
  });

  const socialServices = SOCIAL_SERVICES.map((name, i) => ({ id: `SV${String(i + 1).padStart(2, '0')}`, name }));
  const socialOrganisations: SocialOrganisation[] = [];
  const orgNames = new Set<string>();
  while (socialOrganisations.length < COUNTS.socialOrganisations) {
    const community = random.pick(communities);
    const kind = random.pick(SOCIAL_KINDS);
    const name = `${community.name.replace(/社区$/, '')}${kind}`;
    if (orgNames.has(name)) continue;
    orgNames.add(name);
    socialOrganisations.push({
      id: `SO${String(socialOrganisations.length + 1).padStart(3, '0')}`,
      name,
      category: kind,
      communityCode: community.code,
      serviceIds: pickSome(random, socialServices, random.int(1, 4)).map((s) => s.id),
    });
  }
  // Make sure every service is offered by someone.
  socialServices.forEach((s, i) => {
    const org = socialOrganisations[i % socialOrganisations.length]!;
    if (!org.serviceIds.includes(s.id)) org.serviceIds.push(s.id);
  });

  const teams = Array.from({ length: COUNTS.timeBankTeams }, (_, i) => {
    const community = communities[(i * 7) % communities.length]!;
    return {
      id: `TB${String(i + 1).padStart(2, '0')}`,
      name: `${community.name.replace(/社区$/, '')}时间银行志愿服务队`,
      communityCode: community.code,
    };
  });
  const volunteers: Volunteer[] = Array.from({ length: COUNTS.volunteers }, (_, i) => {
    const services = random.int(9, 34);
    const hoursDeposited = Math.round(services * random.range(1.5, 3) * 2) / 2;
    return {
      id: `V${String(i + 1).padStart(3, '0')}`,
      name: personName(random),
      teamId: teams[i % teams.length]!.id,
      hoursDeposited,
      hoursWithdrawn: Math.round(hoursDeposited * random.range(0, 0.4) * 2) / 2,
      services,
    };
  });
  const servicesAtLaunch = volunteers.reduce((n, v) => n + v.services, 0);
  if (servicesAtLaunch < COUNTS.minServicesAtLaunch) volunteers[0]!.services += COUNTS.minServicesAtLaunch - servicesAtLaunch;

  return {
    synthetic: true,
    partyOrgs,
    serviceCenters,
    demonstrationSites,
    pairedUnits,
    partTimeMembers,
    socialServices,
    socialOrganisations,
    timeBank: { teams, volunteers },
    facts: { devolvedServiceItems: 161, staffSentDown: 726 },
  };
}

/** `count` distinct items, in list order, chosen at random. */
function pickSome<T>(random: Random, items: readonly T[], count: number): T[] {
  const chosen = new Set<number>();
  while (chosen.size < Math.min(count, items.length)) chosen.add(Math.floor(random.next() * items.length));
  return [...chosen].sort((a, b) => a - b).map((i) => items[i]!);
}
