/// <reference lib="dom" />
// `npm run bench:dashboard`: the dashboard in headless Chromium (the same browser and flags as the e2e
// tests) on a shop whose active run has BENCH_MAP_POINTS customers (100,000 by default) and, as the
// baseline measured in the same run, one with BENCH_BASELINE_POINTS (2,000, the demo's size).
// The runs are written straight into the database (customers through the batch writer, the run's
// segments and map positions by SQL: eight Gaussian blobs); embedding 100k customers is the embed
// benchmark's business, not this one's. Everything the browser sees goes through the real GraphQL API.
//
// Prints: first load (navigation → login form; key submitted → overview cards), the map view (click →
// all points drawn, including the customerMap query), the customerMap payload, and per-frame draw
// times while panning (60 keyboard pans) and zooming (20 wheel steps): median and p95, with ratios.
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { mulberry32 } from '../src/demo/random.js';
import { startTestApp, type TestApp } from '../test/support/app.js';
import { launchChromium } from '../test/support/browser.js';
import { databaseTargets } from '../test/support/databases.js';

const POINTS = Number(process.env.BENCH_MAP_POINTS ?? 100_000);
const BASELINE = Number(process.env.BENCH_BASELINE_POINTS ?? 2000);
const SEGMENTS = 8;

type MapWindow = { __customerMap?: { drawn: number; points: number; frameMs: number[] } };

const app = await startTestApp(databaseTargets()[0]!);
try {
  console.log(`Preparing ${POINTS.toLocaleString('en')} customers and two runs (${BASELINE.toLocaleString('en')} and ${POINTS.toLocaleString('en')} members)…`);
  for (let i = 0; i < POINTS; i += 10_000) {
    const records = Array.from({ length: Math.min(10_000, POINTS - i) }, (_, j) => ({
      id: `b${String(i + j).padStart(7, '0')}`,
      country: ['United Kingdom', 'France', 'Germany', 'Japan'][(i + j) % 4],
    }));
    await app.services.ingest.upsert('customers', records);
  }
  const small = await writeRun(app, BASELINE, 1);
  const large = await writeRun(app, POINTS, 2);
  const base = app.server.dashboardUrl!;
  const browser = await launchChromium();
  const results: Record<string, Record<string, number>> = {};
  try {
    for (const [label, runId, count] of [
      ['baseline', small, BASELINE],
      ['large', large, POINTS],
    ] as const) {
      await app.services.db.prisma.$executeRaw`UPDATE segmentation_run SET active = (id = ${runId})`;
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      const r: Record<string, number> = {};
      let t = performance.now();
      await page.goto(base);
      await page.getByLabel('API key').waitFor();
      r.loginFormMs = performance.now() - t;
      r.domContentLoadedMs = await page.evaluate(() => (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).domContentLoadedEventEnd);
      await page.getByLabel('API key').fill(app.keys.viewer);
      t = performance.now();
      await page.getByRole('button', { name: 'Log in' }).click();
      await page
        .getByTestId('segment-card')
        .nth(SEGMENTS - 1)
        .waitFor();
      r.loginToOverviewMs = performance.now() - t;
      t = performance.now();
      await page.getByRole('link', { name: 'Map' }).click();
      await page.waitForFunction((n) => (window as unknown as MapWindow).__customerMap?.drawn === n, count, { timeout: 120_000 });
      r.mapViewMs = performance.now() - t;
      const q = performance.now();
      const res = await fetch(app.server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${app.keys.viewer}` },
        body: JSON.stringify({ query: '{ customerMap { count customerIds x y segment segments { id } } }' }),
      });
      r.mapPayloadKiB = (await res.arrayBuffer()).byteLength / 1024;
      r.mapQueryMs = performance.now() - q;
      await page.locator('canvas.map-canvas').focus();
      const pan = await frames(page, async () => {
        for (let i = 0; i < 60; i++) await page.keyboard.press(i % 2 ? 'ArrowLeft' : 'ArrowRight');
      });
      const box = (await page.locator('canvas.map-canvas').boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      const zoom = await frames(page, async () => {
        for (let i = 0; i < 20; i++) {
          await page.mouse.wheel(0, i < 10 ? -120 : 120);
          await page.waitForTimeout(20);
        }
      });
      // Frame pacing as the browser sees it: one wheel step per animation frame for 90 frames, and the
      // intervals between frames (React re-render, redraw and compositing included).
      const framesBefore = await page.evaluate(() => (window as unknown as { __customerMap: { frames: number } }).__customerMap.frames);
      const intervals = await page.evaluate(
        () =>
          new Promise<number[]>((resolve) => {
            const canvas = document.querySelector('canvas.map-canvas')!;
            const rect = canvas.getBoundingClientRect();
            const times: number[] = [];
            const step = (t: number) => {
              times.push(t);
              if (times.length > 90) return resolve(times.slice(1).map((v, i) => v - times[i]!));
              const deltaY = times.length <= 45 ? -30 : 30;
              canvas.dispatchEvent(
                new WheelEvent('wheel', { deltaY, clientX: rect.left + rect.width / 2, clientY: rect.top + rect.height / 2, bubbles: true, cancelable: true }),
              );
              requestAnimationFrame(step);
            };
            requestAnimationFrame(step);
          }),
      );
      r.animatedRedraws = (await page.evaluate(() => (window as unknown as { __customerMap: { frames: number } }).__customerMap.frames)) - framesBefore;
      intervals.sort((a, b) => a - b);
      r.intervalMedianMs = intervals[Math.floor(intervals.length / 2)]!;
      r.intervalP95Ms = intervals[Math.floor(intervals.length * 0.95)]!;
      Object.assign(r, { panMedianMs: pan.median, panP95Ms: pan.p95, zoomMedianMs: zoom.median, zoomP95Ms: zoom.p95, frames: pan.n + zoom.n });
      results[label] = r;
      await context.close();
    }
  } finally {
    await browser.close();
  }
  const b = results.baseline!;
  const l = results.large!;
  const rows: [string, string, string, string][] = [
    ['navigation → login form (ms)', fmt(b.loginFormMs), fmt(l.loginFormMs), ratio(l.loginFormMs, b.loginFormMs)],
    ['DOMContentLoaded (ms)', fmt(b.domContentLoadedMs), fmt(l.domContentLoadedMs), ratio(l.domContentLoadedMs, b.domContentLoadedMs)],
    ['key submitted → overview cards (ms)', fmt(b.loginToOverviewMs), fmt(l.loginToOverviewMs), ratio(l.loginToOverviewMs, b.loginToOverviewMs)],
    ['Map click → all points drawn (ms)', fmt(b.mapViewMs), fmt(l.mapViewMs), ratio(l.mapViewMs, b.mapViewMs)],
    ['customerMap query alone (ms)', fmt(b.mapQueryMs), fmt(l.mapQueryMs), ratio(l.mapQueryMs, b.mapQueryMs)],
    ['customerMap payload (KiB)', fmt(b.mapPayloadKiB), fmt(l.mapPayloadKiB), ratio(l.mapPayloadKiB, b.mapPayloadKiB)],
    ['frame draw while panning, median (ms)', fmt(b.panMedianMs, 2), fmt(l.panMedianMs, 2), ratio(l.panMedianMs, b.panMedianMs)],
    ['frame draw while panning, p95 (ms)', fmt(b.panP95Ms, 2), fmt(l.panP95Ms, 2), ratio(l.panP95Ms, b.panP95Ms)],
    ['frame draw while zooming, median (ms)', fmt(b.zoomMedianMs, 2), fmt(l.zoomMedianMs, 2), ratio(l.zoomMedianMs, b.zoomMedianMs)],
    ['frame draw while zooming, p95 (ms)', fmt(b.zoomP95Ms, 2), fmt(l.zoomP95Ms, 2), ratio(l.zoomP95Ms, b.zoomP95Ms)],
    ['frame interval, animated zoom, median (ms)', fmt(b.intervalMedianMs, 1), fmt(l.intervalMedianMs, 1), ratio(l.intervalMedianMs, b.intervalMedianMs)],
    ['frame interval, animated zoom, p95 (ms)', fmt(b.intervalP95Ms, 1), fmt(l.intervalP95Ms, 1), ratio(l.intervalP95Ms, b.intervalP95Ms)],
    ['redraws during the 90 animated frames', fmt(b.animatedRedraws), fmt(l.animatedRedraws), ratio(l.animatedRedraws, b.animatedRedraws)],
  ];
  console.log(
    `\nDashboard in headless Chromium, 1280×800 — baseline ${BASELINE.toLocaleString('en')} map points vs ${POINTS.toLocaleString('en')} (frames measured: ${b.frames} and ${l.frames})\n`,
  );
  const header: [string, string, string, string] = ['', `${BASELINE.toLocaleString('en')} points`, `${POINTS.toLocaleString('en')} points`, 'ratio'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  for (const row of [header, ...rows]) console.log(row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  console.log('\nA frame is one full redraw of every point (ImageData written and put); 16.7 ms is one frame at 60 Hz.');
} finally {
  await app.close();
}

/** Draw times of the frames `act` causes (the map records each redraw's duration). */
async function frames(page: Page, act: () => Promise<void>): Promise<{ n: number; median: number; p95: number }> {
  const before = await page.evaluate(() => (window as unknown as MapWindow).__customerMap!.frameMs.length);
  await act();
  await page.waitForTimeout(100);
  const all = await page.evaluate(() => (window as unknown as MapWindow).__customerMap!.frameMs);
  const ms = all.slice(before).sort((a, b) => a - b);
  return { n: ms.length, median: ms[Math.floor(ms.length / 2)] ?? NaN, p95: ms[Math.min(ms.length - 1, Math.floor(ms.length * 0.95))] ?? NaN };
}

/** A finished, active-able run of the first `count` customers: eight blobs on the map. */
async function writeRun(app: TestApp, count: number, seed: number): Promise<number> {
  const prisma = app.services.db.prisma;
  const random = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const run = await prisma.segmentationRun.create({
    data: {
      collection: 'bench',
      modelId: 'bench',
      vectorName: 'combined',
      parameters: { bench: true },
      status: 'SUCCEEDED',
      k: SEGMENTS,
      kRule: 'forced',
      customerCount: count,
      finishedAt: new Date(),
      projection: { method: 'pca', explainedVariance: [0.3, 0.2] },
    },
  });
  const stats = {
    medians: { recencyDays: 20, frequency: 4, monetary: 800, averageOrderValue: 200, tenureDays: 300, returnRate: 0.05, meanRating: 4 },
    means: { recencyDays: 25, frequency: 5, monetary: 900, averageOrderValue: 210, tenureDays: 320, returnRate: 0.06, meanRating: 4 },
    archetype: 'regulars',
  };
  const segments: { id: number }[] = [];
  for (let s = 0; s < SEGMENTS; s++) {
    segments.push(
      await prisma.segment.create({
        data: {
          runId: run.id,
          lineageId: randomUUID(),
          index: s,
          autoName: `Blob ${s + 1}`,
          autoDescription: 'bench',
          size: Math.floor(count / SEGMENTS) + (s < count % SEGMENTS ? 1 : 0),
          share: 1 / SEGMENTS,
          centroid: new Uint8Array(4),
          stats,
          topCategories: [{ category: 'bench', share: 1 }],
          keywords: ['bench'],
          representatives: [],
          outlierDistance: 1,
        },
      }),
    );
  }
  const customers = await prisma.customer.findMany({ select: { id: true }, orderBy: { id: 'asc' }, take: count });
  const centres = Array.from({ length: SEGMENTS }, (_, s) => [Math.cos((s / SEGMENTS) * 2 * Math.PI) * 6, Math.sin((s / SEGMENTS) * 2 * Math.PI) * 6]);
  for (let i = 0; i < customers.length; i += 20_000) {
    const rows = customers.slice(i, i + 20_000).map((c, j) => {
      const s = (i + j) % SEGMENTS;
      return {
        run_id: run.id,
        customer_id: c.id,
        segment_id: segments[s]!.id,
        distance: random(),
        map_x: centres[s]![0]! + gauss(),
        map_y: centres[s]![1]! + gauss(),
      };
    });
    await prisma.$executeRaw`INSERT INTO membership (run_id, customer_id, segment_id, distance, map_x, map_y)
       SELECT x.run_id, x.customer_id, x.segment_id, x.distance, x.map_x, x.map_y
       FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(run_id int, customer_id int, segment_id int, distance float8, map_x float4, map_y float4)`;
  }
  return run.id;
}

function fmt(v: number | undefined, digits = 0): string {
  return v === undefined || Number.isNaN(v) ? '–' : v.toFixed(digits);
}

function ratio(a: number | undefined, b: number | undefined): string {
  return a === undefined || b === undefined || !b ? '–' : `${(a / b).toFixed(2)}×`;
}
