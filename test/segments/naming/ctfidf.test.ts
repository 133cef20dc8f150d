// c-TF-IDF keywords against the formula the module documents, worked by hand and re-derived here:
// weight = (term count in the class / words in the class) × log(1 + A / f), A = average words per class,
// f = the term's count across all classes. (No scikit-learn check: scikit-learn has no class-based
// TF-IDF, BERTopic is not installed, and test/support/python.ts only runs scripts kept in scripts/.)
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mulberry32 } from '../../../src/demo/random.js';
import { classKeywords, tokenize } from '../../../src/segments/naming/ctfidf.js';

const repeat = (word: string, n: number) => Array.from({ length: n }, () => word).join(' ');

/** The documented formula, written out independently: every class's words with their weights. */
function referenceScores(documents: string[][]): Map<string, number>[] {
  const counts = documents.map((texts) => {
    const m = new Map<string, number>();
    for (const w of texts.flatMap((t) => tokenize(t))) m.set(w, (m.get(w) ?? 0) + 1);
    return m;
  });
  const sizes = counts.map((m) => [...m.values()].reduce((a, b) => a + b, 0));
  const A = sizes.reduce((a, b) => a + b, 0) / documents.length;
  const f = new Map<string, number>();
  for (const m of counts) for (const [w, n] of m) f.set(w, (f.get(w) ?? 0) + n);
  return counts.map((m, c) => new Map([...m].map(([w, n]) => [w, (n / sizes[c]!) * Math.log1p(A / f.get(w)!)])));
}

describe('c-TF-IDF weights', () => {
  test('a hand-worked example: a rarer word specific to the class beats a more frequent shared one', () => {
    // Class sizes 5, 5, 5 → A = 5. f(alpha) = 6, f(bravo) = f(charlie) = 2, f(delta) = 5.
    //   class 0: alpha 3/5 · ln(1 + 5/6) = 0.364, bravo 2/5 · ln(1 + 5/2) = 0.501 → bravo first.
    //   class 1: alpha 0.364, charlie 0.501 → charlie first.  Plain term frequency would put alpha first.
    const documents = [
      [`${repeat('alpha', 3)} ${repeat('bravo', 2)}`],
      [repeat('alpha', 2), `alpha ${repeat('charlie', 2)}`], // a class's texts are pooled into one document
      [repeat('delta', 5)],
    ];
    assert.deepEqual(classKeywords(documents), [['bravo', 'alpha'], ['charlie', 'alpha'], ['delta']]);
    // The hand numbers above, from the reference, so the comment and the formula agree.
    const ref = referenceScores(documents);
    assert.ok(Math.abs(ref[0]!.get('alpha')! - 0.6 * Math.log(1 + 5 / 6)) < 1e-12 && Math.abs(ref[0]!.get('alpha')! - 0.3637) < 1e-4);
    assert.ok(Math.abs(ref[0]!.get('bravo')! - 0.4 * Math.log(3.5)) < 1e-12 && Math.abs(ref[0]!.get('bravo')! - 0.5011) < 1e-4);
    assert.ok(Math.abs(ref[1]!.get('charlie')! - ref[0]!.get('bravo')!) < 1e-12);
  });

  test('where frequency wins over rarity: A decides, as the formula says (an empty class counts in A)', () => {
    // xenon: 3 of the class's 4 words, f = 6; yttrium: 1 word, f = 1. xenon first iff 3·ln(1 + A/6) > ln(1 + A).
    //   A = (4 + 8) / 2 = 6: xenon 0.75·ln 2 = 0.520 > yttrium 0.25·ln 7 = 0.487.
    //   Add an empty class, A = 12 / 3 = 4: xenon 0.75·ln(5/3) = 0.383 < yttrium 0.25·ln 5 = 0.402.
    const first = [`${repeat('xenon', 3)} yttrium`];
    const other = [`${repeat('xenon', 3)} ${repeat('argon', 5)}`];
    assert.deepEqual(classKeywords([first, other])[0], ['xenon', 'yttrium']);
    const withEmpty = classKeywords([first, other, []]);
    assert.deepEqual(withEmpty[0], ['yttrium', 'xenon']);
    assert.deepEqual(withEmpty[2], []);
  });

  test('a term spread evenly over every class ranks last in each, below words said once', () => {
    const classes = ['boots', 'tents', 'lamps', 'kayaks'].map((item, c) => [
      `delivery ${item} delivery`,
      `delivery fast${'abcd'[c]}one delivery`, // distinct filler words per class
    ]);
    const keywords = classKeywords(classes, 100);
    keywords.forEach((words, c) => {
      assert.equal(words.at(-1), 'delivery', `class ${c}: ${words.join(' ')}`);
      assert.equal(words.length, 3);
    });
    // delivery: 4/6 · ln(1 + 6/16) = 0.212 < item: 1/6 · ln(1 + 6/1) = 0.324 — four times as frequent, still lower.
    const ref = referenceScores(classes);
    assert.ok(ref[0]!.get('delivery')! < ref[0]!.get('boots')!);
  });

  test("every class's ranking follows the reference weights on a random corpus", () => {
    const rng = mulberry32(3);
    const syllables = ['ba', 'ko', 'mi', 'tu', 'ze', 'ra', 'no', 'li', 've', 'du'];
    // Made-up words, kept only if the tokenizer keeps them whole (no stopword such as "more" slips in).
    const vocabulary = syllables
      .flatMap((a) => syllables.map((b) => a + b))
      .filter((w) => tokenize(w).join() === w)
      .slice(0, 60);
    assert.ok(vocabulary.length >= 50);
    const documents = Array.from({ length: 6 }, (_, c) =>
      Array.from({ length: 5 + c * 3 }, () =>
        // Each class leans on its own slice of the vocabulary, with some words from anywhere.
        Array.from(
          { length: 5 + Math.floor(rng() * 6) },
          () => vocabulary[rng() < 0.7 ? c * 8 + Math.floor(rng() * 12) : Math.floor(rng() * vocabulary.length)]!,
        ).join(' '),
      ),
    );
    const ref = referenceScores(documents);
    // Texts of 5–10 words: the average A is not a whole number, so it cannot be rounded on the way.
    const total = documents.flat().reduce((n, t) => n + tokenize(t).length, 0);
    assert.notEqual(total % documents.length, 0);
    const keywords = classKeywords(documents, 1000);
    keywords.forEach((words, c) => {
      assert.deepEqual([...words].sort(), [...ref[c]!.keys()].sort(), `class ${c}: every word of the class, once`);
      for (let i = 1; i < words.length; i++) {
        const [prev, cur] = [ref[c]!.get(words[i - 1]!)!, ref[c]!.get(words[i]!)!];
        assert.ok(prev >= cur - 1e-12, `class ${c}: ${words[i - 1]} (${prev}) before ${words[i]} (${cur})`);
      }
    });
    // The default is the top 10, the first 10 of the full ranking.
    assert.deepEqual(
      classKeywords(documents),
      keywords.map((w) => w.slice(0, 10)),
    );
  });
});

describe('c-TF-IDF keywords: words, limits and order', () => {
  test('words are case-folded; stopwords, bare numbers, short Latin words and single Chinese characters are not keywords', () => {
    assert.deepEqual(tokenize('The Alpha and ALPHA ok 2024 京东物流 好'), ['alpha', 'alpha', '京东', '物流']);
    const [keywords] = classKeywords([['The Alpha and ALPHA ok 2024 京东物流 好']]);
    assert.deepEqual([...keywords!].sort(), ['alpha', '京东', '物流'].sort());
    assert.equal(keywords![0], 'alpha', 'counted twice, once per spelling');
  });

  test('`top` bounds the list (10 by default); equal weights are in alphabetical order', () => {
    const words = Array.from({ length: 15 }, (_, i) => `word${String.fromCharCode(111 - i)}`); // wordo … worda
    assert.equal(classKeywords([[words.join(' ')]])[0]!.length, 10);
    assert.deepEqual(classKeywords([[words.join(' ')]], 3)[0], ['worda', 'wordb', 'wordc']);
    assert.deepEqual(classKeywords([['zulu yankee xray']]), [['xray', 'yankee', 'zulu']]);
  });

  test('no classes, or classes without words, give empty lists', () => {
    assert.deepEqual(classKeywords([]), []);
    assert.deepEqual(classKeywords([[], ['', 'the and of'], ['alpha']]), [[], [], ['alpha']]);
  });
});
