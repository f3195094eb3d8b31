import type { EffectiveConfig } from '../config/effective.js';
import { configFromSource, readConfigFile } from '../config/load.js';
import { containersOf, postalContainers, sharedEnvironment } from '../knowledge/postal/containers.js';
import { createFactStore, type FactStore } from './facts.js';
import { createContext } from './runner.js';
import type { RunOptions } from './types.js';
import type { Probes } from '../probes/types.js';

/**
 * postal.yml as the running Postal sees it: the file, with the environment of the Postal containers on
 * top (Postal gives the environment precedence). The facts read on the way are kept for the run.
 */
export async function loadDeployment(options: RunOptions, probes: Probes, signal: AbortSignal): Promise<{ config: EffectiveConfig; facts: FactStore }> {
  const source = await readConfigFile(options.configPath, options.hostRoot);
  const fileOnly = configFromSource(source).config;
  const facts = createFactStore(probes, options.offline, signal);
  const containers = await postalContainers(createContext({ config: fileOnly, options, probes }, facts));
  const env = containers.ok ? sharedEnvironment(containers.containers) : {};
  const config = Object.keys(env).length > 0 ? configFromSource(source, { env }).config : fileOnly;
  if (containers.ok) {
    const processes: NonNullable<EffectiveConfig['processes']> = {};
    for (const service of ['web', 'smtp', 'worker'] as const) {
      const container = containersOf(containers.containers, service).find((candidate) => candidate.running);
      if (container) processes[service] = { config: configFromSource(source, { env: container.env }).config, container: container.name, env: container.env };
    }
    config.processes = processes;
  }
  return { config, facts };
}
