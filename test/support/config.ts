import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { EffectiveConfig } from '../../src/config/effective.js';
import type { FileInfo, FileProbe, FileResult } from '../../src/probes/types.js';
import { loadConfigText } from '../../src/config/load.js';

/** Postal's own config files, kept beside the repository (never copied into it). */
const FIXTURES = new URL('../../../shared/fixtures/postal-configs/', import.meta.url);

export const FIXTURE_DIRECTORY = fileURLToPath(FIXTURES);

/** Why fixture tests cannot run here, or undefined when the fixtures are present. */
export const fixturesMissing: string | undefined = existsSync(FIXTURE_DIRECTORY) ? undefined : `Postal config fixtures not found at ${FIXTURE_DIRECTORY}`;

export function fixtureText(name: string): string {
  return readFileSync(new URL(name, FIXTURES), 'utf8');
}

/** A fixture loaded as if it were /opt/postal/config/postal.yml. */
export function fixtureConfig(name: string, env: Record<string, string> = {}): EffectiveConfig {
  return loadConfigText(fixtureText(name), { path: '/opt/postal/config/postal.yml', env }).config;
}

export interface FakeFile {
  mode: number;
  uid?: number;
  gid?: number;
  directory?: boolean;
}

/**
 * A files probe over a table of host paths: `{ '/opt/postal/config/smtp.key': { mode: 0o600 } }`.
 * Paths not in the table do not exist; `'error'` makes stat fail with permission denied.
 */
export function fakeFiles(table: Record<string, FakeFile | 'error'>): FileProbe {
  return {
    async stat(path: string): Promise<FileResult<FileInfo>> {
      const entry = table[path];
      if (entry === 'error') return { ok: false, code: 'EACCES', message: 'permission denied' };
      if (!entry) return { ok: false, code: 'ENOENT', message: 'no such file' };
      const directory = entry.directory === true;
      return {
        ok: true,
        value: {
          path,
          isFile: !directory,
          isDirectory: directory,
          size: 100,
          mode: (directory ? 0o040000 : 0o100000) | entry.mode,
          uid: entry.uid ?? 0,
          gid: entry.gid ?? 0,
          mtime: new Date('2026-01-01T00:00:00Z'),
        },
      };
    },
    async read(path: string): Promise<FileResult<Buffer>> {
      throw new Error(`files.read(${path}) was used but not faked`);
    },
    async statfs(path: string): Promise<never> {
      throw new Error(`files.statfs(${path}) was used but not faked`);
    },
  };
}

/** The installer's layout with safe permissions: the directory open, the files readable by group 999 only. */
export function safeInstallation(overrides: Record<string, FakeFile | 'error' | undefined> = {}): FileProbe {
  const table: Record<string, FakeFile | 'error'> = {
    '/opt/postal/config': { mode: 0o755, directory: true },
    '/opt/postal/config/postal.yml': { mode: 0o640, gid: 999 },
    '/opt/postal/config/smtp.key': { mode: 0o640, gid: 999 },
    '/opt/postal/config/signing.key': { mode: 0o640, gid: 999 },
  };
  for (const [path, entry] of Object.entries(overrides)) {
    if (entry === undefined) delete table[path];
    else table[path] = entry;
  }
  return fakeFiles(table);
}
