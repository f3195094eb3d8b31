import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The directory holding the `docker` stand-in (test/support/docker/docker). */
export const DOCKER_STUB_DIR = fileURLToPath(new URL('./docker/', import.meta.url));

const ORIGINAL_PATH = process.env.PATH ?? '/usr/bin:/bin';

/**
 * Puts the docker stand-in first on PATH for every later command this process runs, answering as in
 * `scenario` (see test/support/docker/stub.mjs): running, scaled, smtp-restarting, worker-missing,
 * config-changed, env-helo, custom-env (useDockerEnvironments), legacy-names, image-paths, floating, no-daemon, permission-denied.
 */
export function useDockerScenario(scenario: string): void {
  process.env.PATH = `${DOCKER_STUB_DIR}:${ORIGINAL_PATH}`;
  process.env.DOCKER_STUB_SCENARIO = scenario;
}

/** The docker stand-in with Postal's three containers running, each service with its own extra variables. */
export function useDockerEnvironments(env: Partial<Record<'web' | 'smtp' | 'worker', string[]>>): void {
  useDockerScenario('custom-env');
  process.env.DOCKER_STUB_ENV = JSON.stringify(env);
}

/** A PATH without any docker binary. */
export function useNoDocker(): void {
  process.env.PATH = mkdtempSync(join(tmpdir(), 'pd-nodocker-'));
  delete process.env.DOCKER_STUB_SCENARIO;
}

export function restorePath(): void {
  process.env.PATH = ORIGINAL_PATH;
  delete process.env.DOCKER_STUB_SCENARIO;
  delete process.env.DOCKER_STUB_ENV;
}
