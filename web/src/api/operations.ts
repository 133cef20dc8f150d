// Every operation the dashboard sends. graphql-codegen (client preset) types them from schema.graphql,
// so a field the API does not have fails `npm run build:web`, not a user.
import { graphql } from '../gql';

export const ViewerQuery = graphql(`
  query Viewer {
    viewer {
      name
      role
    }
  }
`);

export const OverviewQuery = graphql(`
  query Overview {
    segments {
      id
      name
      automaticName
      label
      description
      automaticDescription
      size
      share
      quality
      keywords
      tags
      archetype
      medians {
        recencyDays
        frequency
        monetary
      }
      topCategories {
        category
        share
      }
      trend {
        sizeChange
        inflow
        outflow
        previousSize
        previousSegmentId
      }
      run {
        id
        k
        kRule
        customerCount
        finishedAt
      }
    }
  }
`);

export const CustomerMapQuery = graphql(`
  query CustomerMap {
    customerMap {
      runId
      method
      count
      explainedVariance
      customerIds
      x
      y
      segment
      segments {
        id
        name
        size
      }
    }
  }
`);

export const CustomerSummaryQuery = graphql(`
  query CustomerSummary($id: ID!) {
    customer(id: $id) {
      id
      country
      outlier
      provisional
      distance
      segment {
        id
        name
      }
      behaviour {
        recencyDays
        frequency
        monetary
        averageOrderValue
        returnRate
      }
    }
  }
`);

export const CustomerQuery = graphql(`
  query Customer($id: ID!) {
    customer(id: $id) {
      id
      country
      signupAt
      outlier
      provisional
      distance
      segment {
        id
        name
      }
      behaviour {
        recencyDays
        frequency
        monetary
        averageOrderValue
        returnRate
        tenureDays
        meanRating
        categoryShares {
          category
          share
        }
      }
      profile {
        orders
        reviews
        searches
        recentSearches
      }
      similarCustomers(limit: 8) {
        score
        customer {
          id
          country
          segment {
            id
            name
          }
        }
      }
      value {
        pAlive
        churnRisk
        churnHorizonDays
        churnReasons
        expectedPurchases
        expectedSpend
        clv
        horizonDays
        reason
      }
      recommendedProducts(limit: 8) {
        product {
          id
          title
          category
        }
        reason
      }
      buyAgain(limit: 8) {
        product {
          id
          title
          category
        }
        reason
      }
    }
  }
`);

export const SegmentDetailQuery = graphql(`
  query SegmentDetail($id: ID!) {
    segment(id: $id) {
      id
      name
      automaticName
      label
      description
      automaticDescription
      tags
      size
      share
      quality
      keywords
      archetype
      runId
      medians {
        recencyDays
        frequency
        monetary
        averageOrderValue
        returnRate
      }
      topCategories {
        category
        share
      }
      value {
        withHistory
        meanPAlive
        shareAtRisk
        expectedPurchases
        sumClv
        meanClv
        horizonDays
        reason
      }
      recommendedProducts(limit: 8) {
        product {
          id
          title
          category
        }
        lift
        reason
      }
      representatives {
        id
        country
        behaviour {
          recencyDays
          frequency
          monetary
        }
      }
      histograms(bins: 20) {
        recencyDays {
          metric
          scale
          edges
          members
          population
        }
        frequency {
          metric
          scale
          edges
          members
          population
        }
        monetary {
          metric
          scale
          edges
          members
          population
        }
      }
    }
  }
`);

export const SegmentMembersQuery = graphql(`
  query SegmentMembers($id: ID!, $first: Int!, $after: String, $orderBy: MemberOrder!) {
    segment(id: $id) {
      id
      members(first: $first, after: $after, orderBy: $orderBy) {
        totalCount
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          cursor
          node {
            distance
            recencyDays
            frequency
            monetary
            outlier
            provisional
            customer {
              id
              country
            }
          }
        }
      }
    }
  }
`);

export const AtRiskQuery = graphql(`
  query AtRisk($minChurnRisk: Float!, $first: Int!) {
    segmentationRuns(limit: 10) {
      id
      active
      valueModel {
        status
        reason
        churnModel {
          serving
          horizonDays
          why
          learntValidation {
            auc
            calibrationError
            calibration {
              from
              to
              count
              predicted
              observed
            }
          }
          bgNbdValidation {
            auc
            calibrationError
            calibration {
              from
              to
              count
              predicted
              observed
            }
          }
        }
      }
    }
    segments {
      id
      name
      size
      churnRiskBands {
        low
        medium
        high
        unknown
      }
    }
    valuableAtRisk(minChurnRisk: $minChurnRisk, first: $first) {
      id
      segment {
        id
        name
      }
      value {
        churnRisk
        churnReasons
        clv
        horizonDays
      }
    }
  }
`);

export const ValuableAtRiskQuery = graphql(`
  query ValuableAtRisk($minChurnRisk: Float!, $first: Int!) {
    valuableAtRisk(minChurnRisk: $minChurnRisk, first: $first) {
      id
    }
  }
`);

export const SegmentSeedsQuery = graphql(`
  query SegmentSeeds($id: ID!, $first: Int!) {
    segment(id: $id) {
      id
      members(first: $first) {
        edges {
          node {
            customer {
              id
            }
          }
        }
      }
    }
  }
`);

export const RunsQuery = graphql(`
  query Runs {
    segmentationRuns(limit: 50) {
      id
      status
      active
      k
      kRule
      vector
      algorithm
      customerCount
      startedAt
      finishedAt
      error
      previousRunId
      metrics {
        k
        silhouette
        daviesBouldin
        calinskiHarabasz
        inertia
      }
      triedK {
        k
        silhouette
        embeddingSilhouette
        eigengap
        daviesBouldin
        calinskiHarabasz
        inertia
      }
      segments {
        id
        name
        size
      }
    }
  }
`);

export const MigrationQuery = graphql(`
  query Migration($from: ID!, $to: ID!) {
    migration(fromRun: $from, toRun: $to) {
      fromSegmentId
      toSegmentId
      customers
    }
  }
`);

export const LookalikeQuery = graphql(`
  query Lookalike($seeds: [ID!]!, $size: Int!, $filter: AudienceFilter, $vector: VectorKind!, $strategy: LookalikeStrategy!, $excludeSeeds: Boolean!) {
    lookalikeAudience(seeds: $seeds, size: $size, filter: $filter, vector: $vector, strategy: $strategy, excludeSeeds: $excludeSeeds) {
      size
      seedsUsed
      seedsMissing
      quality {
        heldOut
        recovered
        recall
        holdoutShare
      }
      members(first: 100) {
        totalCount
        edges {
          node {
            rank
            score
            customer {
              id
              country
              segment {
                id
                name
              }
            }
          }
        }
      }
    }
  }
`);

export const SaveAudienceMutation = graphql(`
  mutation SaveAudience(
    $name: String!
    $seeds: [ID!]!
    $size: Int!
    $filter: AudienceFilter
    $vector: VectorKind!
    $strategy: LookalikeStrategy!
    $excludeSeeds: Boolean!
  ) {
    saveAudience(name: $name, seeds: $seeds, size: $size, filter: $filter, vector: $vector, strategy: $strategy, excludeSeeds: $excludeSeeds) {
      id
      name
      size
      csvPath
      createdAt
      quality {
        recall
      }
    }
  }
`);

export const AudiencesQuery = graphql(`
  query Audiences {
    audiences {
      id
      name
      kind
      size
      heldBack
      version
      schedule
      nextRefreshAt
      refreshedAt
      createdAt
      createdBy
      csvPath
      quality {
        recall
      }
      versionOf {
        version
        added
        removed
        deliveries {
          id
          status
          attempts
          lastError
          nextAttemptAt
          destination {
            name
            kind
            paused
          }
        }
      }
    }
  }
`);

export const RefreshAudienceMutation = graphql(`
  mutation RefreshAudience($id: ID!) {
    refreshAudience(id: $id) {
      id
      status
    }
  }
`);

export const RelabelMutation = graphql(`
  mutation Relabel($id: ID!, $name: String, $description: String, $tags: [String!]) {
    relabelSegment(id: $id, name: $name, description: $description, tags: $tags) {
      id
      name
      label
      automaticName
      description
      automaticDescription
      tags
    }
  }
`);

export const RunSegmentationMutation = graphql(`
  mutation RunSegmentation($k: Int, $kRange: [Int!], $vector: VectorKind) {
    runSegmentation(k: $k, kRange: $kRange, vector: $vector) {
      id
      kind
      status
      progress
      processed
      total
      message
    }
  }
`);

export const JobQuery = graphql(`
  query Job($id: ID!) {
    job(id: $id) {
      id
      kind
      status
      progress
      processed
      total
      message
      error
      etaSeconds
      result
    }
  }
`);

export const AuditLogQuery = graphql(`
  query AuditLog($first: Int!, $after: String) {
    auditLog(first: $first, after: $after) {
      entries {
        id
        at
        actor
        role
        action
        target
        before
        after
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const ApiKeysQuery = graphql(`
  query ApiKeys {
    apiKeys {
      id
      name
      role
      prefix
      createdAt
      lastUsedAt
      expiresAt
      revokedAt
      active
    }
  }
`);

export const CreateApiKeyMutation = graphql(`
  mutation CreateApiKey($input: CreateApiKeyInput!) {
    createApiKey(input: $input) {
      key
      apiKey {
        id
        name
        role
        prefix
      }
    }
  }
`);

export const RevokeApiKeyMutation = graphql(`
  mutation RevokeApiKey($id: ID!) {
    revokeApiKey(id: $id) {
      id
      active
      revokedAt
    }
  }
`);

export const SetApiKeyExpiryMutation = graphql(`
  mutation SetApiKeyExpiry($id: ID!, $expiresAt: DateTimeISO) {
    setApiKeyExpiry(id: $id, expiresAt: $expiresAt) {
      id
      active
      expiresAt
    }
  }
`);
