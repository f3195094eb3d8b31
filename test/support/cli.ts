import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/postal-doctor.js', import.meta.url));
export const SHARED_FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/postal-configs/', import.meta.url));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI in this process with a recording terminal (not interactive, no colour). */
export async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: async (text) => void (stdout += text),
    stderr: async (text) => void (stderr += text),
    interactive: false,
    columns: 0,
    env,
    cwd: REPO,
  };
  const code = await runCli(['node', 'postal-doctor', ...args], io);
  return { code, stdout, stderr };
}

/** Runs the built bin as a user would, in a child process. */
export function binary(args: string[], env: NodeJS.ProcessEnv = {}): CliRun {
  const result = spawnSync(process.execPath, [...(env.NODE_IMPORT ? ['--import', env.NODE_IMPORT] : []), BIN, ...args], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true', ...env },
    timeout: 60000,
  });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}
