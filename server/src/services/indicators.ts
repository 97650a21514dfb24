/** Indicators per scope, cached briefly so that many viewers of one scope cost one computation. */
import { DomainError } from '../contract/errors.ts';
import type { Indicators } from '../contract/indicators.ts';
import type { Organisation } from '../contract/org.ts';
import type { Geography } from '../domain/geography.ts';
import { computeIndicators, indexCases, scopeUnits, type CaseIndex } from '../domain/indicators.ts';
import type { Clock } from '../domain/clock.ts';
import type { IncidentService } from './incidents.ts';
import type { TaskService } from './tasks.ts';

export type IndicatorService = ReturnType<typeof createIndicatorService>;

export function createIndicatorService(deps: {
  geography: Geography;
  organisation: Organisation;
  incidents: IncidentService;
  tasks: TaskService;
  clock: Clock;
  maxAgeMs: number;
}) {
  const cache = new Map<string, { at: number; value: Indicators }>();
  // One grouping of the working set serves every scope computed until the working set changes.
  let cases: { version: number; index: CaseIndex } | null = null;
  const caseIndex = (): CaseIndex => {
    const version = deps.incidents.workingSetVersion();
    if (cases?.version !== version) cases = { version, index: indexCases(deps.incidents.workingSet()) };
    return cases.index;
  };
  return {
    /** Indicators of a district, street, community or grid; recomputed when older than maxAgeMs or invalidated. */
    forScope(code: string): Indicators {
      const unit = deps.geography.unit(code);
      if (!unit || !['district', 'street', 'community', 'grid'].includes(unit.properties.level)) {
        throw new DomainError('not-found', `没有区、街道、社区或网格 ${code}`);
      }
      const now = deps.clock.now();
      const hit = cache.get(code);
      if (hit && now.getTime() - hit.at < deps.maxAgeMs) return hit.value;
      const value = computeIndicators({
        ...scopeUnits(deps.geography, code),
        incidents: caseIndex(),
        tasks: deps.tasks.workingSet(),
        organisation: deps.organisation,
        now,
      });
      cache.set(code, { at: now.getTime(), value });
      return value;
    },
    invalidate(code: string): void {
      cache.delete(code);
    },
  };
}
