// The API's names for a customer's vectors and for the clustering methods, and the domain's name of
// each: total maps, so a kind added on either side without its counterpart fails to compile.
import { registerEnumType } from 'type-graphql';
import type { ClusteringAlgorithm } from '../../clustering/choose-k.js';
import type { VectorName } from '../../vectors/vector-store.js';

export enum VectorKind {
  TEXT = 'TEXT',
  LEXICAL = 'LEXICAL',
  BEHAVIOUR = 'BEHAVIOUR',
  COMBINED = 'COMBINED',
}
registerEnumType(VectorKind, { name: 'VectorKind', description: 'Which named vector of a customer to use.' });

export enum ClusteringMethod {
  SPECTRAL = 'SPECTRAL',
  KMEANS = 'KMEANS',
}
registerEnumType(ClusteringMethod, {
  name: 'ClusteringMethod',
  description:
    "SPECTRAL (default): k-means on the leading eigenvectors of the customers' 15-nearest-neighbour graph, members then assigned to the nearest segment centre. KMEANS: k-means on the vectors themselves.",
});

export const vectorNameOf: Record<VectorKind, VectorName> = {
  [VectorKind.TEXT]: 'text',
  [VectorKind.LEXICAL]: 'lexical',
  [VectorKind.BEHAVIOUR]: 'behaviour',
  [VectorKind.COMBINED]: 'combined',
};

export const clusteringAlgorithmOf: Record<ClusteringMethod, ClusteringAlgorithm> = {
  [ClusteringMethod.SPECTRAL]: 'spectral',
  [ClusteringMethod.KMEANS]: 'kmeans',
};
