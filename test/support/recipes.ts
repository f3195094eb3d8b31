import { before, after } from 'node:test';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, REPO } from './cli.js';

export const RECIPES = join(REPO, 'docs/recipes');
export const SAMPLE = join(REPO, 'examples/postal.yml');
/** Where the recipes install the single executable; the tests put a postal-doctor of this checkout there instead. */
export const INSTALLED = '/usr/local/bin/postal-doctor';

export const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

/** The skip reason of a recipe test whose tool is not installed (printed), or false. */
export function missing(tool: string, debianPackage: string): string | false {
  if (has(tool)) return false;
  console.log(`# recipe tests skipped: ${tool} is not installed (Debian package ${debianPackage})`);
  return `${tool} is not installed (Debian package ${debianPackage})`;
}

/**
 * A `postal-doctor` command for this checkout in `directory`, standing for the single executable the recipes
 * install. It runs no host commands (an empty PATH: no docker, no iptables): the machine's Docker daemon is
 * shared with other tests, and two runs of a recipe must see the same host.
 */
export function doctorCommand(directory: string): string {
  const doctor = join(directory, 'postal-doctor');
  const noCommands = join(directory, 'no-commands');
  mkdirSync(noCommands);
  writeFileSync(doctor, `#!/bin/sh\nPATH='${noCommands}' exec '${process.execPath}' '${BIN}' "$@"\n`);
  chmodSync(doctor, 0o755);
  return doctor;
}

export function run(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}) {
  return spawnSync(command, args, { encoding: 'utf8', timeout: 100000, ...options, env: { ...process.env, CI: 'true', ...options.env } });
}

/** A scratch directory holding a doctor command, made before the tests of the calling file and removed after them. */
export function useRecipeWorkspace(): { scratch: () => string; doctor: () => string } {
  let scratch = '';
  let doctor = '';
  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'postal-doctor-recipes-'));
    doctor = doctorCommand(scratch);
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));
  return { scratch: () => scratch, doctor: () => doctor };
}
