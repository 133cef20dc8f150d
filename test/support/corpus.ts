// Texts for model tests: real product descriptions, the demo shop's words, hand-picked edge cases
// from ../shared/models/USE-LITE.md, and seeded random strings that mix scripts and symbols.
import fs from 'node:fs';
import zlib from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { loadSettings } from '../../src/config/settings.js';
import { PERSONAS } from '../../src/demo/personas.js';
import { mulberry32 } from '../../src/demo/random.js';

export const EDGE_CASES = [
  '',
  ' ',
  '  ',
  ':',
  '::',
  ':30',
  ': leading colon',
  ':colon: and more',
  '-----',
  '----------',
  '0000',
  '00000000',
  '====',
  'aaaaaaaaaaaaaaaaaaaa',
  'tab\tseparated\ttext',
  'new\nline',
  '\t\t',
  'emoji 😀 in text',
  '😀😀😀',
  '👍🏽 thumbs',
  '中文评论很好',
  '质量很好，下次还买',
  'mixed 中英 text',
  'ＦＵＬＬ ｗｉｄｔｈ',
  'café naïve résumé',
  'ﬁ ligature',
  '½ price',
  'UPPER CASE PRODUCT DESCRIPTION',
  'RECORD FRAME 7" SINGLE SIZE',
  '£10 gift voucher',
  'a',
  'I',
  '...',
  '!!!',
  '?',
  'x'.repeat(400),
  'word '.repeat(200),
  '\u00a0nbsp',
  'trailing space ',
  ' leading space',
  'a  double  space',
];

export function retailDescriptions(limit = Infinity): string[] {
  const csv = zlib.gunzipSync(fs.readFileSync(loadSettings().onlineRetailPath)).toString('utf8');
  const rows: string[][] = parse(csv, { from_line: 2 });
  const seen = new Set<string>();
  for (const row of rows) {
    if (seen.size >= limit) break;
    if (row[2]) seen.add(row[2]);
  }
  return [...seen];
}

export function demoTexts(): string[] {
  return PERSONAS.flatMap((p) => [...p.searchesEn, ...p.searchesZh, ...p.reviewsEn, ...p.reviewsZh, ...p.products]);
}

export function randomTexts(count: number, seed = 11): string[] {
  const rng = mulberry32(seed);
  const alphabet = ['a', 'b', 'e', 's', 't', ' ', ' ', ':', '-', '0', '1', 'x', 'é', '中', '文', '😀', '\t', '.', ',', 'Q', 'ing', 'the ', 'tion'];
  return Array.from({ length: count }, () => {
    const len = Math.floor(rng() * 40);
    let s = '';
    for (let i = 0; i < len; i++) s += alphabet[Math.floor(rng() * alphabet.length)]!;
    return s;
  });
}

/** Natural sentences for embedding comparisons. */
export function sentences(count: number, seed = 5): string[] {
  const rng = mulberry32(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rng() * xs.length)]!;
  const subjects = ['I', 'My daughter', 'We', 'Our team', 'The customer', 'My partner'];
  const verbs = ['bought', 'returned', 'loved', 'recommended', 'ordered', 'compared'];
  const base = [...demoTexts(), ...EDGE_CASES.filter((t) => t.trim() !== '')];
  const out: string[] = [];
  while (out.length < count) {
    const product = pick(PERSONAS).products;
    out.push(rng() < 0.5 ? pick(base) : `${pick(subjects)} ${pick(verbs)} the ${pick(product).toLowerCase()} last ${pick(['week', 'month', 'year'])}.`);
  }
  return out;
}
