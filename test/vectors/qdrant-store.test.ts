// The same contract against a real Qdrant server. No Qdrant runs on our machines, so this suite
// runs only where QDRANT_URL names one (e.g. `docker compose up qdrant`, then QDRANT_URL=http://127.0.0.1:6333).
import { describe } from 'node:test';
import { QdrantVectorStore } from '../../src/vectors/qdrant/qdrant-store.js';
import { vectorStoreContract } from './vector-store.contract.js';

const url = process.env.QDRANT_URL;
if (url) vectorStoreContract('qdrant', async () => new QdrantVectorStore({ url, apiKey: process.env.QDRANT_API_KEY }));
else describe('VectorStore contract: qdrant', { skip: 'QDRANT_URL is not set: no Qdrant server to test against' }, () => {});
