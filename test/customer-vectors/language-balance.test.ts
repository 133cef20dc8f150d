// Meaning over language (customer-vectors/language-balance.ts) and the views' live shares
// (customer-space.ts), on vectors made so that the answer is known.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { balanceViews, liveShare } from '../../src/customer-vectors/customer-space.js';
import {
  bridgeDocuments,
  fitLanguageOffsets,
  MIN_WRITERS,
  removeLanguage,
  scriptShares,
  type ScriptShares,
} from '../../src/customer-vectors/language-balance.js';
import { mulberry32 } from '../../src/demo/random.js';

describe('script shares', () => {
  test('by words: Han characters over 1.7 per word, Latin words; null for none', () => {
    assert.deepEqual(scriptShares('fast delivery, love it'), { han: 0, latin: 1 });
    assert.deepEqual(scriptShares('物流很快'), { han: 1, latin: 0 });
    const mixed = scriptShares('物流很快 fast delivery')!;
    assert.ok(Math.abs(mixed.han - 4 / 1.7 / (4 / 1.7 + 2)) < 1e-12);
    assert.equal(scriptShares(''), null);
    assert.equal(scriptShares('123 !!'), null);
  });
});

describe('language offsets', () => {
  // Two personas (directions a, b) written in two languages (offsets zh, en) plus noise.
  const d = 6;
  const rng = mulberry32(7);
  const persona = [
    [1, 0, 0, 0, 0, 0],
    [0, 1, 0, 0, 0, 0],
  ];
  const language = { han: [0, 0, 2, 0, 0, 0], latin: [0, 0, 0, 2, 0, 0] };
  const rows: { v: Float32Array; persona: number; shares: { han: number; latin: number } | null }[] = [];
  for (let i = 0; i < 400; i++) {
    const p = i % 2;
    const kind = i % 5; // 0–1 Chinese, 2–3 English, 4 both
    const shares = kind < 2 ? { han: 1, latin: 0 } : kind < 4 ? { han: 0, latin: 1 } : { han: 0.5, latin: 0.5 };
    const v = Float32Array.from(
      { length: d },
      (_, j) => persona[p]![j]! + shares.han * language.han[j]! + shares.latin * language.latin[j]! + 0.1 * (rng() - 0.5),
    );
    rows.push({ v, persona: p, shares });
  }
  const offsets = fitLanguageOffsets(
    rows.map((r) => r.v),
    rows.map((r) => r.shares),
  )!;

  test('the offsets are each script’s fitted part less all writers’ mean (bilinguals count half to each)', () => {
    // Writers: 40 % Chinese, 40 % English, 20 % both → mean language part (1, 1) on dims 2, 3; the fit
    // recovers Chinese = (2, 0), English = (0, 2), so the offsets are (1, −1) and (−1, 1). (Plain
    // share-weighted means would give 0.8: the bilinguals' halves pull each script towards the other.)
    assert.ok(Math.abs(offsets.han[2]! - (2 - 1)) < 0.05, `${offsets.han[2]}`);
    assert.ok(Math.abs(offsets.latin[3]! - (2 - 1)) < 0.05, `${offsets.latin[3]}`);
    assert.ok(Math.abs(offsets.han[3]! + 1) < 0.05 && Math.abs(offsets.latin[2]! + 1) < 0.05);
    assert.ok(Math.abs(offsets.han[0]!) < 0.05 && Math.abs(offsets.latin[1]!) < 0.05, 'persona directions are not offsets');
  });

  test('after removal the same persona in either language is one group, and the personas stay apart', () => {
    const cleaned = rows.map((r) => removeLanguage(r.v, r.shares, offsets));
    const dist = (a: Float32Array, b: Float32Array) => Math.sqrt(a.reduce((s, x, j) => s + (x - b[j]!) ** 2, 0));
    const zh = cleaned.findIndex((_, i) => rows[i]!.persona === 0 && rows[i]!.shares!.han === 1);
    const en = cleaned.findIndex((_, i) => rows[i]!.persona === 0 && rows[i]!.shares!.latin === 1);
    const both = cleaned.findIndex((_, i) => rows[i]!.persona === 0 && rows[i]!.shares!.han === 0.5);
    const other = cleaned.findIndex((_, i) => rows[i]!.persona === 1 && rows[i]!.shares!.han === 1);
    assert.ok(dist(rows[zh]!.v, rows[en]!.v) > 2, 'before: languages apart');
    assert.ok(dist(cleaned[zh]!, cleaned[en]!) < 0.3, `after: ${dist(cleaned[zh]!, cleaned[en]!)}`);
    assert.ok(dist(cleaned[zh]!, cleaned[both]!) < 0.3);
    assert.ok(dist(cleaned[zh]!, cleaned[other]!) > 1.2, 'personas still apart');
  });

  test('customers who write nothing, and shops in one language, are left as they are', () => {
    const v = Float32Array.from([1, 2, 3, 4, 5, 6]);
    assert.equal(removeLanguage(v, null, offsets), v);
    const oneLanguage = rows.map(() => ({ han: 0, latin: 1 }));
    assert.equal(
      fitLanguageOffsets(
        rows.map((r) => r.v),
        oneLanguage,
      ),
      undefined,
    );
    // A few writers of the other script are too few to measure an offset from.
    const few = rows.map((r, i) => (i < MIN_WRITERS - 1 ? { han: 1, latin: 0 } : { han: 0, latin: 1 }));
    assert.equal(
      fitLanguageOffsets(
        rows.map((r) => r.v),
        few,
      ),
      undefined,
    );
  });
});

describe('views count by what varies', () => {
  test('liveShare: the share of columns that vary', () => {
    const rows = Array.from({ length: 50 }, (_, i) => Float32Array.from([i % 5, 0, 0, 0]));
    assert.equal(liveShare(rows), 0.25);
    assert.equal(liveShare(Array.from({ length: 50 }, (_, i) => Float32Array.from([i % 5, i % 3, (i * 7) % 11, i]))), 1);
    assert.equal(liveShare(Array.from({ length: 50 }, () => Float32Array.from([1, 1]))), 1, 'a constant view is caught by its variance, not here');
  });

  test('balanceViews multiplies the weight by the live share and says why', () => {
    const views = balanceViews(
      { text: 2, lexical: 1, value: 0, habits: 1, mix: 1 },
      { text: 1, lexical: 2, value: 1, habits: 0.5, mix: 1 },
      { habits: 0.25, text: 0.1 },
    );
    assert.equal(views.habits.weight, 0.125);
    assert.ok(Math.abs(views.habits.scale - Math.sqrt(0.125 / 1)) < 1e-12);
    assert.match(views.habits.note!, /only 25 % of its features vary in this shop: weight 0.5 × 0.25/);
    assert.match(views.text.note!, /the sentence model reads 10 % of this shop's words/);
    assert.equal(views.lexical.weight, 2);
    assert.equal(views.lexical.note, undefined);
    assert.equal(views.value.weight, 0);
    assert.match(views.value.note!, /every customer has the same value view/);
  });
});

describe('bridge documents', () => {
  const times = (n: number, shares: ScriptShares | null): (ScriptShares | null)[] => Array.from({ length: n }, () => shares);
  const zh = { han: 1, latin: 0 };
  const en = { han: 0, latin: 1 };
  const both = { han: 0.5, latin: 0.5 };
  const quoting = { han: 0.85, latin: 0.15 };

  test('in a two-language shop, the customers who write both scripts', () => {
    const shares = [...times(40, zh), ...times(40, en), ...times(10, both), ...times(5, quoting), ...times(1, null)];
    const bridges = bridgeDocuments(shares)!;
    assert.deepEqual(
      bridges.map((b, i) => (b ? i : -1)).filter((i) => i >= 0),
      Array.from({ length: 10 }, (_, i) => 80 + i),
    );
  });

  test('none in a shop of one language whose few mixed texts quote the other (Chinese reviews naming English brands)', () => {
    assert.equal(bridgeDocuments([...times(500, zh), ...times(30, both), ...times(MIN_WRITERS - 1, en)]), undefined);
    // Enough writers of the second language in number, but under 2 % of the shop: still one language.
    assert.equal(bridgeDocuments([...times(5000, zh), ...times(60, both), ...times(50, en)]), undefined);
    assert.equal(bridgeDocuments([...times(50, zh), ...times(60, both), ...times(50, en)])?.filter(Boolean).length, 60);
  });
});
