// Live updates: a customer's new order, review or search reaches their vectors, segment and value
// between jobs, without a job over the whole shop (how soon under load: bench:live). The change feed (ingest/change-feed.ts) says
// who changed; each round takes the oldest waiting customers, re-embeds only what changed of them
// (the indexer's hashes skip the rest; their new texts meet the model, known ones come from the
// cache), places them in the active run's nearest segment (provisional when it is another one), and
// brings their value up to date from the run's fitted models — then deletes the feed rows it covered.
// A process that dies mid-round leaves them for the next round or the next process: nothing accepted
// is lost. The run's clustering itself waits for the next segmentation.
import type { ChangeFeed, PendingChange } from '../ingest/change-feed.js';
import { liveUpdateLag } from '../observability/metrics.js';
import { log } from '../observability/log.js';

/** What one round does to a set of customers (internal ids), in this order. */
export interface LiveSteps {
  /**
   * Writes their vectors into the collection readers use and places them (the indexer's refresh, whose
   * written points the segmentation service places); null when there is no such collection yet.
   */
  vectors(customerIds: number[]): Promise<{ written: number } | null>;
  /** Their histories and predictions in the active run. */
  values(customerIds: number[]): Promise<number>;
  /**
   * Loads what rounds use (the model, the collection's fitted space) before the first change arrives,
   * so that change does not wait seconds for it while later ones queue behind.
   */
  prepare?(): Promise<unknown>;
}

export interface LiveUpdatesOptions {
  /** How often the feed is read when nothing woke the loop (another process's writes). */
  pollMs: number;
  /** Feed rows read per round (customers are fewer when one changed several times). */
  window: number;
}

export interface LiveRound {
  customers: number;
  written: number;
  values: number;
  /** Waiting for a complete collection (no embed job has finished yet): nothing done, nothing covered. */
  waiting: boolean;
  /** Milliseconds spent reading the feed, on vectors (and placement), on values, and acknowledging. */
  ms: { feed: number; vectors: number; values: number; acknowledge: number };
}

export class LiveUpdates {
  private running: Promise<void> | undefined;
  private stopped = true;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private failures = 0;

  constructor(
    private readonly feed: ChangeFeed,
    private readonly steps: LiveSteps,
    private readonly options: LiveUpdatesOptions,
  ) {}

  /** Starts the loop (once). */
  start(): void {
    if (this.running) return;
    this.stopped = false;
    this.running = this.loop();
  }

  /** A write has committed: read the feed now instead of at the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Stops after the round in progress (its feed rows are deleted only if it finished). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    await this.running;
    this.running = undefined;
  }

  /** One round: the oldest waiting customers brought up to date, their feed rows deleted. */
  async round(): Promise<LiveRound> {
    const ms = { feed: 0, vectors: 0, values: 0, acknowledge: 0 };
    let t = performance.now();
    const lap = (step: keyof typeof ms) => {
      const now = performance.now();
      ms[step] = Math.round(now - t);
      t = now;
    };
    const pending = await this.feed.pending(this.options.window);
    lap('feed');
    if (pending.length === 0) return { customers: 0, written: 0, values: 0, waiting: false, ms };
    const ids = pending.map((p) => p.customerId);
    const vectors = await this.steps.vectors(ids);
    lap('vectors');
    if (!vectors) return { customers: 0, written: 0, values: 0, waiting: true, ms };
    const values = await this.steps.values(ids);
    lap('values');
    await this.feed.acknowledge(pending);
    lap('acknowledge');
    observeLag(pending);
    return { customers: pending.length, written: vectors.written, values, waiting: false, ms };
  }

  private async loop(): Promise<void> {
    try {
      await this.steps.prepare?.();
    } catch (error) {
      // Nothing lost: the first round loads what it needs itself.
      log('live').warn({ err: error }, 'live updates could not prepare; the first round will');
    }
    while (!this.stopped) {
      let busy: boolean;
      try {
        this.woken = false;
        const round = await this.round();
        busy = round.customers > 0;
        if (busy) log('live').debug(round, 'live update round');
        this.failures = 0;
      } catch (error) {
        // The rows stay; the next round tries them again, later each time while it keeps failing.
        this.failures++;
        log('live').warn({ err: error, failures: this.failures }, 'a live update round failed; its changes stay queued');
        await this.sleep(Math.min(30_000, 250 * 2 ** this.failures));
        continue;
      }
      // A full round may have left more behind it: go on at once. Otherwise wait for a write or the poll.
      if (!busy && !this.woken) await this.sleep(this.options.pollMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      timer.unref();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = undefined;
        done();
      };
    });
  }
}

function observeLag(covered: readonly PendingChange[]): void {
  const now = Date.now();
  for (const c of covered) liveUpdateLag.observe(Math.max(0, (now - c.since.getTime()) / 1000));
}
