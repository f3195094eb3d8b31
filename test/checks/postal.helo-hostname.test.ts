import { afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Result } from '../../src/core/types.js';
import type { PoolAddress, PoolQueryResult, Probes } from '../../src/probes/types.js';
import { createCommandProbe } from '../../src/probes/commands.js';
import { createFileProbe } from '../../src/probes/files.js';
import { fixtureText, fixturesMissing } from '../support/config.js';
import { postalHeloHostnameCheck } from '../../src/checks/postal/helo-hostname.js';
import { reverseName } from '../../src/util/ip.js';
import { runCheck, testConfig } from '../support/check-tester.js';
import { fakeDns, unfakedMethod } from '../support/fakes.js';
import { restorePath, useDockerScenario } from '../support/docker.js';
import { makeHostRoot } from '../support/host-root.js';

const CONFIG = '/opt/postal/config/postal.yml';
const skip = fixturesMissing ?? false;
const fixture = fixtureText;

/** The legacy (v1) spec file: dns.helo_hostname helo.postal.llamas.com, dns.smtp_server_hostname smtp.postal.llamas.com. */
const FULL_LEGACY = 'legacy-v1-spec-full-legacy-config-file.yml';
/** The installer's v3 template: postal.smtp_hostname postal.yourdomain.com, no helo_hostname. */
const INSTALL_V3 = 'install-template-postal.v3.yml';

const HOST_IP = '192.0.2.10';

interface Case {
  scenario: string;
  yaml: string;
  /** Modification time of postal.yml; the stand-in's containers started at 2026-11-27T09:00Z. */
  mtime?: string;
  ptr?: Record<string, string[]>;
  pools?: PoolQueryResult;
}

/** The HELO check after the real dns.ptr check, with the docker stand-in, a host root and fake DNS/database/host. */
async function explain(testCase: Case): Promise<Result> {
  useDockerScenario(testCase.scenario);
  const host = makeHostRoot({ [CONFIG]: { text: testCase.yaml, mtime: testCase.mtime } });
  const ptr = testCase.ptr ?? { [HOST_IP]: ['helo.postal.llamas.com'] };
  const dnsTable = Object.fromEntries(Object.entries(ptr).map(([ip, names]) => [`PTR ${reverseName(ip)}`, names]));
  const probes: Partial<Probes> = {
    commands: createCommandProbe(),
    files: createFileProbe(host.root),
    dns: fakeDns(dnsTable),
    host: { addresses: async () => [{ address: HOST_IP, family: 4, interface: 'eth0', internal: false }] },
  };
  if (testCase.pools) {
    const pools = testCase.pools;
    probes.database = { ipPools: async () => pools, domains: unfakedMethod('database.domains') };
  }
  try {
    const results = await runCheck(postalHeloHostnameCheck, { config: testConfig(testCase.yaml, CONFIG), options: { hostRoot: host.root }, probes });
    assert.equal(results.length, 1);
    return results[0];
  } finally {
    host.cleanup();
  }
}

function commentLines(result: Result): string[] {
  return (result.fix?.commands ?? []).filter((command) => command.startsWith('#'));
}

afterEach(restorePath);

describe('postal.helo-hostname against the Postal fixtures and each docker scenario', { skip }, () => {
  it('all running, helo_hostname in dns and equal to the PTR: passes and says where the name comes from', async () => {
    const result = await explain({ scenario: 'running', yaml: fixture(FULL_LEGACY) });
    assert.equal(result.status, 'pass');
    assert.equal(result.messageId, 'ok');
    assert.match(result.message, /From 192\.0\.2\.10 Postal says HELO helo\.postal\.llamas\.com \(dns\.helo_hostname in postal\.yml, line 81; PTR helo\.postal\.llamas\.com\)/);
    assert.equal(result.fix, null);
  });

  it('smtp restarting in a loop does not change what the worker sends', async () => {
    const result = await explain({ scenario: 'smtp-restarting', yaml: fixture(FULL_LEGACY) });
    assert.equal(result.messageId, 'ok');
  });

  it('a worker started before postal.yml changed: restart the worker', async () => {
    const result = await explain({ scenario: 'config-changed', yaml: fixture(FULL_LEGACY), mtime: '2026-11-25T12:00:00Z' });
    assert.equal(result.status, 'warn');
    assert.equal(result.messageId, 'restart-needed');
    assert.match(result.message, /postal\.yml changed after postal-worker-1 started/);
    assert.equal(result.fix?.kind, 'restart');
    assert.deepEqual(result.fix?.commands, ['docker restart postal-worker-1']);
  });

  it('DNS_HELO_HOSTNAME in the worker environment overrides the file; the restart trick is called pointless', async () => {
    // postal.yml changed after the worker started, too: a restart is due, but the edit of the compose file comes first.
    const result = await explain({ scenario: 'env-helo', yaml: fixture(FULL_LEGACY), mtime: '2026-11-27T10:00:00Z', ptr: { [HOST_IP]: ['helo.postal.llamas.com'] } });
    assert.equal(result.status, 'warn');
    assert.equal(result.messageId, 'env-override');
    assert.match(result.message, /DNS_HELO_HOSTNAME=relay\.example\.net in the environment of postal-worker-1 overrides dns\.helo_hostname: helo\.postal\.llamas\.com/);
    assert.match(result.message, /From 192\.0\.2\.10 Postal says HELO relay\.example\.net/);
    assert.match(result.fix!.summary, /Remove DNS_HELO_HOSTNAME from the environment of postal-worker-1/);
    assert.ok(result.fix!.commands.includes('postal start'), 'a restart keeps the environment; recreating the container drops it');
    // The compose file is edited by hand: the fix is in the script's manual section, not reduced to its restarts.
    assert.equal(result.fix!.kind, 'manual');
    const comments = commentLines(result);
    assert.ok(comments.some((line) => line.includes('1. In postal.yml set dns.smtp_server_hostname: helo.postal.llamas.com')), 'a legacy file names the legacy key');
    assert.ok(comments.some((line) => line.includes("Pointless here: DNS_HELO_HOSTNAME in the worker's environment")));
  });

  it('helo_hostname under postal: is config.unknown-keys\' finding, pointed to once, with no second fix', async () => {
    const yaml = fixture(INSTALL_V3).replace('  smtp_hostname: postal.yourdomain.com\n', '  smtp_hostname: mail.example.com\n  helo_hostname: mta1.example.com\n');
    const result = await explain({ scenario: 'legacy-names', yaml, ptr: { [HOST_IP]: ['mta1.example.com'] } });
    assert.equal(result.status, 'skip', 'one mistake, one finding: the fail is in config.unknown-keys');
    assert.equal(result.messageId, 'misplaced-key');
    assert.match(result.message, /^postal\.helo_hostname \(line 7\) is where Postal does not read the HELO name: config\.unknown-keys reports it with the move to dns\.helo_hostname; until then Postal says HELO mail\.example\.com\./);
    assert.equal(result.message.match(/config\.unknown-keys/g)?.length, 1);
    assert.equal(result.fix, null, 'the move is config.unknown-keys\' fix');
  });

  it('with pools on as well, the pointer is said once and no sentence repeats', async () => {
    const yaml = fixture(INSTALL_V3).replace('  smtp_hostname: postal.yourdomain.com\n', '  smtp_hostname: mail.example.com\n  helo_hostname: mta1.example.com\n  use_ip_pools: true\n');
    const rows: PoolAddress[] = [{ pool: 'main', ipv4: '192.0.2.20', ipv6: null, hostname: 'mta20.example.com', priority: 100 }];
    const result = await explain({ scenario: 'running', yaml, ptr: { '192.0.2.20': ['mta20.example.com'] }, pools: { ok: true, addresses: rows } });
    const sentences = result.message.split(/(?<=\.) /);
    assert.equal(new Set(sentences).size, sentences.length, result.message);
    assert.equal(result.message.match(/config\.unknown-keys/g)?.length, 1);
    assert.ok(!(result.fix?.configChanges ?? []).some((change) => change.path.endsWith('helo_hostname')));
  });

  it('legacy compose names and a HELO that is not the PTR name: set dns.helo_hostname, restart both workers, workaround with the real names', async () => {
    const yaml = fixture(INSTALL_V3).replace('  smtp_hostname: postal.yourdomain.com\n', '  smtp_hostname: mail.acme.net\n');
    const result = await explain({ scenario: 'legacy-names', yaml, ptr: { [HOST_IP]: ['mta1.acme.net'] } });
    assert.equal(result.status, 'warn');
    assert.equal(result.messageId, 'helo-not-ptr');
    assert.deepEqual(result.fix?.configChanges, [{ path: 'dns.helo_hostname', to: 'mta1.acme.net' }]);
    assert.equal(result.fix?.commands[0], 'docker restart postal_worker_1 postal_worker_2');
    const comments = commentLines(result);
    const step = (text: string) => comments.findIndex((line) => line.includes(text));
    // The sending container restarts while postal.yml names the HELO host; smtp and web afterwards, with the public name.
    assert.ok(step('1. In postal.yml set postal.smtp_hostname: mta1.acme.net (now mail.acme.net)') > 0);
    assert.ok(step('2. docker restart postal_worker_1 postal_worker_2  -> the worker sends outbound mail in Postal 3') > step('1. In postal.yml'));
    assert.ok(step('3. In postal.yml set postal.smtp_hostname back to mail.acme.net') > step('2. docker restart'));
    assert.ok(step('4. docker restart postal_web_1 postal_smtp_1  -> the SMTP banner and the web interface name mail.acme.net') > step('3. In postal.yml'));
    assert.ok(step('Restarting postal_smtp_1 and then postal_web_1 instead, as some guides say, does not change the HELO') > 0);
    assert.ok(!comments.some((line) => line.includes('Notes that')), 'no garbled sentence');
  });

  it('no Docker daemon: explains from the file and says what was not checked', async () => {
    const result = await explain({ scenario: 'no-daemon', yaml: fixture(FULL_LEGACY) });
    assert.equal(result.status, 'pass');
    assert.match(result.message, /The worker's environment and start time were not checked: the Docker daemon is not reachable/);
  });

  it('the installer template left as is: the placeholder HELO is config.hostnames\' finding, pointed to with the PTR name', async () => {
    const result = await explain({ scenario: 'running', yaml: fixture(INSTALL_V3), ptr: { [HOST_IP]: ['mta1.example.com'] } });
    assert.equal(result.status, 'skip', 'one cause, one finding: config.hostnames fails postal.smtp_hostname');
    assert.equal(result.messageId, 'placeholder-name');
    assert.match(result.message, /^postal\.yourdomain\.com is a placeholder, not this server's name: config\.hostnames reports it with the change to make \(the PTR name of the sending IP is mta1\.example\.com\)\./);
    assert.equal(result.fix, null);
  });

  it('a version 2 file with the legacy key dns.smtp_server_hostname: the HELO falls back to the default', async () => {
    const yaml = fixture(INSTALL_V3).replace('  smtp_hostname: postal.yourdomain.com\n', '').replace('dns:\n', 'dns:\n  smtp_server_hostname: mta1.example.com\n');
    const result = await explain({ scenario: 'running', yaml, ptr: { [HOST_IP]: ['mta1.example.com'] } });
    assert.equal(result.messageId, 'legacy-key');
    assert.match(result.message, /dns\.smtp_server_hostname \(line \d+\) is ignored in a version 2 file/);
    assert.deepEqual(result.fix?.configChanges?.slice(0, 2), [
      { path: 'dns.smtp_server_hostname', from: 'mta1.example.com' },
      { path: 'postal.smtp_hostname', to: 'mta1.example.com' },
    ]);
  });
});

describe('postal.helo-hostname with IP pools', { skip }, () => {
  const poolsOn = () => fixture(FULL_LEGACY).replace('use_ip_pools: false', 'use_ip_pools: true');
  const rows: PoolAddress[] = [
    { pool: 'main', ipv4: '192.0.2.20', ipv6: null, hostname: 'mta20.example.com', priority: 100 },
    { pool: 'main', ipv4: '192.0.2.21', ipv6: null, hostname: `o'brien".example.com`, priority: 100 },
  ];
  const ptr = { '192.0.2.20': ['mta20.example.com'], '192.0.2.21': ['mta21.example.com'] };

  it('pools on: each pool IP sends its own hostname, helo_hostname is ignored, the hostname that is not the PTR gets SQL', async () => {
    const result = await explain({ scenario: 'running', yaml: poolsOn(), ptr, pools: { ok: true, addresses: rows } });
    assert.equal(result.status, 'warn');
    assert.equal(result.messageId, 'pools-ignore-helo');
    assert.match(result.message, /From 192\.0\.2\.20 Postal says HELO mta20\.example\.com \(the hostname of this IP in pool main; PTR mta20\.example\.com\)/);
    assert.match(result.message, /Also: 192\.0\.2\.21 has hostname o'brien"\.example\.com but PTR mta21\.example\.com/);
    assert.match(result.message, /without a pool IP .* says HELO helo\.postal\.llamas\.com/);
    assert.equal(result.fix?.kind, 'database');
    assert.deepEqual(result.fix?.commands[0], `mysql -h localhost -P 3306 -u postal -p postal -e 'UPDATE ip_addresses SET hostname = '\\''mta21.example.com'\\'' WHERE ipv4 = '\\''192.0.2.21'\\'';'`);
    assert.match(result.fix!.summary, /192\.0\.2\.21 → mta21\.example\.com \(now o'brien"\.example\.com\) — in the web interface under IP Pools → main → the IP → Hostname/);
    assert.ok(commentLines(result).some((line) => line.includes('Pointless here: IP pools are on')));
  });

  it("a row's hostname names its IPv4 and IPv6 address: renamed only when that suits both, else their PTR must change", async () => {
    const dual: PoolAddress[] = [{ pool: 'main', ipv4: '192.0.2.30', ipv6: '2001:db8::30', hostname: 'mta30.example.com', priority: 100 }];
    // IPv4 matches; the IPv6 PTR names another host: renaming the row would break IPv4.
    const split = await explain({ scenario: 'running', yaml: poolsOn(), ptr: { '192.0.2.30': ['mta30.example.com'], '2001:db8::30': ['v6.example.com'] }, pools: { ok: true, addresses: dual } });
    assert.equal(split.fix?.kind, 'provider');
    assert.ok(!split.fix!.commands.some((command) => command.startsWith('mysql')));
    assert.match(split.fix!.summary, /Ask the provider to change the PTR of 2001:db8::30 → mta30\.example\.com/);
    // Both addresses have the same other PTR name: one statement renames the row.
    const both = await explain({ scenario: 'running', yaml: poolsOn(), ptr: { '192.0.2.30': ['out30.example.com'], '2001:db8::30': ['out30.example.com'] }, pools: { ok: true, addresses: dual } });
    assert.equal(both.fix?.kind, 'database');
    assert.deepEqual(both.fix!.commands.filter((command) => command.startsWith('mysql')), [
      `mysql -h localhost -P 3306 -u postal -p postal -e 'UPDATE ip_addresses SET hostname = '\\''out30.example.com'\\'' WHERE ipv4 = '\\''192.0.2.30'\\'';'`,
    ]);
  });

  it('pools off: the database is not consulted and the default HELO applies to the host address', async () => {
    const result = await explain({ scenario: 'running', yaml: fixture(FULL_LEGACY) });
    assert.equal(result.messageId, 'ok');
    assert.doesNotMatch(result.message, /pool/);
  });

  it('pools on but the database refuses: the pool HELO names are unknown', async () => {
    const result = await explain({ scenario: 'running', yaml: poolsOn(), pools: { ok: false, code: 'refused', message: 'connect ECONNREFUSED 127.0.0.1:3306' } });
    assert.equal(result.status, 'unknown');
    assert.equal(result.messageId, 'pools-unread');
  });
});
