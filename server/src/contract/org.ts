/**
 * Organisation contract: the party chain and the society around it (docs/design.md §1–2), as the
 * generator writes data/generated/organisation.json and the server serves it.
 */
import type { PartyOrg } from './geo.ts';

interface ServiceRoom {
  name: string;
  capacity: number;
}

/** 党群服务中心 at district, street or community level. */
export interface ServiceCenter {
  id: string;
  unitCode: string;
  name: string;
  location: [number, number];
  rooms: ServiceRoom[];
  openHours: string;
}

/** 示范点: a community or grid shown as a model. */
export interface DemonstrationSite {
  unitCode: string;
  name: string;
  theme: string;
}

/** 共驻共建单位: an organisation resident in the area that pairs with communities. */
export interface PairedUnit {
  id: string;
  name: string;
  category: string;
  communityCodes: string[];
}

/** 兼职委员: a paired unit's representative sitting on a community party committee. */
interface PartTimeMember {
  id: string;
  name: string;
  unitId: string;
  communityCode: string;
}

export interface SocialOrganisation {
  id: string;
  name: string;
  category: string;
  communityCode: string;
  serviceIds: string[];
}

interface SocialService {
  id: string;
  name: string;
}

interface TimeBankTeam {
  id: string;
  name: string;
  communityCode: string;
}

/** 时间银行 volunteer: hours deposited by serving, withdrawn when served. */
export interface Volunteer {
  id: string;
  name: string;
  teamId: string;
  hoursDeposited: number;
  hoursWithdrawn: number;
  services: number;
}

interface DistrictFacts {
  devolvedServiceItems: number;
  staffSentDown: number;
}

export interface Organisation {
  /** Every person in this file is fictitious (names like 陈某辰). */
  synthetic: true;
  partyOrgs: PartyOrg[];
  serviceCenters: ServiceCenter[];
  demonstrationSites: DemonstrationSite[];
  pairedUnits: PairedUnit[];
  partTimeMembers: PartTimeMember[];
  socialServices: SocialService[];
  socialOrganisations: SocialOrganisation[];
  timeBank: { teams: TimeBankTeam[]; volunteers: Volunteer[] };
  facts: DistrictFacts;
}
