import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runChecks, renderFinding } from '../../../src/core/runner.js';
import { defaultRunOptions } from '../../../src/core/options.js';
import type { CheckDefinition, Finding, RunOptions } from '../../../src/core/types.js';
import { fakeProbes } from '../../support/fakes.js';
import { testConfig } from '../../support/check-tester.js';

function check(id: string, run: CheckDefinition['run'], extra: Partial<CheckDefinition> = {}): CheckDefinition {
  return {
    id,
    group: id.split('.')[0] as CheckDefinition['group'],
    title: `Title of ${id}`,
    targets: 'none',
    probes: [],
    network: false,
    messages: { ok: { title: 'All good for {name}', message: '{name} is fine' } },
    run,
    ...extra,
  };
}

const ok = (target: string | null = null): Finding => ({ target, status: 'pass', messageId: 'ok', data: { name: target ?? 'x' } });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function run(checks: CheckDefinition[], options: Partial<RunOptions> = {}, skipped = new Set<string>(), yaml = 'version: 2\n') {
  return runChecks({
    checks,
    skipped,
    config: testConfig(yaml),
    options: { ...defaultRunOptions(), ...options },
    probes: fakeProbes(),
  });
}

describe('runner', () => {
  it('returns results in catalogue order, then the order a check gave its targets, whatever the completion order', async () => {
    const { results } = await run([
      check('dns.slow', async () => (await sleep(40), [ok('b.example'), ok('a.example')])),
      check('dns.fast', async () => [ok('c.example')]),
    ]);
    assert.deepEqual(
      results.map((result) => [result.check, result.target]),
      [
        ['dns.slow', 'b.example'],
        ['dns.slow', 'a.example'],
        ['dns.fast', 'c.example'],
      ],
    );
  });

  it('runs checks concurrently: the run costs about its slowest check', async () => {
    const checks = Array.from({ length: 8 }, (_, index) => check(`dns.c${index}`, async () => (await sleep(150), [ok()])));
    const started = performance.now();
    await run(checks, { concurrency: 16 });
    assert.ok(performance.now() - started < 600, 'eight 150 ms checks should take far less than 1200 ms');
  });

  it('bounds concurrency', async () => {
    let active = 0;
    let peak = 0;
    const checks = Array.from({ length: 6 }, (_, index) =>
      check(`dns.c${index}`, async () => {
        peak = Math.max(peak, ++active);
        await sleep(20);
        active--;
        return [ok()];
      }),
    );
    await run(checks, { concurrency: 2 });
    assert.equal(peak, 2);
  });

  it('turns a crash into unknown for that check only', async () => {
    const { results } = await run([
      check('dns.broken', async () => {
        throw new Error('resolver exploded\n    at somewhere.js:1:1');
      }),
      check('dns.fine', async () => [ok()]),
    ]);
    assert.equal(results[0].status, 'unknown');
    assert.equal(results[0].messageId, 'runner.crashed');
    assert.match(results[0].message, /resolver exploded/);
    assert.doesNotMatch(results[0].message, /somewhere\.js/, 'no stack trace in the message');
    assert.equal(results[1].status, 'pass');
  });

  it('gives each check a timeout and reports an overrun as unknown', async () => {
    const { results } = await run([check('dns.hangs', () => new Promise(() => undefined), { timeoutMs: 50 }), check('dns.fine', async () => [ok()])]);
    assert.deepEqual(
      results.map((result) => [result.status, result.messageId]),
      [
        ['unknown', 'runner.timeout'],
        ['pass', 'ok'],
      ],
    );
  });

  it('finishes by the deadline, reporting unfinished checks as unknown', async () => {
    const started = performance.now();
    const { results } = await run([check('dns.hangs', () => new Promise(() => undefined), { timeoutMs: 60000 }), check('dns.fine', async () => [ok()])], {
      deadlineMs: 100,
    });
    assert.ok(performance.now() - started < 1000);
    assert.equal(results[0].messageId, 'runner.deadline');
    assert.equal(results[0].status, 'unknown');
    assert.equal(results[1].status, 'pass');
  });

  it('skips network checks under --offline and checks named by --skip, without running them', async () => {
    let ran = false;
    const spy = async () => ((ran = true), [ok()]);
    const { results } = await run([check('dns.net', spy, { network: true }), check('config.local', spy), check('tls.off', spy)], { offline: true }, new Set(['tls.off']));
    assert.deepEqual(
      results.map((result) => [result.check, result.status, result.messageId]),
      [
        ['dns.net', 'skip', 'runner.offline'],
        ['config.local', 'pass', 'ok'],
        ['tls.off', 'skip', 'runner.skipped'],
      ],
    );
    assert.equal(ran, true);
  });

  it('runs only config.syntax when postal.yml cannot be used', async () => {
    const { results } = await run([check('config.syntax', async () => [ok()]), check('dns.any', async () => [ok()])], {}, new Set(), 'version: 3\n');
    assert.deepEqual(
      results.map((result) => [result.check, result.status]),
      [
        ['config.syntax', 'pass'],
        ['dns.any', 'skip'],
      ],
    );
  });

  it('runs a check after the checks it depends on, and shares their results and memoised facts', async () => {
    let computed = 0;
    const fact = (ctx: Parameters<CheckDefinition['run']>[0]) => ctx.memo('fact', async () => (computed++, await sleep(10), 42));
    const { results } = await run([
      check('dns.first', async (ctx) => (await fact(ctx), await sleep(30), [ok('first')])),
      check(
        'dns.second',
        async (ctx) => {
          await fact(ctx);
          const before = ctx.resultsOf('dns.first');
          return [ok(before?.[0]?.target ?? 'missing')];
        },
        { dependsOn: ['dns.first'] },
      ),
    ]);
    assert.equal(results[1].target, 'first');
    assert.equal(computed, 1);
  });

  it('enforces the declared messages: an unknown message id or missing placeholder is a crash, not a silent result', async () => {
    const { results } = await run([
      check('dns.bad-id', async () => [{ target: null, status: 'pass', messageId: 'nope' }]),
      check('dns.bad-data', async () => [{ target: null, status: 'pass', messageId: 'ok', data: {} }]),
    ]);
    assert.deepEqual(
      results.map((result) => result.messageId),
      ['runner.crashed', 'runner.crashed'],
    );
  });

  it('renders a finding into a result with its title, message and duration', () => {
    const result = renderFinding(check('dns.x', async () => []), ok('192.0.2.1'), 12);
    assert.deepEqual(
      { title: result.title, message: result.message, fix: result.fix, evidence: result.evidence, durationMs: result.durationMs },
      { title: 'All good for 192.0.2.1', message: '192.0.2.1 is fine', fix: null, evidence: [], durationMs: 12 },
    );
  });
});
