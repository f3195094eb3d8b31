import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runChecks, renderFinding } from '../../../src/core/runner.js';
import { defineFact, defineFactFamily } from '../../../src/core/facts.js';
import { unlessOffline } from '../../../src/core/probe-access.js';
import type { Probes } from '../../../src/probes/types.js';
import { defaultRunOptions } from '../../../src/core/options.js';
import type { CheckDefinition, Finding, RunOptions } from '../../../src/core/types.js';
import { fakeProbes } from '../../support/fakes.js';
import { testConfig } from '../../support/check-tester.js';

function check(id: string, run: CheckDefinition['run'], extra: Partial<CheckDefinition> = {}): CheckDefinition {
  return {
    id,
    group: id.split('.')[0] as CheckDefinition['group'],
    order: 10,
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

  it('aborts the signal of a check that runs out of time, so its connections stop', async () => {
    let seenAbort = false;
    const tcp: Probes['tcp'] = {
      connect: ({ signal }) =>
        new Promise((resolve) => {
          signal?.addEventListener('abort', () => ((seenAbort = true), resolve({ outcome: 'error', code: 'ABORTED', ms: 0 })));
        }),
    };
    const hangs = check('network.hangs', async (ctx) => (await ctx.probes.tcp.connect({ host: '192.0.2.1', port: 25, readBanner: false, timeoutMs: 60000 }), [ok()]), {
      probes: ['tcp'],
      timeoutMs: 50,
    });
    const { results } = await runChecks({ checks: [hangs], skipped: new Set(), config: testConfig('version: 2\n'), options: defaultRunOptions(), probes: fakeProbes({ tcp }) });
    assert.equal(results[0].messageId, 'runner.timeout');
    assert.equal(seenAbort, true);
  });

  it('refuses a probe the check did not declare, as unknown naming the probe', async () => {
    const sneaky = check('network.sneaky', async (ctx) => (await ctx.probes.tcp.connect({ host: '192.0.2.1', port: 25, readBanner: false, timeoutMs: 100 }), [ok()]));
    const { results } = await run([sneaky]);
    assert.equal(results[0].status, 'unknown');
    assert.match(results[0].message, /network\.sneaky uses the tcp probe without declaring it/);
  });

  it('refuses a fact whose probes the check did not declare', async () => {
    const pools = defineFact({ name: 'pools', probes: ['database'], compute: async () => 1 });
    const { results } = await run([check('postal.x', async (ctx) => [ok(String(await pools(ctx)))])]);
    assert.match(results[0].message, /postal\.x \(through the fact "pools"\) uses the database probe without declaring it/);
  });

  it('under --offline, gives a local check no network probe: its live part reports itself left out', async () => {
    const tcp: Probes['tcp'] = { connect: async () => assert.fail('the network was used under --offline') };
    const partly = check('network.partly', async (ctx) => {
      const live = await unlessOffline(() => ctx.probes.tcp.connect({ host: '192.0.2.1', port: 25, readBanner: false, timeoutMs: 100 }));
      return [ok(live === null ? 'offline' : 'online')];
    }, { probes: ['tcp'] });
    const { results } = await runChecks({ checks: [partly], skipped: new Set(), config: testConfig('version: 2\n'), options: { ...defaultRunOptions(), offline: true }, probes: fakeProbes({ tcp }) });
    assert.equal(results[0].target, 'offline');
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

  it('runs only the checks marked needsConfig: false when postal.yml cannot be used', async () => {
    const { results } = await run([check('config.syntax', async () => [ok()], { needsConfig: false }), check('dns.any', async () => [ok()])], {}, new Set(), 'version: 3\n');
    assert.deepEqual(
      results.map((result) => [result.check, result.status]),
      [
        ['config.syntax', 'pass'],
        ['dns.any', 'skip'],
      ],
    );
  });

  it('computes a fact once per run, however many checks ask for it at once', async () => {
    let computed = 0;
    const fact = defineFact({ name: 'answer', probes: [], compute: async () => (computed++, await sleep(10), 42) });
    const { results } = await run([
      check('dns.first', async (ctx) => [ok(String(await fact(ctx)))]),
      check('dns.second', async (ctx) => [ok(String(await fact(ctx)))]),
    ]);
    assert.deepEqual(results.map((result) => result.target), ['42', '42']);
    assert.equal(computed, 1);
  });

  it('computes a fact family once per distinct key', async () => {
    const asked: string[] = [];
    const square = defineFactFamily({ name: 'square', probes: [], key: (n: number) => String(n), compute: async (_ctx, n: number) => (asked.push(String(n)), n * n) });
    const { results } = await run([
      check('dns.a', async (ctx) => [ok(String(await square(ctx, 3)))]),
      check('dns.b', async (ctx) => [ok(String((await square(ctx, 3)) + (await square(ctx, 4))))]),
    ]);
    assert.deepEqual(results.map((result) => result.target), ['9', '25']);
    assert.deepEqual(asked.sort(), ['3', '4']);
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
