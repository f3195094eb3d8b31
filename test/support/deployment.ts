import type { EffectiveConfig } from '../../src/config/effective.js';
import { loadDeployment } from '../../src/core/deployment.js';
import { defaultRunOptions } from '../../src/core/options.js';
import { createCommandProbe } from '../../src/probes/commands.js';
import { useDockerEnvironments } from './docker.js';
import { fakeProbes } from './fakes.js';
import { makeHostRoot } from './host-root.js';

const CONFIG = '/opt/postal/config/postal.yml';

/**
 * postal.yml as the running Postal sees it, loaded the way a run loads it (core/deployment.ts): the file under a
 * host root, and Postal's web, smtp and worker containers read through `docker ps` / `docker inspect` of the docker
 * stand-in, each with the variables given for its service. The caller restores PATH (restorePath) after the test.
 */
export async function deploymentConfig(yaml: string, env: Partial<Record<'web' | 'smtp' | 'worker', string[]>>): Promise<EffectiveConfig> {
  useDockerEnvironments(env);
  const host = makeHostRoot({ [CONFIG]: { text: yaml } });
  try {
    const options = { ...defaultRunOptions(), configPath: CONFIG, hostRoot: host.root };
    const { config } = await loadDeployment(options, fakeProbes({ commands: createCommandProbe() }), new AbortController().signal);
    return config;
  } finally {
    host.cleanup();
  }
}
