import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
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

/** Runs one check through the real runner with fakes, returning its results. */
export async function runCheck(check: CheckDefinition, testCase: CheckCase = {}): Promise<Result[]> {
  const config = testCase.config ?? testConfig(testCase.yaml ?? 'version: 2\n', testCase.path, testCase.env);
  const options: RunOptions = { ...defaultRunOptions(), configPath: config.path, ...testCase.options };
  const { results } = await runChecks({
    checks: [check],
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

/** One case of a check's table: the deployment it sees and, for `invalid`, the findings it must give. */
export interface TableCase extends CheckCase {
  name: string;
}

export interface ExpectedFinding {
  target: string | null;
  status: string;
  messageId: string;
}

/**
 * A check's behaviour as a table, in the manner of ESLint's RuleTester: every `valid` case gives only
 * `pass` (or `skip`) results, every `invalid` case exactly the findings listed, in order.
 */
export function checkTable(check: CheckDefinition, table: { valid: TableCase[]; invalid: Array<TableCase & { expected: ExpectedFinding[] }> }): void {
  describe(check.id, () => {
    for (const testCase of table.valid) {
      it(`valid: ${testCase.name}`, async () => {
        const results = await runCheck(check, testCase);
        assert.ok(results.length > 0, 'the check gave no result');
        const problems = results.filter((result) => result.status !== 'pass' && result.status !== 'skip');
        assert.deepEqual(brief(problems), []);
      });
    }
    for (const testCase of table.invalid) {
      it(`invalid: ${testCase.name}`, async () => {
        assert.deepEqual(brief(await runCheck(check, testCase)), testCase.expected);
      });
    }
  });
}
