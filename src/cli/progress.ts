import ora from 'ora';
import type { Io } from './io.js';

export interface Progress {
  update(finished: number, total: number, running: string[]): void;
  stop(): void;
}

/** A spinner on stderr while checks run; nothing at all when not on an interactive terminal. */
export function startProgress(io: Io, wanted: boolean): Progress {
  if (!wanted || !io.interactive) return { update: () => undefined, stop: () => undefined };
  const spinner = ora({ text: 'Starting checks', stream: process.stderr }).start();
  return {
    update(finished, total, running) {
      const current = running.length > 0 ? ` — ${running.slice(0, 3).join(', ')}${running.length > 3 ? ' …' : ''}` : '';
      spinner.text = `Checking ${finished}/${total}${current}`;
    },
    stop: () => spinner.stop(),
  };
}
