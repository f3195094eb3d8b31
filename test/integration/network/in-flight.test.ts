import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createDnsProbe } from '../../../src/probes/dns.js';
import { createProbes } from '../../../src/probes/index.js';
import { defaultRunOptions } from '../../../src/core/options.js';
import { startBlackHoleDns } from '../../support/slow-dns.js';
import { startRawServer } from '../../support/smtp.js';
import { cli } from '../../support/cli.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('--concurrency: what is in flight at once', () => {
  it('keeps at most that many DNS questions at the resolver, and asks the rest as answers come', async () => {
    const hole = await startBlackHoleDns();
    try {
      const dns = createDnsProbe({ resolvers: [hole.server], dnsblResolvers: [], timeoutMs: 200, maxInFlight: 3 });
      const answers = Promise.all(Array.from({ length: 9 }, (_, index) => dns.query(`q${index}.example.com`, 'A')));
      await sleep(100);
      assert.equal(hole.received(), 3, 'questions sent before any timed out');
      const settled = await answers;
      assert.ok(settled.every((answer) => answer.status === 'error' && answer.code === 'timeout'));
      // Each question and its one retry: all asked in the end, never more than three at a time.
      assert.equal(hole.received(), 18);
    } finally {
      await hole.stop();
    }
  });

  it('keeps at most that many TCP connections and SMTP sessions open together', async () => {
    let accepted = 0;
    const silent = await startRawServer(() => void accepted++);
    try {
      const probes = createProbes({ ...defaultRunOptions(), maxInFlight: 2 });
      const target = { host: '127.0.0.1', port: silent.port, timeoutMs: 200 };
      const started = performance.now();
      const all = Promise.all([
        ...Array.from({ length: 4 }, () => probes.tcp.connect({ ...target, readBanner: true })),
        ...Array.from({ length: 2 }, () => probes.smtp.session({ ...target, helo: 'postal.example.com' })),
      ]);
      await sleep(100);
      assert.equal(accepted, 2, 'connections made while the first two wait for a banner');
      await all;
      assert.equal(accepted, 6);
      // Three rounds of two, each ending at its own time limit.
      assert.ok(performance.now() - started >= 3 * 200 - 10);
    } finally {
      await silent.close();
    }
  });

  it('--concurrency takes a whole number above zero', async () => {
    for (const value of ['0', 'many', '-4']) {
      const run = await cli(['check', '--offline', '--concurrency', value]);
      assert.equal(run.code, 2, value);
      assert.match(run.stderr, /--concurrency/);
    }
  });
});
