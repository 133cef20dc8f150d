import 'reflect-metadata';
import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { buildSchema as buildTypeGraphQLSchema } from 'type-graphql';
import { authChecker } from './auth-checker.js';
import { HealthResolver } from './resolvers/health.resolver.js';
import { IngestResolver } from './resolvers/ingest.resolver.js';
import { JobResolver } from './resolvers/job.resolver.js';
import { AdminResolver } from './resolvers/admin.resolver.js';
import { ApiKeyResolver } from './resolvers/api-key.resolver.js';
import { AudienceDestinationsResolver, AudienceVersionDeliveriesResolver, DeliveryResolver, DestinationResolver } from './resolvers/destination.resolver.js';
import { AudienceResolver, LookalikeResolver } from './resolvers/audience.resolver.js';
import { CustomerResolver } from './resolvers/customer.resolver.js';
import { RunResolver } from './resolvers/run.resolver.js';
import { SegmentResolver } from './resolvers/segment.resolver.js';
import { ChartsResolver } from './resolvers/charts.resolver.js';
import { ViewerResolver } from './resolvers/viewer.resolver.js';
import { CustomerValueResolver, RunValueResolver, SegmentValueResolver } from './resolvers/value.resolver.js';
import { CustomerBuyAgainResolver, CustomerRecommendationResolver, SegmentRecommendationResolver } from './resolvers/recommendation.resolver.js';

export const RESOLVERS = [
  HealthResolver,
  IngestResolver,
  JobResolver,
  SegmentResolver,
  RunResolver,
  CustomerResolver,
  LookalikeResolver,
  AudienceResolver,
  AdminResolver,
  ApiKeyResolver,
  DestinationResolver,
  DeliveryResolver,
  AudienceVersionDeliveriesResolver,
  AudienceDestinationsResolver,
  ChartsResolver,
  ViewerResolver,
  CustomerValueResolver,
  SegmentValueResolver,
  RunValueResolver,
  CustomerRecommendationResolver,
  CustomerBuyAgainResolver,
  SegmentRecommendationResolver,
] as const;

export function buildSchema(): Promise<GraphQLSchema> {
  // Inputs are validated by the domain (zod schemas in src/ingest), not by class-validator, so the
  // same rules hold for files and for GraphQL.
  return buildTypeGraphQLSchema({ resolvers: RESOLVERS, validate: false, authChecker, authMode: 'error' });
}

const HEADER = '# Generated from the type-graphql code by `npm run schema:emit`. Do not edit: test/graphql/schema.test.ts fails when stale.\n\n';

/** The SDL committed as schema.graphql: sorted so that diffs show real changes only. */
export function printSchemaFile(schema: GraphQLSchema): string {
  return HEADER + printSchema(lexicographicSortSchema(schema)) + '\n';
}
