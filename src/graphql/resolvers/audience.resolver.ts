import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { InputError } from '../../errors/domain-errors.js';
import { assignProspect } from '../../segments/segment-assigner.js';
import type { LookalikeRequest } from '../../segments/lookalikes.js';
import { decodeCursor, encodeCursor, MAX_PAGE_SIZE } from '../../segments/segment-catalog.js';
import type { VectorName } from '../../vectors/vector-store.js';
import type { GraphQLContext } from '../context.js';
import { numericId, toCustomer, toSegment } from '../mappers.js';
import { Audience, AudienceFilter, AudienceMemberConnection, AudienceQuality, LookalikeAudience, LookalikeStrategy, SegmentAssignment } from '../types/audience.js';
import { ProspectInput } from '../types/customer.js';
import { VectorKind } from './job.resolver.js';

function toRequest(seeds: string[], size: number, excludeSeeds: boolean, filter: AudienceFilter | undefined, vector: VectorKind, strategy: LookalikeStrategy): LookalikeRequest {
  return {
    seeds,
    size,
    excludeSeeds,
    vector: vector.toLowerCase() as VectorName,
    strategy: strategy === LookalikeStrategy.BEST_SCORE ? 'best_score' : 'average_vector',
    countries: filter?.countries ?? undefined,
    segmentIds: filter?.segments?.map((s) => numericId(s, 'filter.segments')),
    excludeSegmentIds: filter?.excludeSegments?.map((s) => numericId(s, 'filter.excludeSegments')),
    minClv: filter?.minClv ?? undefined,
    minChurnRisk: filter?.minChurnRisk ?? undefined,
    maxChurnRisk: filter?.maxChurnRisk ?? undefined,
  };
}

function pageArgs(first: number, after: string | undefined): { first: number; from: number } {
  if (first < 0 || first > MAX_PAGE_SIZE) throw new InputError(`first must be between 0 and ${MAX_PAGE_SIZE}`, [{ index: -1, field: 'first', message: `must be between 0 and ${MAX_PAGE_SIZE}` }]);
  return { first, from: after ? decodeCursor(after)[1] + 1 : 0 };
}

/**
 * Lookalikes rank on the lexical vector unless asked otherwise: on Online Retail (bench:quality, the 20
 * most-bought products, half their buyers as seeds) it found 4.33× the hidden buyers random picks find,
 * the combined vector 2.90× and TF-IDF 4.02×. Segments still use `combined` (behaviour matters there).
 */
const LOOKALIKE_VECTOR = VectorKind.LEXICAL;
const LOOKALIKE_VECTOR_WHY =
  'Which vector ranks candidates. LEXICAL (default): what they write and buy, compared with the shop; found the most hidden buyers in our benchmark. COMBINED adds behaviour; TEXT the sentence model; BEHAVIOUR value and category mix.';

@Resolver(() => LookalikeAudience)
export class LookalikeResolver {
  @Authorized('MARKETER')
  @Query(() => LookalikeAudience, { description: 'Customers most like the seeds (by the shop’s ids), ranked, with a hold-out quality estimate.' })
  async lookalikeAudience(
    @Arg('seeds', () => [ID]) seeds: string[],
    @Arg('size', () => Int, { description: '1 to 100,000.' }) size: number,
    @Arg('excludeSeeds', () => Boolean, { defaultValue: true }) excludeSeeds: boolean,
    @Arg('filter', () => AudienceFilter, { nullable: true }) filter: AudienceFilter | undefined,
    @Arg('vector', () => VectorKind, { defaultValue: LOOKALIKE_VECTOR, description: LOOKALIKE_VECTOR_WHY }) vector: VectorKind,
    @Arg('strategy', () => LookalikeStrategy, { defaultValue: LookalikeStrategy.AVERAGE_VECTOR }) strategy: LookalikeStrategy,
    @Ctx() { services }: GraphQLContext,
  ): Promise<LookalikeAudience> {
    const request = toRequest(seeds, size, excludeSeeds, filter ?? undefined, vector, strategy);
    const result = await services.lookalikes.build(request);
    return { size: result.ranked.length, seedsUsed: result.seedsUsed, seedsMissing: result.seedsMissing, quality: result.quality, request };
  }

  @FieldResolver(() => AudienceMemberConnection)
  async members(
    @Root() audience: LookalikeAudience,
    @Arg('first', () => Int, { defaultValue: 100, description: 'At most 500.' }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | undefined,
    @Ctx() { services, loaders }: GraphQLContext,
  ): Promise<AudienceMemberConnection> {
    const page = pageArgs(first, after ?? undefined);
    const { ranked } = await services.lookalikes.build(audience.request);
    const slice = ranked.slice(page.from, page.from + page.first);
    const customers = await loaders.customer.loadMany(slice.map((r) => r.customerId));
    return {
      edges: slice.flatMap((r, i) => {
        const c = customers[i];
        if (!c || c instanceof Error) return [];
        return [{ cursor: encodeCursor(['RANK', r.rank, r.customerId]), node: { rank: r.rank, score: Number.isNaN(r.score) ? null : r.score, customerId: r.customerId, customer: toCustomer(c) } }];
      }),
      pageInfo: { hasNextPage: page.from + page.first < ranked.length, endCursor: slice.length ? encodeCursor(['RANK', slice.at(-1)!.rank, slice.at(-1)!.customerId]) : null },
      totalCount: ranked.length,
    };
  }
}

@Resolver(() => Audience)
export class AudienceResolver {
  @Authorized('MARKETER')
  @Mutation(() => Audience, { description: 'Builds a lookalike audience and saves it with its parameters and ranked members.' })
  async saveAudience(
    @Arg('name', () => String) name: string,
    @Arg('seeds', () => [ID]) seeds: string[],
    @Arg('size', () => Int) size: number,
    @Arg('excludeSeeds', () => Boolean, { defaultValue: true }) excludeSeeds: boolean,
    @Arg('filter', () => AudienceFilter, { nullable: true }) filter: AudienceFilter | undefined,
    @Arg('vector', () => VectorKind, { defaultValue: LOOKALIKE_VECTOR, description: LOOKALIKE_VECTOR_WHY }) vector: VectorKind,
    @Arg('strategy', () => LookalikeStrategy, { defaultValue: LookalikeStrategy.AVERAGE_VECTOR }) strategy: LookalikeStrategy,
    @Ctx() { services, principal }: GraphQLContext,
  ): Promise<Audience> {
    const request = toRequest(seeds, size, excludeSeeds, filter ?? undefined, vector, strategy);
    const id = await services.lookalikes.save(name, request, principal!.actor);
    const saved = toAudience(await services.lookalikes.audience(id));
    await services.audit.record(principal!, 'saveAudience', `audience:${id}`, null, { name: saved.name, size: saved.size, parameters: request });
    return saved;
  }

  @Authorized('MARKETER')
  @Query(() => Audience)
  async audience(@Arg('id', () => ID) id: string, @Ctx() { services }: GraphQLContext): Promise<Audience> {
    return toAudience(await services.lookalikes.audience(numericId(id, 'id')));
  }

  @Authorized('MARKETER')
  @Query(() => [Audience], { description: 'Saved audiences, newest first.' })
  async audiences(@Ctx() { services }: GraphQLContext): Promise<Audience[]> {
    return (await services.db.prisma.audience.findMany({ orderBy: { id: 'desc' }, take: 200 })).map(toAudience);
  }

  @FieldResolver(() => AudienceMemberConnection)
  async members(
    @Root() audience: Audience,
    @Arg('first', () => Int, { defaultValue: 100 }) first: number,
    @Arg('after', () => String, { nullable: true }) after: string | undefined,
    @Ctx() { services, loaders }: GraphQLContext,
  ): Promise<AudienceMemberConnection> {
    const page = pageArgs(first, after ?? undefined);
    const rows = await services.db.prisma.audienceMember.findMany({ where: { audienceId: Number(audience.id), rank: { gte: page.from } }, orderBy: { rank: 'asc' }, take: page.first + 1 });
    const shown = rows.slice(0, page.first);
    const customers = await loaders.customer.loadMany(shown.map((r) => r.customerId));
    return {
      edges: shown.flatMap((r, i) => {
        const c = customers[i];
        return c && !(c instanceof Error) ? [{ cursor: encodeCursor(['RANK', r.rank, r.customerId]), node: { rank: r.rank, score: r.score, customerId: r.customerId, customer: toCustomer(c) } }] : [];
      }),
      pageInfo: { hasNextPage: rows.length > page.first, endCursor: shown.length ? encodeCursor(['RANK', shown.at(-1)!.rank, shown.at(-1)!.customerId]) : null },
      totalCount: audience.size,
    };
  }

  @Authorized('MARKETER')
  @Query(() => SegmentAssignment, { description: 'The nearest active segment for a shopper not in the shop yet (real-time personalisation).' })
  async assignSegment(@Arg('profile', () => ProspectInput) profile: ProspectInput, @Ctx() { services }: GraphQLContext): Promise<SegmentAssignment> {
    if (profile.texts.length === 0 && profile.frequency === 0) {
      throw new InputError('profile needs texts or behaviour', [{ index: -1, field: 'profile.texts', message: 'give at least one text or some behaviour' }]);
    }
    const shares = Object.fromEntries(profile.categoryShares.map((c) => [c.category, c.share]));
    const result = await assignProspect(services.db.prisma, await services.embedder(), await services.profiles(), {
      texts: profile.texts,
      categories: profile.categories,
      behaviour: {
        recencyDays: profile.recencyDays ?? null,
        frequency: profile.frequency,
        monetary: profile.monetary,
        averageOrderValue: profile.averageOrderValue ?? (profile.frequency > 0 ? profile.monetary / profile.frequency : 0),
        tenureDays: profile.tenureDays,
        returnRate: profile.returnRate,
        meanRating: profile.meanRating ?? null,
        categoryShares: shares,
      },
    });
    return { segment: toSegment(result.segment), distance: result.distance, outlier: result.outlier };
  }
}

function toAudience(row: { id: number; name: string; size: number; parameters: unknown; quality: unknown; createdAt: Date; createdBy: string }): Audience {
  return { id: String(row.id), name: row.name, size: row.size, parameters: row.parameters, quality: (row.quality as AudienceQuality | null) ?? null, createdAt: row.createdAt, createdBy: row.createdBy, csvPath: `/audiences/${row.id}/members.csv` };
}
