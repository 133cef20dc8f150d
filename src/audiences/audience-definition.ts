// What an audience is, kept with it so that every refresh recomputes the same question on today's data:
// - LOOKALIKE: the customers most like a set of seeds (lookalikes.ts), as saved by `saveAudience`;
// - FILTER: the active segmentation's customers in some segments (by lineage, so "this segment" keeps
//   meaning the same segment after re-clustering, as its label does), within value and churn-risk
//   bounds, the most valuable first.
import type { Prisma } from '../db/database.js';
import { FilterParametersSchema, LookalikeParametersSchema, readJson } from '../db/json-columns.js';
import { InputError } from '../errors/domain-errors.js';
import { MAX_AUDIENCE, type LookalikeRequest } from './lookalikes.js';

export type AudienceKind = 'LOOKALIKE' | 'FILTER';

export interface FilterDefinition {
  /** Only customers of these segments (lineage ids: the identity a segment keeps across runs). */
  segmentLineages?: string[];
  excludeSegmentLineages?: string[];
  countries?: string[];
  /** Bounds on the active run's predictions (predicted lifetime value; churn risk in [0, 1]). */
  minClv?: number;
  minChurnRisk?: number;
  maxChurnRisk?: number;
  /** At most this many customers, the highest predicted value first. */
  limit: number;
}

export type AudienceDefinition = { kind: 'LOOKALIKE'; lookalike: LookalikeRequest } | { kind: 'FILTER'; filter: FilterDefinition };

/** The definition as stored in `audience.kind` / `audience.parameters`. */
export function readDefinition(kind: string, parameters: Prisma.JsonValue): AudienceDefinition {
  if (kind === 'FILTER') return { kind, filter: readJson(FilterParametersSchema, parameters, 'audience.parameters') };
  return { kind: 'LOOKALIKE', lookalike: readJson(LookalikeParametersSchema, parameters, 'audience.parameters') };
}

export function parametersOf(definition: AudienceDefinition): LookalikeRequest | FilterDefinition {
  return definition.kind === 'LOOKALIKE' ? definition.lookalike : definition.filter;
}

/** Checks a filter's bounds; `field` prefixes the paths of the issues (e.g. `filter`). */
export function validateFilter(filter: FilterDefinition, field: string): void {
  const issues: { field: string; message: string }[] = [];
  if (!Number.isInteger(filter.limit) || filter.limit < 1 || filter.limit > MAX_AUDIENCE)
    issues.push({ field: 'limit', message: `must be between 1 and ${MAX_AUDIENCE}` });
  for (const key of ['minChurnRisk', 'maxChurnRisk'] as const) {
    const v = filter[key];
    if (v !== undefined && !(v >= 0 && v <= 1)) issues.push({ field: key, message: 'must be between 0 and 1' });
  }
  if (filter.minClv !== undefined && !Number.isFinite(filter.minClv)) issues.push({ field: 'minClv', message: 'must be a number' });
  if (filter.minChurnRisk !== undefined && filter.maxChurnRisk !== undefined && filter.minChurnRisk > filter.maxChurnRisk)
    issues.push({ field: 'maxChurnRisk', message: 'must not be below minChurnRisk' });
  if (issues.length > 0)
    throw new InputError(
      `${field}: ${issues.map((i) => `${i.field} ${i.message}`).join('; ')}`,
      issues.map((i) => ({ index: -1, field: `${field}.${i.field}`, message: i.message })),
    );
}
