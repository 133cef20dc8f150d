// Meaning over language. In a shop where some customers write Chinese and others English, the word
// views (text, lexical) hold two things at once: what a customer writes about, and which language they
// write it in. The second is the larger: every Chinese writer shares the Chinese words of praise, the
// retailer's Chinese name, the model's silence on Chinese (the offline sentence model reads English
// only), so Chinese writers of every persona sit closer to one another than to the English writers of
// their own persona — and segments come out split by language (measured on the shop family:
// bench:quality's "NMI vs language" column).
//
// What is removed is each script's offset, measured on the shop itself: how far the view of a customer
// writing in that script sits from all writers' mean, fitted by least squares on how much of each
// customer's own words (reviews, searches) is in each script. A customer's view then loses
// Σ share(script) × offset(script): a Chinese writer and an English writer of the same persona meet at
// the persona's place, and a bilingual customer loses half of each. Customers who write nothing keep
// their view. Only offsets are removed — no direction is learnt from labels — so what still differs
// between two writers of one script (their topics) stays, and a shop in one language is left as it is
// (fewer than MIN_WRITERS writers in the other script: no offsets).
//
// Scripts, not languages: Han characters and Latin letters are what a tokenizer-free count can tell
// apart; Japanese kana or Cyrillic count as neither and leave a customer's shares to the other text.
export const SCRIPTS = ['han', 'latin'] as const;
export type Script = (typeof SCRIPTS)[number];
export type ScriptShares = Record<Script, number>;
/** Per script: that script's writers' mean view minus all writers' mean view. */
export type LanguageOffsets = Record<Script, number[]>;

/** Below this many writers (in share-weighted count) in either script, a shop is treated as one-language. */
export const MIN_WRITERS = 20;
/** A Chinese word is about 1.7 characters long (jieba on the Chinese reviews): Han characters ÷ this ≈ words. */
const HAN_CHARACTERS_PER_WORD = 1.7;

const HAN = /\p{Script=Han}/gu;
const LATIN_WORD = /\p{Script=Latin}+/gu;

/** Shares of a customer's own words by script, by word count; null when they wrote no word of either. */
export function scriptShares(ownWords: string): ScriptShares | null {
  const han = (ownWords.match(HAN)?.length ?? 0) / HAN_CHARACTERS_PER_WORD;
  const latin = ownWords.match(LATIN_WORD)?.length ?? 0;
  const total = han + latin;
  return total > 0 ? { han: han / total, latin: latin / total } : null;
}

/**
 * The offsets of each script's writers in these vectors, or undefined for a one-language shop. Each
 * writer's view is taken as their persona plus Σ share(script) × β(script); the β are the least-squares
 * fit over all writers (a 2 × 2 system per dimension, the same matrix for all), so a bilingual customer
 * counts half towards each script. The offset of a script is its β less all writers' mean view.
 */
export function fitLanguageOffsets(vectors: readonly Float32Array[], shares: readonly (ScriptShares | null)[]): LanguageOffsets | undefined {
  const d = vectors[0]?.length ?? 0;
  // Normal equations: [hh hl; hl ll] β = [Σ han·v; Σ latin·v].
  let hh = 0;
  let hl = 0;
  let ll = 0;
  const byHan = new Float64Array(d);
  const byLatin = new Float64Array(d);
  const all = new Float64Array(d);
  let writers = 0;
  vectors.forEach((v, i) => {
    const s = shares[i];
    if (!s) return;
    hh += s.han * s.han;
    hl += s.han * s.latin;
    ll += s.latin * s.latin;
    for (let j = 0; j < d; j++) {
      byHan[j] = byHan[j]! + s.han * v[j]!;
      byLatin[j] = byLatin[j]! + s.latin * v[j]!;
      all[j] = all[j]! + v[j]!;
    }
    writers++;
  });
  const weight = { han: 0, latin: 0 };
  shares.forEach((s) => {
    if (s) for (const script of SCRIPTS) weight[script] += s[script];
  });
  const determinant = hh * ll - hl * hl;
  if (SCRIPTS.some((script) => weight[script] < MIN_WRITERS) || determinant <= 1e-9 * Math.max(1, hh * ll)) return undefined;
  const han = new Array<number>(d);
  const latin = new Array<number>(d);
  for (let j = 0; j < d; j++) {
    const mean = all[j]! / writers;
    han[j] = (ll * byHan[j]! - hl * byLatin[j]!) / determinant - mean;
    latin[j] = (hh * byLatin[j]! - hl * byHan[j]!) / determinant - mean;
  }
  return { han, latin };
}

/** The vector less the offsets of the scripts its customer writes in (unchanged without shares or offsets). */
export function removeLanguage(v: Float32Array, shares: ScriptShares | null, offsets: LanguageOffsets | undefined): Float32Array {
  if (!shares || !offsets) return v;
  const out = Float32Array.from(v);
  for (const script of SCRIPTS) {
    const s = shares[script];
    if (s === 0) continue;
    const o = offsets[script];
    for (let j = 0; j < out.length; j++) out[j] = out[j]! - s * o[j]!;
  }
  return out;
}

/** A customer's own words are a bridge when each script holds at least this share of them. */
const BRIDGE_SHARE = 0.2;
/**
 * A shop is two-language when its second script's writers of mostly that script (≥ 1 − BRIDGE_SHARE
 * of their words) are at least this share of all writers (and MIN_WRITERS).
 */
const SECOND_LANGUAGE_SHARE = 0.02;

/**
 * Which customers write both of a two-language shop's scripts (each ≥ BRIDGE_SHARE of their words):
 * the lexical view's parallel corpus (lexical-model.ts). Undefined unless each script has writers of
 * mostly that script — at least MIN_WRITERS and SECOND_LANGUAGE_SHARE of all writers: in a shop of
 * Chinese reviews, the few that quote an English brand name are not a bridge to anyone (20,000 real
 * reviews: 50 such, 1 written in English).
 */
export function bridgeDocuments(shares: readonly (ScriptShares | null)[]): boolean[] | undefined {
  const only = { han: 0, latin: 0 };
  let writers = 0;
  const bridges = shares.map((s) => {
    if (!s) return false;
    writers++;
    if (s.han >= 1 - BRIDGE_SHARE) only.han++;
    else if (s.latin >= 1 - BRIDGE_SHARE) only.latin++;
    return Math.min(s.han, s.latin) >= BRIDGE_SHARE;
  });
  const second = Math.min(only.han, only.latin);
  return second >= MIN_WRITERS && second >= SECOND_LANGUAGE_SHARE * writers ? bridges : undefined;
}
