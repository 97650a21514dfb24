/**
 * The bodies of the REST API's JSON answers (docs/api.md), named once: the server's routes answer
 * them (`satisfies`), the client reads them. Errors are `{ error: ApiError }` (errors.ts).
 */
import type { User } from './auth.ts';
import type { Source, Action, Incident, IncidentDetail, IncidentPreview } from './incidents.ts';
import type { PartyOrg, UnitProperties } from './geo.ts';
import type { DemonstrationSite, Organisation, ServiceCenter } from './org.ts';
import type { Delivery, Subscription } from './notifications.ts';
import type { Task } from './tasks.ts';

/** A list answer; `nextCursor` where the list is paged. */
export interface Items<T> {
  items: T[];
}

export interface MeAnswer {
  user: User;
}

/** `POST /api/incidents`: the case as filed (201), or as filed before under the same key (200). */
export interface IncidentAnswer {
  incident: Incident;
}
export interface IncidentPreviewAnswer {
  preview: IncidentPreview;
}
export interface IncidentPage extends Items<Incident> {
  nextCursor: string | null;
}
/** `GET /api/incidents/:id` and an action's answer: the case and the actions the caller may take now. */
export interface IncidentWithActions<I extends Incident = IncidentDetail> {
  incident: I;
  actions: Action[];
}

export interface TaskAnswer {
  task: Task;
}

/** `GET /api/units/:code`: a unit with its lineage, children and both hierarchies' organisations. */
export interface UnitDetail {
  unit: UnitProperties;
  lineage: { code: string; name: string; level: UnitProperties['level'] }[];
  children: UnitProperties[];
  partyOrg: PartyOrg | null;
  partyChain: PartyOrg[];
  serviceCenter: ServiceCenter | null;
  demonstration: DemonstrationSite[];
}
/** `GET /api/organisation`: the society around the party chain (the chain itself is in the units). */
export type OrganisationAnswer = Omit<Organisation, 'partyOrgs'>;

/** An Open311 API key as administrators see it (the key itself only once, when issued). */
export interface ApiKey {
  id: string;
  name: string;
  /** The district, a street, community or grid: where the key may submit cases. */
  scope: string;
  /** The case source its submissions get (a 12345 hotline system, a citizen app, …). */
  source: Source;
  createdBy: string;
  createdAt: string;
  revokedAt: string | null;
}
export interface ApiKeyIssued {
  apiKey: ApiKey;
  key: string;
}
export interface ApiKeyAnswer {
  apiKey: ApiKey;
}
export interface SubscriptionAnswer {
  subscription: Subscription;
}
export type DeliveryLog = Items<Delivery>;
