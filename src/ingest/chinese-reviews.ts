// The Chinese product-review set (../shared/datasets/chinese-reviews-dev, read in place, never
// copied): gzip CSV `cat,label,review`, one review per row. No customers, orders or dates: benches and
// tests treat one review as one customer. Stray byte-order marks inside reviews are dropped.
import fs from 'node:fs';
import zlib from 'node:zlib';
import { parse } from 'csv-parse/sync';

export interface ChineseReview {
  category: string;
  positive: boolean;
  text: string;
}

export function readChineseReviews(file: string, limit = Infinity): ChineseReview[] {
  const rows: { cat: string; label: string; review: string }[] = parse(zlib.gunzipSync(fs.readFileSync(file)), { columns: true, bom: true });
  return rows.slice(0, limit).map((r) => ({ category: r.cat, positive: r.label === '1', text: r.review.replace(/\uFEFF/g, '') }));
}
