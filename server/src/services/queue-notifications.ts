/** Which notifications a change of a case queues: the rule every writer of cases calls. */
import { inScope } from '../contract/geo.ts';
import type { Incident } from '../contract/incidents.ts';
import { eventsFor } from '../domain/notifications.ts';
import type { NotificationRepository } from '../store/notifications-repo.ts';

/**
 * Queues the events a change raises for every live subscription that wants them in that part of
 * the district; called inside the transaction that stores the change, so a crash loses neither or both.
 */
export function queueNotifications(repo: NotificationRepository, before: Incident | undefined, after: Incident, at: string): void {
  const events = eventsFor(before, after);
  if (events.length === 0) return;
  for (const s of repo.active()) {
    for (const e of events) if (s.events.includes(e) && inScope(s.scope, after.gridCode)) repo.enqueue(s.id, e, after, at);
  }
}
