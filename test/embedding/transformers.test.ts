// The transformers.js path (any sentence-transformers model in the transformers.js layout), on a
// tiny BERT the suite builds itself: loading from a local directory, WordPiece tokenisation, mean
// pooling with the attention mask, L2 normalisation, batching. Semantic quality is the default
// model's job (test/embedding/use-lite.test.ts); these weights are random.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import ort from 'onnxruntime-node';
import { TransformersEmbedder } from '../../src/embedding/transformers/transformers-embedder.js';
import { TINY_BERT, tinyBertVocab, writeTinyBert } from '../support/tiny-bert.js';

describe('transformers.js embedder on a tiny BERT', () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'models-')), 'tiny-bert');
  let embedder: TransformersEmbedder;
  before(async () => {
    writeTinyBert(dir);
    embedder = await TransformersEmbedder.load(dir, {
      modelId: 'tiny-bert-test',
      dimensions: TINY_BERT.hidden,
      maxTokens: TINY_BERT.maxPositions,
      pooling: 'mean',
    });
  });
  after(() => embedder.dispose());

  test('WordPiece tokenisation through tokenizer.json: [CLS] … [SEP], subwords, unknowns', () => {
    const vocab = tinyBertVocab();
    assert.equal(embedder.countTokens('I love running shoes!'), 7); // [CLS] i love running shoes ! [SEP]
    assert.equal(embedder.countTokens('Runs'), 4); // [CLS] run ##s [SEP]
    assert.equal(embedder.countTokens('xylophone'), 3); // [CLS] [UNK] [SEP]
    assert.ok(vocab.includes('##s'));
  });

  test('mean pooling over real tokens only, then L2 normalisation, as computed by hand from the raw model', async () => {
    const text = 'my dog love cheap food';
    const [vector] = await embedder.embed([text]);
    const vocab = tinyBertVocab();
    const ids = [2, ...text.split(' ').map((w) => vocab.indexOf(w)), 3];
    const session = await ort.InferenceSession.create(path.join(dir, 'onnx', 'model.onnx'));
    const t = (data: number[]) => new ort.Tensor('int64', BigInt64Array.from(data.map(BigInt)), [1, data.length]);
    const out = await session.run({ input_ids: t(ids), attention_mask: t(ids.map(() => 1)), token_type_ids: t(ids.map(() => 0)) });
    const hidden = out.last_hidden_state!.data as Float32Array;
    const mean = new Float32Array(TINY_BERT.hidden);
    for (let i = 0; i < ids.length; i++) for (let j = 0; j < mean.length; j++) mean[j] = mean[j]! + hidden[i * mean.length + j]! / ids.length;
    const norm = Math.hypot(...mean);
    const cos = vector!.reduce((s, x, j) => s + x * (mean[j]! / norm), 0);
    assert.ok(cos > 0.99999, `cos ${cos}`);
    assert.ok(Math.abs(Math.hypot(...vector!) - 1) < 1e-5);
    await session.release();
  });

  test('batched, length-bucketed embedding equals one-by-one embedding, in input order', async () => {
    const texts = ['a', 'very very very great game controller for my baby and my cat', 'the dog', '中文', 'i love it'];
    const batch = await embedder.embed(texts);
    for (const [i, text] of texts.entries()) {
      const [single] = await embedder.embed([text]);
      const cos = single!.reduce((s, x, j) => s + x * batch[i]![j]!, 0);
      assert.ok(cos > 0.99999, `${text}: ${cos}`);
    }
    assert.equal(embedder.modelId, 'tiny-bert-test');
  });
});
