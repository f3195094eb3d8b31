import type { CheckDefinition, Result, RunOptions } from '../../src/core/types.js';
import type { EffectiveConfig } from '../../src/config/effective.js';
import type { Probes } from '../../src/probes/types.js';
import { loadConfigText } from '../../src/config/load.js';
import { runChecks } from '../../src/core/runner.js';
import { defaultRunOptions } from '../../src/core/options.js';
import { fakeProbes } from './fakes.js';

export interface CheckCase {
  /** postal.yml text; the file is taken to live at `path` (default /opt/postal/config/postal.yml). */
  yaml?: string;
  path?: string;
  env?: Record<string, string>;
  config?: EffectiveConfig;
  probes?: Partial<Probes>;
  options?: Partial<RunOptions>;
}

export function testConfig(yaml: string, path = '/opt/postal/config/postal.yml', env: Record<string, string> = {}): EffectiveConfig {
  return loadConfigText(yaml, { path, env }).config;
}

/** Runs one check (and the checks it depends on) through the real runner with fakes, returning the check's own results. */
export async function runCheck(check: CheckDefinition, testCase: CheckCase = {}, dependencies: CheckDefinition[] = []): Promise<Result[]> {
  const config = testCase.config ?? testConfig(testCase.yaml ?? 'version: 2\n', testCase.path, testCase.env);
  const options: RunOptions = { ...defaultRunOptions(), configPath: config.path, ...testCase.options };
  const { results } = await runChecks({
    checks: [...dependencies, check],
    skipped: new Set(),
    config,
    options,
    probes: fakeProbes(testCase.probes),
  });
  return results.filter((result) => result.check === check.id);
}

/** The parts of a result tests assert on. */
export function brief(results: Result[]): Array<{ target: string | null; status: string; messageId: string }> {
  return results.map(({ target, status, messageId }) => ({ target, status, messageId }));
}
