// Scheduled refreshes. Each audience may carry a cron expression (UTC; five fields, or six with
// seconds first) and the time its next refresh is due. Every worker ticks: it finds due audiences,
// claims each by moving its due time on with a conditional update (so of several workers exactly one
// wins a given tick), and queues a refresh job on the shared queue. A refresh still running when the
// next falls due holds the audience's job lock: that tick is skipped, and said so, never queued twice.
// Why not pg-boss's own schedules: they are one per queue name, set by configuration; these are rows
// that marketers add and remove through the API.
import cronParser, { type CronExpression } from 'cron-parser';
import { ConflictError, InputError } from '../errors/domain-errors.js';
import { log } from '../observability/log.js';

/** What the scheduler needs of the saved audiences (saved-audiences.ts implements it). */
export interface ScheduledAudiences {
  due(now: Date): Promise<{ id: number; schedule: string; nextRefreshAt: Date }[]>;
  claimRefresh(id: number, was: Date, next: Date): Promise<boolean>;
  purgeExpired(): Promise<number>;
}

/** The first time after `after` that the schedule fires, and no sooner than `minIntervalSeconds` after it. */
export function nextRefresh(schedule: string, after: Date, minIntervalSeconds = 0): Date {
  const next = cronParser.parseExpression(schedule, { currentDate: after, utc: true }).next().getTime();
  return new Date(Math.max(next, after.getTime() + minIntervalSeconds * 1000));
}

/** Occurrences looked at for the shortest interval: enough to cover a day's pattern of most schedules. */
const OCCURRENCES_CHECKED = 48;
const YEAR_MS = 365 * 86_400_000;

/**
 * BAD_USER_INPUT on `field` unless `schedule` is a cron expression that fires, and never twice within
 * `minIntervalSeconds` (over its occurrences in the coming year, at most OCCURRENCES_CHECKED): a
 * refresh every second would recompute and deliver an audience without pause. The scheduler also
 * keeps that interval whatever a schedule says (nextRefresh), so no calendar corner slips through.
 */
export function validateSchedule(schedule: string, field: string, minIntervalSeconds: number): void {
  const refuse = (message: string, why: string) => {
    throw new InputError(message, [{ index: -1, field, message: why }]);
  };
  const cron = 'must be a cron expression: five fields (minute hour day month weekday), or six with seconds first';
  const now = new Date();
  let expression: CronExpression | undefined;
  try {
    if (schedule.trim() === '') throw new Error('empty');
    expression = cronParser.parseExpression(schedule, { utc: true, currentDate: now, endDate: new Date(now.getTime() + YEAR_MS) });
  } catch (error) {
    refuse(`"${schedule}" is not a cron expression (${error instanceof Error ? error.message : String(error)})`, cron);
  }
  const times: number[] = [];
  while (times.length < OCCURRENCES_CHECKED && expression!.hasNext()) times.push(expression!.next().getTime());
  // Nothing within a year: rare (once a year or less) is allowed; never (31 April) is not.
  if (times.length === 0) {
    try {
      cronParser.parseExpression(schedule, { utc: true, currentDate: now }).next();
    } catch {
      refuse(`"${schedule}" never fires (or too rarely to find the next time)`, 'must fire at least once in the years ahead');
    }
  }
  const shortest = Math.min(Infinity, ...times.slice(1).map((t, i) => (t - times[i]!) / 1000));
  if (shortest < minIntervalSeconds)
    refuse(
      `"${schedule}" fires ${shortest} s apart; the shortest interval allowed is ${minIntervalSeconds} s`,
      `must not fire more often than every ${minIntervalSeconds} s (AUDIENCE_MIN_INTERVAL_SECONDS)`,
    );
}

export class AudienceScheduler {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | undefined;

  constructor(
    private readonly audiences: ScheduledAudiences,
    /** Queues a refresh of the audience (ConflictError: one is already queued or running). */
    private readonly enqueueRefresh: (audienceId: number, schedule: string) => Promise<unknown>,
    /** How often to look for due audiences; the least time between two refreshes of one. */
    private readonly timing: { tickMs: number; minIntervalSeconds: number },
    /** Other due work looked for on the same tick (deliveries waiting for their next attempt). */
    private readonly alsoOnTick: () => Promise<unknown> = async () => undefined,
  ) {}

  start(): void {
    if (this.timer) return;
    void this.runTick();
    this.timer = setInterval(() => void this.runTick(), this.timing.tickMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
  }

  /** One look for due audiences; returns the ids whose refresh this process queued. */
  async tick(now = new Date()): Promise<number[]> {
    const queued: number[] = [];
    for (const due of await this.audiences.due(now)) {
      if (!(await this.audiences.claimRefresh(due.id, due.nextRefreshAt, nextRefresh(due.schedule, now, this.timing.minIntervalSeconds)))) continue;
      try {
        await this.enqueueRefresh(due.id, due.schedule);
        queued.push(due.id);
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        log('audiences').warn({ audienceId: due.id }, `scheduled refresh skipped: ${error.message}`);
      }
    }
    await this.audiences.purgeExpired();
    await this.alsoOnTick();
    return queued;
  }

  private runTick(): Promise<void> {
    // Ticks never overlap: a slow one (a database restarting) makes the next wait.
    if (this.ticking) return this.ticking;
    this.ticking = this.tick()
      .then(() => undefined)
      .catch((error: unknown) => log('audiences').error({ err: error }, 'audience schedule tick failed'))
      .finally(() => (this.ticking = undefined));
    return this.ticking;
  }
}
