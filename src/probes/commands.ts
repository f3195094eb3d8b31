import { execFile, type ExecFileException } from 'node:child_process';
import type { CommandProbe, CommandRun } from './types.js';

const DEFAULT_TIMEOUT_MS = 10000;
const MAX_OUTPUT_BYTES = 16 * 1024 * 1024;

/**
 * Runs local programs (docker, iptables-save, nft …) without a shell; arguments are never interpreted.
 * node:child_process directly: a process manager library would cost more to load than the commands take.
 */
export function createCommandProbe(): CommandProbe {
  return {
    run(command: string, args: string[], options = {}): Promise<CommandRun> {
      return new Promise((resolve) => {
        const child = execFile(
          command,
          args,
          {
            timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
            signal: options.signal,
            maxBuffer: MAX_OUTPUT_BYTES,
            env: { ...process.env, LC_ALL: 'C' },
            encoding: 'utf8',
          },
          (error: ExecFileException | null, stdout: string, stderr: string) => {
            const exitCode = error ? (typeof error.code === 'number' ? error.code : null) : 0;
            const base = { exitCode, stdout, stderr };
            if (!error) return resolve({ outcome: 'ok', ...base });
            if (error.code === 'ENOENT') return resolve({ outcome: 'not-found', ...base });
            if (error.code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') return resolve({ outcome: 'failed', ...base });
            // Killed at the time limit (execFile's timeout) or when the check was stopped (its signal).
            if (error.killed || error.name === 'AbortError') return resolve({ outcome: 'timeout', ...base, exitCode: null });
            resolve({ outcome: 'failed', ...base });
          },
        );
        // Nothing is ever written to a command: stdin is closed at once, so none waits for input.
        child.stdin?.end();
      });
    },
  };
}
