import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createDnsProbe } from '../../../src/probes/dns.js';
import { CATALOGUE, loadChecks } from '../../../src/core/catalogue.js';
import { runChecks } from '../../../src/core/runner.js';
import { defaultRunOptions } from '../../../src/core/options.js';
import type { Result, RunOptions } from '../../../src/core/types.js';
import type { Probes } from '../../../src/probes/types.js';
import { testConfig } from '../../support/check-tester.js';
import { fakeProbes } from '../../support/fakes.js';
import { knotMissing, startKnot, zone, type Knot } from '../../support/knot.js';
import { startLyingDns } from '../../support/lying-dns.js';
import { hostWith, poolRow, poolsDb } from '../../support/sending.js';

const CHECKS = await loadChecks(CATALOGUE);

const YAML = `version: 2
postal:
  smtp_hostname: postal.postal.example
  web_hostname: web.postal.example
  use_ip_pools: true
dns:
  mx_records: [mx.postal.example]
  spf_include: spf.postal.example
  return_path_domain: rp.postal.example
  route_domain: routes.postal.example
  track_domain: track.postal.example
`;

const files: Probes['files'] = {
  stat: async () => ({ ok: false, code: 'ENOENT', message: 'absent' }),
  statfs: async () => ({ ok: false, code: 'ENOENT', message: 'absent' }),
  read: async () => ({ ok: false, code: 'ENOENT', message: 'absent' }),
};

/** Every DNS check, through these resolvers, for a host sending from 192.0.2.10. */
async function dnsChecks(resolvers: string[], dnsblResolvers: string[] = [], dnsblZones = ['good.test', 'gone.test']): Promise<Result[]> {
  const config = testConfig(YAML);
  const options: RunOptions = { ...defaultRunOptions(), configPath: config.path, resolvers, dnsblResolvers, dnsblZones, timeoutMs: 1000 };
  const { results } = await runChecks({
    checks: CHECKS.filter((check) => check.group === 'dns'),
    skipped: new Set(),
    config,
    options,
    probes: fakeProbes({ dns: createDnsProbe(options), host: hostWith('192.0.2.10'), database: poolsDb([poolRow('192.0.2.10', 'mx.postal.example')]), files }),
  });
  return results;
}

const summary = (results: Result[], check: string) => results.filter((result) => result.check === check).map((result) => [result.target, result.status, result.messageId]);

describe('a resolver that answers "no such name" for everything', () => {
  it('is named once by dns.resolver, and no other DNS check passes or fails on its word', async () => {
    const liar = await startLyingDns('nxdomain');
    try {
      const results = await dnsChecks([liar.server]);
      assert.deepEqual(summary(results, 'dns.resolver'), [[`${liar.server} (--resolver)`, 'fail', 'denies']]);
      assert.equal(results[0].check, 'dns.resolver', 'first in the dns group');
      assert.match(results[0].message, /denies|no such name/);
      assert.match(results[0].fix?.summary ?? '', /--resolver <address>/);
      const others = results.filter((result) => result.check !== 'dns.resolver');
      assert.ok(others.length >= 10);
      for (const result of others) {
        assert.ok(['unknown', 'skip'].includes(result.status), `${result.check} ${result.target}: ${result.status} ${result.messageId}`);
      }
      const ptr = results.find((result) => result.check === 'dns.ptr');
      assert.match(ptr?.message ?? '', /untrusted \(the resolver denies names that exist, see dns\.resolver\)/);
      assert.equal(results.find((result) => result.check === 'dns.dnsbl')?.status, 'unknown');
      // The command line passes --resolver on as the blocklist resolver: still one resolver, named once.
      const viaCli = await dnsChecks([liar.server], [liar.server]);
      assert.deepEqual(summary(viaCli, 'dns.resolver'), [[`${liar.server} (--resolver)`, 'fail', 'denies']]);
    } finally {
      await liar.stop();
    }
  });
});

describe('a resolver that refuses every question', () => {
  it('says once that there is no working DNS; everything else is unknown', async () => {
    const refusing = await startLyingDns('refused');
    try {
      const results = await dnsChecks([refusing.server]);
      assert.deepEqual(summary(results, 'dns.resolver'), [[`${refusing.server} (--resolver)`, 'fail', 'silent']]);
      for (const result of results.filter((item) => item.check !== 'dns.resolver')) {
        assert.ok(['unknown', 'skip'].includes(result.status), `${result.check} ${result.target}: ${result.status}`);
      }
      // The other checks do not ask the dead resolver again: only its sanity test reached it (plus one retry at most).
      assert.ok(refusing.received() <= 2, `${refusing.received()} questions`);
    } finally {
      await refusing.stop();
    }
  });
});

describe('blocklist zones tested through a real knotd', { skip: knotMissing() ?? false }, () => {
  let knot: Knot;
  before(async () => {
    knot = await startKnot({
      'postal.example': zone('postal.example', ['mx A 192.0.2.10']),
      '2.0.192.in-addr.arpa': zone('2.0.192.in-addr.arpa', ['10 PTR mx.postal.example.']),
      'good.test': zone('good.test', ['2.0.0.127 A 127.0.0.2']),
      // A blocklist that lost its test entry: its "not listed" means nothing.
      'gone.test': zone('gone.test', []),
    });
  });
  after(() => knot?.stop());

  it('a zone missing its test entry gives unknown for that zone, never "not listed"', async () => {
    const results = await dnsChecks([knot.server]);
    assert.deepEqual(summary(results, 'dns.resolver'), [
      [`${knot.server} (--resolver)`, 'pass', 'works'],
      ['good.test', 'pass', 'zone-works'],
      ['gone.test', 'warn', 'zone-unlisted-test-entry'],
    ]);
    assert.deepEqual(summary(results, 'dns.dnsbl'), [['192.0.2.10', 'unknown', 'lookup-failed']]);
    assert.match(results.find((result) => result.check === 'dns.dnsbl')?.message ?? '', /gone\.test does not list its test entry/);
    assert.deepEqual(summary(results, 'dns.ptr'), [['192.0.2.10', 'pass', 'present']]);
    const onlyGood = await dnsChecks([knot.server], [], ['good.test']);
    assert.deepEqual(summary(onlyGood, 'dns.dnsbl'), [['192.0.2.10', 'pass', 'clear']]);
  });

  it('a lying --dnsbl-resolver makes only the blocklist results unknown', async () => {
    const liar = await startLyingDns('nxdomain');
    try {
      const results = await dnsChecks([knot.server], [liar.server], ['good.test']);
      assert.deepEqual(summary(results, 'dns.resolver'), [
        [`${knot.server} (--resolver)`, 'pass', 'works'],
        [`${liar.server} (--dnsbl-resolver)`, 'fail', 'denies'],
      ]);
      assert.deepEqual(summary(results, 'dns.dnsbl'), [['192.0.2.10', 'unknown', 'lookup-failed']]);
      assert.deepEqual(summary(results, 'dns.ptr'), [['192.0.2.10', 'pass', 'present']]);
    } finally {
      await liar.stop();
    }
  });
});
