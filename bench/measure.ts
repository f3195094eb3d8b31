import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Run {
  wallMs: number;
  /** Peak resident set of the process, in MB; null when /usr/bin/time is not installed. */
  peakRssMb: number | null;
  code: number | null;
  stdout: string;
  stderr: string;
}

const TIME = '/usr/bin/time';
const scratch = mkdtempSync(join(tmpdir(), 'pd-bench-time-'));
process.on('exit', () => rmSync(scratch, { recursive: true, force: true }));
let counter = 0;

/**
 * Runs a program to its end without blocking this process (its forwarders keep serving meanwhile):
 * wall time from spawn to exit, and peak RSS as GNU time reports it (wait4's ru_maxrss).
 */
export function runProcess(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  const rssFile = join(scratch, `rss-${counter++}`);
  const [file, argv] = existsSync(TIME) ? [TIME, ['-f', '%M', '-o', rssFile, command, ...args]] : [command, args];
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(file, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      let peakRssMb: number | null = null;
      if (existsSync(rssFile)) {
        const kilobytes = Number(readFileSync(rssFile, 'utf8').trim().split('\n').at(-1));
        if (Number.isFinite(kilobytes)) peakRssMb = kilobytes / 1024;
        rmSync(rssFile);
      }
      resolve({ wallMs, peakRssMb, code, stdout: Buffer.concat(stdout).toString(), stderr: Buffer.concat(stderr).toString() });
    });
  });
}

export interface Stats {
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Peak RSS of the median run and of the worst one, in MB (the targets are on medians). */
  peakRssMb: number | null;
  peakRssMaxMb: number | null;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function statsOf(runs: Run[]): Stats {
  const walls = runs.map((run) => run.wallMs);
  const rss = runs.map((run) => run.peakRssMb).filter((value): value is number => value !== null);
  return {
    runs: runs.length,
    medianMs: Math.round(median(walls)),
    minMs: Math.round(Math.min(...walls)),
    maxMs: Math.round(Math.max(...walls)),
    peakRssMb: rss.length > 0 ? Math.round(median(rss) * 10) / 10 : null,
    peakRssMaxMb: rss.length > 0 ? Math.round(Math.max(...rss) * 10) / 10 : null,
  };
}
