import type { Ora } from 'ora';
import type { Io } from './io.js';

export interface Progress {
  update(finished: number, total: number, running: string[]): void;
  /** Prints text on stdout with the spinner out of the way, then draws it again. */
  print(text: string): Promise<void>;
  stop(): void;
}

/**
 * Whether a spinner can be drawn on the stream: a terminal that reports its width. A pseudo-terminal
 * of width 0 (`script` without a terminal, some `docker exec -t` and serial consoles) would make ora
 * clear an infinite number of lines, and the run would never end.
 */
export function canDrawSpinner(stream: Pick<NodeJS.WriteStream, 'isTTY' | 'columns'>): boolean {
  return Boolean(stream.isTTY) && (stream.columns ?? 0) > 0;
}

/**
 * A spinner on stderr while checks run. Nothing at all (no cursor or clear-line escapes either) unless
 * wanted, on an interactive terminal; `--no-color`, NO_COLOR and CI switch it off like colour. The spinner
 * library is loaded only when one is drawn: a run in CI or cron does not pay for it.
 */
export function startProgress(io: Io, wanted: boolean, stream: NodeJS.WriteStream = process.stderr): Progress {
  if (!wanted || !io.interactive || !canDrawSpinner(stream)) {
    return { update: () => undefined, print: (text) => io.stdout(text), stop: () => undefined };
  }
  let text = 'Starting checks';
  let spinner: Ora | undefined;
  let stopped = false;
  void import('ora').then(({ default: ora }) => {
    if (!stopped) spinner = ora({ text, stream }).start();
  });
  return {
    update(finished, total, running) {
      const current = running.length > 0 ? ` — ${running.slice(0, 3).join(', ')}${running.length > 3 ? ' …' : ''}` : '';
      text = `Checking ${finished}/${total}${current}`;
      if (spinner) spinner.text = text;
    },
    stop: () => {
      stopped = true;
      spinner?.stop();
    },
    async print(output) {
      spinner?.clear();
      await io.stdout(output);
      spinner?.render();
    },
  };
}
