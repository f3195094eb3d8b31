import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createDnsProbe } from '../../../src/probes/dns.js';
import { CATALOGUE, loadChecks } from '../../../src/core/catalogue.js';
import { runChecks } from '../../../src/core/runner.js';
import { defaultRunOptions } from '../../../src/core/options.js';
import { reverseName } from '../../../src/util/ip.js';
import type { Result, RunOptions } from '../../../src/core/types.js';
import type { Probes } from '../../../src/probes/types.js';
import { testConfig } from '../../support/check-tester.js';
import { fakeProbes } from '../../support/fakes.js';
import { freePort, knotMissing, startKnot, zone, type Knot } from '../../support/knot.js';
import { startBlackHoleDns, startSlowDns } from '../../support/slow-dns.js';
import { startLyingDns } from '../../support/lying-dns.js';
import { hostWith, poolRow, poolsDb } from '../../support/sending.js';

const CHECKS = await loadChecks(CATALOGUE);

const YAML = `version: 2
postal:
  smtp_hostname: postal.postal.example
  web_hostname: web.postal.example
  use_ip_pools: true
dns:
  mx_records: [mx.postal.example, mx2.postal.example]
  spf_include: spf.postal.example
  return_path_domain: rp.postal.example
  route_domain: routes.postal.example
  track_domain: track.postal.example
  dkim_identifier: postal
`;

/** Pool rows: each IP with the HELO name Postal will use from it. */
const POOL = [
  poolRow('192.0.2.10', 'mx.postal.example', { ipv6: '2001:db8::10' }),
  poolRow('192.0.2.11', 'mta11.postal.example'),
  poolRow('192.0.2.12', 'out12.postal.example'),
  poolRow('192.0.2.13', 'mta13.postal.example', { ipv6: '2001:db8::13' }),
];

const dkimKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

const ZONES = {
  'postal.example': zone('postal.example', [
    'postal A 192.0.2.10',
    'web A 192.0.2.10',
    'mx A 192.0.2.10',
    'mx AAAA 2001:db8::10',
    'mx2 A 198.51.100.99', // an MX host that points elsewhere
    'mta11 A 192.0.2.99', // the PTR name of .11 resolves elsewhere
    'mta12 A 192.0.2.12', // the PTR name of .12 confirms, but the pool hostname is out12
    'out12 A 192.0.2.12',
    'mta13 A 192.0.2.13',
    'spf TXT "v=spf1 ip4:192.0.2.10 include:_spf2.postal.example ~all"',
    '_spf2 TXT "v=spf1 include:_spf3.postal.example -all"',
    '_spf3 TXT "v=spf1 ip4:192.0.2.12 ip6:2001:db8::/32 -all"', // .12 only via a nested include; .11 and .13 missing
    'rp A 192.0.2.10',
    'rp MX 10 postal.postal.example.',
    'rp TXT "v=spf1 a mx include:spf.postal.example ~all"',
    // A 2048-bit key is longer than one TXT string: the answer comes back in chunks.
    `postal._domainkey.rp TXT ( "v=DKIM1; t=s; h=sha256; p=${dkimKey.slice(0, 200)}" "${dkimKey.slice(200)};" )`,
    'routes MX 10 mx.postal.example.',
  ]),
  '2.0.192.in-addr.arpa': zone('2.0.192.in-addr.arpa', ['10 PTR mx.postal.example.', '11 PTR mta11.postal.example.', '12 PTR mta12.postal.example.']),
  '8.b.d.0.1.0.0.2.ip6.arpa': zone('8.b.d.0.1.0.0.2.ip6.arpa', [`${reverseName('2001:db8::10')}. PTR mx.postal.example.`]),
  'dnsbl.test': zone('dnsbl.test', [
    '2.0.0.127 A 127.0.0.2', // the RFC 5782 test entry
    '11.2.0.192 A 127.0.0.2',
    '11.2.0.192 TXT "listed for testing: https://dnsbl.test/remove"',
    '12.2.0.192 A 127.255.255.254',
    `${reverseName('2001:db8::13', 'dnsbl.test')}. A 127.0.0.4`,
  ]),
};

const files: Probes['files'] = {
  stat: async () => ({ ok: false, code: 'ENOENT', message: 'absent' }),
  read: async () => ({ ok: false, code: 'ENOENT', message: 'absent' }),
  statfs: async () => ({ ok: false, code: 'ENOENT', message: 'absent' }),
};

function find(results: Result[], check: string, target: string | null): { status: string; messageId: string } | undefined {
  const result = results.find((item) => item.check === check && item.target === target);
  return result && { status: result.status, messageId: result.messageId };
}

const missing = knotMissing();

describe('DNS checks against a real knotd', { skip: missing ?? false }, () => {
  let knot: Knot;
  let results: Result[];

  before(async () => {
    knot = await startKnot(ZONES);
    const config = testConfig(YAML);
    const options: RunOptions = { ...defaultRunOptions(), configPath: config.path, resolvers: [knot.server], dnsblZones: ['dnsbl.test'], timeoutMs: 1000 };
    ({ results } = await runChecks({
      checks: CHECKS.filter((check) => check.group === 'dns'),
      skipped: new Set(),
      config,
      options,
      probes: fakeProbes({ dns: createDnsProbe(options), host: hostWith('192.0.2.10', '2001:db8::10'), database: poolsDb(POOL), files }),
    }));
  });
  after(() => knot?.stop());

  it('knotd is ready quickly', (t) => {
    t.diagnostic(`knotd ready in ${knot.readyMs} ms`);
    assert.ok(knot.readyMs < 5000);
  });

  const expected: Array<[string, string | null, string, string]> = [
    ['dns.smtp-hostname', 'postal.postal.example', 'pass', 'here'],
    ['dns.web-hostname', 'web.postal.example', 'pass', 'resolves'],
    ['dns.mx-records', 'mx.postal.example', 'pass', 'here'],
    ['dns.mx-records', 'mx2.postal.example', 'fail', 'elsewhere'],
    ['dns.ptr', '192.0.2.10', 'pass', 'present'],
    ['dns.ptr', '2001:db8::10', 'pass', 'present'],
    ['dns.ptr', '192.0.2.11', 'pass', 'present'],
    ['dns.ptr', '192.0.2.13', 'fail', 'missing'],
    ['dns.ptr', '2001:db8::13', 'fail', 'missing'],
    ['dns.fcrdns', '192.0.2.10', 'pass', 'confirmed'],
    ['dns.fcrdns', '2001:db8::10', 'pass', 'confirmed'],
    ['dns.fcrdns', '192.0.2.11', 'fail', 'not-confirmed'],
    ['dns.fcrdns', '192.0.2.12', 'pass', 'confirmed'],
    ['dns.fcrdns', '192.0.2.13', 'skip', 'no-ptr'],
    ['dns.fcrdns', '2001:db8::13', 'skip', 'no-ptr'],
    ['dns.helo', '192.0.2.10', 'pass', 'matches'],
    ['dns.helo', '2001:db8::10', 'pass', 'matches'],
    ['dns.helo', '192.0.2.11', 'fail', 'not-resolving'],
    ['dns.helo', '192.0.2.12', 'fail', 'mismatch'],
    ['dns.helo', '192.0.2.13', 'skip', 'no-ptr'],
    ['dns.spf', 'spf.postal.example', 'fail', 'not-authorised'],
    ['dns.return-path', 'rp.postal.example', 'fail', 'incomplete'],
    ['dns.route-domain', 'routes.postal.example', 'pass', 'here'],
    ['dns.track-domain', 'track.postal.example', 'warn', 'missing'],
    ['dns.dnsbl', '192.0.2.10', 'pass', 'clear'],
    ['dns.dnsbl', '192.0.2.11', 'fail', 'listed'],
    ['dns.dnsbl', '192.0.2.12', 'unknown', 'refused'],
    ['dns.dnsbl', '2001:db8::13', 'fail', 'listed'],
  ];
  for (const [check, target, status, messageId] of expected) {
    it(`${check} ${target}: ${status} (${messageId})`, () => {
      assert.deepEqual(find(results, check, target), { status, messageId });
    });
  }

  it('SPF names exactly the IPs the record leaves out (one IP authorised only through a nested include)', () => {
    const spf = results.find((result) => result.check === 'dns.spf');
    assert.match(spf?.message ?? '', /192\.0\.2\.11 \(softfail\), 192\.0\.2\.13 \(softfail\)/);
    assert.doesNotMatch(spf?.message ?? '', /192\.0\.2\.12|2001:db8::/);
    assert.deepEqual(spf?.fix?.records, ['spf.postal.example. 3600 IN TXT "v=spf1 ip4:192.0.2.10 include:_spf2.postal.example ip4:192.0.2.11 ip4:192.0.2.13 ~all"']);
  });

  it('the return path lacks only SPF coverage: the chunked DKIM key is valid', () => {
    const returnPath = results.find((result) => result.check === 'dns.return-path');
    // The list of problems is exactly the SPF one.
    assert.match(returnPath?.message ?? '', /; but its SPF record does not authorise 192\.0\.2\.11, 192\.0\.2\.13: it relies on include:spf\.postal\.example, which does not \(see dns\.spf\)\.$/);
    assert.deepEqual(returnPath?.fix?.records, []);
  });

  it('fixes name the exact PTR pair, the A record and the pool hostname change', () => {
    const ptr = results.find((result) => result.check === 'dns.ptr' && result.target === '2001:db8::13');
    assert.equal(ptr?.fix?.kind, 'provider');
    assert.match(ptr?.fix?.summary ?? '', /2001:db8::13 → mta13\.postal\.example/);
    const fcrdns = results.find((result) => result.check === 'dns.fcrdns' && result.target === '192.0.2.11');
    assert.deepEqual(fcrdns?.fix?.records, ['mta11.postal.example. 3600 IN A 192.0.2.11']);
    const helo = results.find((result) => result.check === 'dns.helo' && result.target === '192.0.2.12');
    assert.equal(helo?.fix?.kind, 'database');
    assert.match(helo?.fix?.summary ?? '', /UPDATE ip_addresses SET hostname = 'mta12\.postal\.example' WHERE ipv4 = '192\.0\.2\.12';/);
    const listed = results.find((result) => result.check === 'dns.dnsbl' && result.target === '192.0.2.11');
    assert.ok(listed?.evidence.some((item) => JSON.stringify(item.answer).includes('listed for testing')));
    assert.match(listed?.fix?.summary ?? '', /https:\/\/dnsbl\.test\/remove/);
  });
});

describe('the DNS probe against a real knotd', { skip: missing ?? false }, () => {
  let knot: Knot;
  before(async () => {
    knot = await startKnot({
      'probe.example': zone('probe.example', ['Mixed A 192.0.2.1', 'v6 AAAA 2001:0DB8:0:0::1', '@ MX 20 B.probe.example.', '@ MX 10 a.probe.example.', 'txt TXT ( "one" "two" )', 'txt TXT "abc"']),
    });
  });
  after(() => knot?.stop());

  it('normalises answers and tells NXDOMAIN, NODATA, refused and unreachable apart', async () => {
    const dns = createDnsProbe({ resolvers: [knot.server], dnsblResolvers: [], timeoutMs: 1000, maxInFlight: 64 });
    assert.deepEqual(await dns.query('MIXED.probe.example.', 'A'), { query: 'A mixed.probe.example', status: 'answer', records: ['192.0.2.1'] });
    assert.deepEqual(await dns.query('v6.probe.example', 'AAAA'), { query: 'AAAA v6.probe.example', status: 'answer', records: ['2001:db8::1'] });
    assert.deepEqual(await dns.query('probe.example', 'MX'), { query: 'MX probe.example', status: 'answer', records: ['10 a.probe.example', '20 b.probe.example'] });
    assert.deepEqual(await dns.query('txt.probe.example', 'TXT'), { query: 'TXT txt.probe.example', status: 'answer', records: ['abc', 'onetwo'] });
    assert.deepEqual(await dns.query('nothing.probe.example', 'A'), { query: 'A nothing.probe.example', status: 'nxdomain' });
    assert.deepEqual(await dns.query('mixed.probe.example', 'TXT'), { query: 'TXT mixed.probe.example', status: 'nodata' });
    const refusing = await startLyingDns('refused');
    try {
      const refused = await createDnsProbe({ resolvers: [refusing.server], dnsblResolvers: [], timeoutMs: 1000, maxInFlight: 64 }).query('elsewhere.example', 'A');
      assert.equal(refused.status === 'error' && refused.code, 'refused');
    } finally {
      await refusing.stop();
    }
    const dead = createDnsProbe({ resolvers: [`127.0.0.1:${await freePort()}`], dnsblResolvers: [], timeoutMs: 1000, maxInFlight: 64 });
    const unreachable = await dead.query('mixed.probe.example', 'A');
    assert.equal(unreachable.status === 'error' && unreachable.code, 'unreachable');
  });

  it('sends blocklist questions to --dnsbl-resolver and asks each question once', async () => {
    const hole = await startBlackHoleDns();
    try {
      const dns = createDnsProbe({ resolvers: [hole.server], dnsblResolvers: [knot.server], timeoutMs: 300, maxInFlight: 64 });
      const [first, second] = await Promise.all([dns.query('mixed.probe.example', 'A', 'dnsbl'), dns.query('mixed.probe.example', 'A', 'dnsbl')]);
      assert.equal(first, second);
      assert.equal(first.status, 'answer');
      const ordinary = await dns.query('mixed.probe.example', 'A');
      assert.equal(ordinary.status === 'error' && ordinary.code, 'timeout');
      assert.equal(hole.received(), 2, 'one query and one retry');
    } finally {
      await hole.stop();
    }
  });
});

describe('a resolver that never answers', () => {
  it('makes every DNS result unknown within the timeout plus one retry, and the run ends before --deadline', async () => {
    const hole = await startBlackHoleDns();
    try {
      const config = testConfig(YAML);
      const options: RunOptions = { ...defaultRunOptions(), configPath: config.path, resolvers: [hole.server], dnsblZones: ['dnsbl.test'], timeoutMs: 300, deadlineMs: 3000 };
      const started = performance.now();
      const { results } = await runChecks({
        checks: CHECKS.filter((check) => check.group === 'dns'),
        skipped: new Set(),
        config,
        options,
        probes: fakeProbes({ dns: createDnsProbe(options), host: hostWith('192.0.2.10'), database: poolsDb(POOL.slice(0, 1)), files }),
      });
      const elapsed = performance.now() - started;
      assert.ok(results.length > 0);
      assert.deepEqual(
        results.filter((result) => result.check === 'dns.resolver').map((result) => [result.status, result.messageId]),
        [['fail', 'silent']],
      );
      for (const result of results.filter((item) => item.check !== 'dns.resolver')) assert.equal(result.status, 'unknown', `${result.check} ${result.target}: ${result.status} ${result.messageId}`);
      assert.ok(elapsed < 2 * options.timeoutMs + 500, `took ${Math.round(elapsed)} ms`);
      assert.ok(elapsed < options.deadlineMs);
    } finally {
      await hole.stop();
    }
  });
});

describe('256 pool IPs', { skip: missing ?? false }, () => {
  const LATENCY_MS = 50;
  let knot: Knot;
  before(async () => {
    const reverse: string[] = [];
    const forward: string[] = ['spf TXT "v=spf1 ip4:203.0.113.0/24 -all"'];
    for (let octet = 0; octet < 256; octet++) {
      reverse.push(`${octet} PTR mta${octet}.bulk.example.`);
      forward.push(`mta${octet} A 203.0.113.${octet}`);
    }
    knot = await startKnot({
      'bulk.example': zone('bulk.example', forward),
      '113.0.203.in-addr.arpa': zone('113.0.203.in-addr.arpa', reverse),
      'dnsbl.test': zone('dnsbl.test', ['2.0.0.127 A 127.0.0.2']),
    });
  });
  after(() => knot?.stop());

  it('get every per-IP result, in far less than 256 × the lookup latency', async (t) => {
    const slow = await startSlowDns(knot.port, LATENCY_MS);
    try {
      const config = testConfig(YAML.replace('spf_include: spf.postal.example', 'spf_include: spf.bulk.example'));
      const options: RunOptions = { ...defaultRunOptions(), configPath: config.path, resolvers: [slow.server], dnsblZones: ['dnsbl.test'], timeoutMs: 2000 };
      const rows = Array.from({ length: 256 }, (_, octet) => poolRow(`203.0.113.${octet}`, `mta${octet}.bulk.example`));
      const perIp = CHECKS.filter((check) => ['dns.ptr', 'dns.fcrdns', 'dns.helo', 'dns.dnsbl', 'dns.spf'].includes(check.id));
      const started = performance.now();
      const { results } = await runChecks({
        checks: perIp,
        skipped: new Set(),
        config,
        options,
        probes: fakeProbes({ dns: createDnsProbe(options), host: hostWith('203.0.113.1'), database: poolsDb(rows), files }),
      });
      const elapsed = performance.now() - started;
      t.diagnostic(`256 IPs × (ptr, fcrdns, helo, dnsbl) + spf: ${results.length} results, ${slow.received()} DNS queries at ${LATENCY_MS} ms each, in ${Math.round(elapsed)} ms`);
      for (const id of ['dns.ptr', 'dns.fcrdns', 'dns.helo', 'dns.dnsbl']) {
        const mine = results.filter((result) => result.check === id);
        assert.equal(mine.length, 256, id);
        assert.deepEqual([...new Set(mine.map((result) => result.status))], ['pass'], id);
      }
      assert.deepEqual(find(results, 'dns.spf', 'spf.bulk.example'), { status: 'pass', messageId: 'authorised' });
      assert.ok(elapsed < (256 * LATENCY_MS) / 4, `took ${Math.round(elapsed)} ms`);
    } finally {
      await slow.stop();
    }
  });
});
