// Words of a text, in English and Chinese alike: NFKC (full-width letters and punctuation become
// ASCII), byte-order marks dropped, lower case; then runs of Chinese characters are cut by jieba
// (@node-rs/jieba with its bundled offline dictionary) into dictionary words (京东, 物流, 不错 — not 京
// and 东), and everything else at Unicode word boundaries (Latin, Cyrillic, Arabic…), so mixed zh/en
// texts need no language detection. Every place that splits text into words uses this: keywords,
// the lexical view.
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';
import { isStopword } from './stopwords.js';

let jieba: Jieba | undefined;
/** Loading the dictionary takes ~0.3 s: once per process, and only when text is first cut. */
function segmenter(): Jieba {
  return (jieba ??= Jieba.withDict(dict));
}

const HAN = /\p{Script=Han}/u;
/** Whether a word (as `words` cuts them) is Chinese: jieba's words are Han throughout, others have none. */
export const isHan = (word: string): boolean => HAN.test(word);
const WORDLIKE = /[\p{L}\p{N}]/u;
const NUMBER = /^[\p{N}.,:/-]+$/u;

export function normaliseText(text: string): string {
  return text
    .replace(/\uFEFF/g, '')
    .normalize('NFKC')
    .toLowerCase();
}

export interface WordOptions {
  /** Keep stopwords (default: drop them). */
  stopwords?: boolean;
  /** Shortest Latin word kept (default 2). */
  minLatinLength?: number;
  /** Shortest Chinese word kept (default 1: jieba's single-character words are words). */
  minHanLength?: number;
}

/** The words of `text`, in order: no punctuation, spaces, bare numbers or (by default) stopwords. */
export function words(text: string, options: WordOptions = {}): string[] {
  const minLatin = options.minLatinLength ?? 2;
  const minHan = options.minHanLength ?? 1;
  const out: string[] = [];
  const normalised = normaliseText(text);
  if (!normalised.trim()) return out;
  for (const token of tokens(normalised)) {
    const w = token.trim();
    if (!w || !WORDLIKE.test(w) || NUMBER.test(w)) continue;
    const han = HAN.test(w);
    if ([...w].length < (han ? minHan : minLatin)) continue;
    if (!options.stopwords && isStopword(w)) continue;
    out.push(w);
  }
  return out;
}

const HAN_RUNS = /(\p{Script=Han}+)/u;
const otherScripts = new Intl.Segmenter('und', { granularity: 'word' });

/** jieba for runs of Chinese characters; Unicode word boundaries (Intl.Segmenter) for every other script. */
function* tokens(text: string): Generator<string> {
  const parts = text.split(HAN_RUNS);
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (!part) continue;
    if (i % 2 === 1) yield* segmenter().cut(part, true);
    else for (const s of boundedSegments(part, otherScripts)) if (s.isWordLike) yield s.segment;
  }
}

/** Characters given to Intl.Segmenter at once (see boundedSegments). */
const SEGMENT_WINDOW = 1000;

/**
 * Intl.Segmenter's segments of a text of any length. V8 copies the whole input into every segment
 * it yields, so one 100,000-character text of words makes gigabytes of garbage (measured: out of
 * memory on 20,000 words); cut into windows that end at a space (else at any character that is not
 * a letter or digit), the copies stay small. A run of letters longer than a window is one word: the
 * window grows to its end, and such a run makes few segments, so few copies.
 */
export function* boundedSegments(text: string, segmenter: Intl.Segmenter): Generator<{ segment: string; isWordLike?: boolean }> {
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + SEGMENT_WINDOW);
    if (end < text.length) {
      const space = text.lastIndexOf(' ', end);
      if (space > start) end = space + 1;
      else {
        const window = text.slice(start, end);
        const boundary = Math.max(...[...window.matchAll(/[^\p{L}\p{N}\p{M}]/gu)].map((m) => m.index), -1);
        // After the boundary character, whole: an astral one (an emoji) is two UTF-16 units.
        if (boundary > 0) end = start + boundary + ((window.codePointAt(boundary) ?? 0) > 0xffff ? 2 : 1);
        else {
          const next = text.slice(end).search(/[^\p{L}\p{N}\p{M}]/u);
          end = next < 0 ? text.length : end + next;
        }
      }
    }
    for (const s of segmenter.segment(text.slice(start, end))) yield { segment: s.segment, isWordLike: s.isWordLike };
    start = end;
  }
}

/** Words fit to show people as keywords: Chinese words of two or more characters, Latin words of three or more letters. */
export function keywordWords(text: string): string[] {
  return words(text, { minHanLength: 2, minLatinLength: 3 });
}
