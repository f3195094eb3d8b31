import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface HostFile {
  text: string;
  /** Modification time; the default is 2026-11-27T08:00:00Z, before the docker stand-in's containers started (09:00). */
  mtime?: string;
}

/** A throw-away `--host-root`: files at their host paths (`/opt/postal/config/postal.yml` …) with chosen mtimes. */
export function makeHostRoot(files: Record<string, HostFile>): { root: string; cleanup(): void } {
  const root = mkdtempSync(join(tmpdir(), 'pd-host-'));
  for (const [path, file] of Object.entries(files)) {
    const onDisk = join(root, path);
    mkdirSync(dirname(onDisk), { recursive: true });
    writeFileSync(onDisk, file.text);
    const time = new Date(file.mtime ?? '2026-11-27T08:00:00Z');
    utimesSync(onDisk, time, time);
  }
  return { root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}
