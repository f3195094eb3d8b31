import { execa } from 'execa';
import type { CommandProbe, CommandRun } from './types.js';

const DEFAULT_TIMEOUT_MS = 10000;
const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

/** Runs local programs (docker, iptables-save, nft …) without a shell; arguments are never interpreted. */
export function createCommandProbe(): CommandProbe {
  return {
    async run(command: string, args: string[], options = {}): Promise<CommandRun> {
      const result = await execa(command, args, {
        reject: false,
        timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        cancelSignal: options.signal,
        stdin: 'ignore',
        maxBuffer: MAX_OUTPUT_BYTES,
        env: { LC_ALL: 'C' },
      });
      const base = { exitCode: result.exitCode ?? null, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
      if (result.timedOut || result.isCanceled) return { outcome: 'timeout', ...base };
      if ((result as { code?: string }).code === 'ENOENT') return { outcome: 'not-found', ...base };
      if (result.failed) return { outcome: 'failed', ...base };
      return { outcome: 'ok', ...base };
    },
  };
}
