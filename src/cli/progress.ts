// A progress bar on a terminal; plain lines every few seconds elsewhere (CI logs, pipes).
import cliProgress from 'cli-progress';

export interface Progress {
  update(value: number, total?: number, detail?: string): void;
  stop(): void;
}

/** How often plain (non-terminal) progress lines are printed; PROGRESS_INTERVAL_MS overrides. */
const plainInterval = Number(process.env.PROGRESS_INTERVAL_MS ?? 5000);

export function progressBar(label: string, total: number, unit = ''): Progress {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label.padEnd(18)} [{bar}] {percentage}% | {value}/{total}${unit} | {detail} | ETA {eta_formatted}`,
        stream: process.stderr,
        hideCursor: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { detail: '' });
    return {
      update: (value, newTotal, detail = '') => {
        if (newTotal !== undefined) bar.setTotal(newTotal);
        bar.update(value, { detail });
      },
      stop: () => bar.stop(),
    };
  }
  let lastPrint = 0;
  let current = 0;
  let max = total;
  const print = (detail: string) => {
    const pct = max > 0 ? Math.floor((current / max) * 100) : 100;
    process.stderr.write(`${label}: ${pct}% (${current}/${max}${unit})${detail ? ` ${detail}` : ''}\n`);
  };
  return {
    update: (value, newTotal, detail = '') => {
      current = value;
      if (newTotal !== undefined) max = newTotal;
      if (Date.now() - lastPrint >= plainInterval) {
        lastPrint = Date.now();
        print(detail);
      }
    },
    stop: () => print('done'),
  };
}
