import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckDefinition, Report, Result } from '../../../src/core/types.js';
import type { PoolQueryResult, Probes } from '../../../src/probes/types.js';
import { runChecks } from '../../../src/core/runner.js';
import { defaultRunOptions } from '../../../src/core/options.js';
import { exitCodeFor, summarise } from '../../../src/core/exit-code.js';
import { sh } from '../../../src/util/shell.js';
import { createCommandProbe } from '../../../src/probes/commands.js';
import { createFileProbe } from '../../../src/probes/files.js';
import { renderFixScript, isSingleCommand } from '../../../src/reporters/fix-script.js';
import { postalContainersCheck } from '../../../src/checks/postal/containers.js';
import { postalHeloHostnameCheck } from '../../../src/checks/postal/helo-hostname.js';
import { postalRestartNeededCheck } from '../../../src/checks/postal/restart-needed.js';
import { postalVersionCheck } from '../../../src/checks/postal/version.js';
import { configEnvOverridesCheck } from '../../../src/checks/config/env-overrides.js';
import { ptrCheck } from '../../../src/checks/dns/ptr.js';
import { altPorts } from '../../../src/checks/network/alt-ports.js';
import { testConfig } from '../../support/check-tester.js';
import { fakeDns, fakeProbes, unfakedMethod } from '../../support/fakes.js';
import { restorePath, useDockerScenario } from '../../support/docker.js';
import { makeHostRoot } from '../../support/host-root.js';
import { sampleResult } from '../../support/sample-report.js';
import { EMPTY_NAT, EMPTY_NFT, fakeCommands, fakeHost, fakeTcp } from '../../support/network-fakes.js';

const CONFIG = '/opt/postal/config/postal.yml';

/** Values a config file, the database or DNS could carry, aimed at the shell. */
const SMTP_HOSTNAME = 'x; rm -rf /; $(reboot); `touch pwned`';
const HELO_WITH_NEWLINE = 'mta.example.com\nreboot';
const DB_HOST = 'db.local; reboot';
const POOL_HOSTNAME = `o'brien"; DROP TABLE ip_addresses; --`;
const HOSTILE_PTR = "mta21'; $(reboot) `id`.example.com";
const KEY_PATH = "/opt/postal/config/smtp.key'; reboot; '";
const NEWLINE_ADDRESS = '192.0.2.10\n$(reboot)';

/** Programs a fix may run; everything else in the sandbox is a canary that must never be called. */
const INTENDED = ['iptables', 'ip6tables', 'nft', 'docker', 'chmod', 'chown', 'netfilter-persistent', 'systemctl', 'ip', 'mysql'];
const CANARIES = ['rm', 'reboot', 'touch', 'id', 'sh', 'bash', 'cat', 'curl', 'wget', 'postal', 'grep', 'echo', 'printf', 'true', 'python3', 'node'];

async function runAll(checks: CheckDefinition[], yaml: string, probes: Partial<Probes>, hostRoot: string): Promise<Result[]> {
  const config = testConfig(yaml, CONFIG);
  const { results } = await runChecks({
    checks,
    skipped: new Set(),
    config,
    options: { ...defaultRunOptions(), configPath: CONFIG, hostRoot },
    probes: fakeProbes(probes),
  });
  return results;
}

const hostProbe: Probes['host'] = { addresses: async () => [{ address: '192.0.2.10', family: 4, interface: 'eth0', internal: false }] };

/** Pools on, read from a "database" with a quoted hostname, a PTR name with shell syntax, a worker older than postal.yml. */
async function poolRun(): Promise<Result[]> {
  useDockerScenario('config-changed');
  const yaml = `version: 2
postal:
  smtp_hostname: mail.example.com
  use_ip_pools: true
dns:
  helo_hostname: mail.example.com
main_db:
  host: "${DB_HOST}"
`;
  const host = makeHostRoot({ [CONFIG]: { text: yaml, mtime: '2026-11-25T12:00:00Z' } });
  const pools: PoolQueryResult = { ok: true, addresses: [{ pool: 'main', ipv4: '192.0.2.21', ipv6: null, hostname: POOL_HOSTNAME, priority: 100 }] };
  try {
    return await runAll(
      [ptrCheck, postalHeloHostnameCheck, postalRestartNeededCheck],
      yaml,
      {
        commands: createCommandProbe(),
        files: createFileProbe(host.root),
        dns: fakeDns({ 'PTR 21.2.0.192.in-addr.arpa': [HOSTILE_PTR] }),
        host: hostProbe,
        database: { ipPools: async () => pools, domains: unfakedMethod('database.domains') },
      },
      host.root,
    );
  } finally {
    host.cleanup();
    restorePath();
  }
}

/** Pools off, a hostile smtp_hostname and a HELO name with a line break; smtp restarting and every container older than postal.yml. */
async function plainRun(): Promise<Result[]> {
  useDockerScenario('smtp-restarting');
  const yaml = `version: 2
postal:
  smtp_hostname: ${JSON.stringify(SMTP_HOSTNAME)}
dns:
  helo_hostname: ${JSON.stringify(HELO_WITH_NEWLINE)}
`;
  const host = makeHostRoot({ [CONFIG]: { text: yaml, mtime: '2026-11-27T10:00:00Z' } });
  try {
    return await runAll(
      [configEnvOverridesCheck, ptrCheck, postalVersionCheck, postalContainersCheck, postalHeloHostnameCheck, postalRestartNeededCheck],
      yaml,
      { commands: createCommandProbe(), files: createFileProbe(host.root), dns: fakeDns({ 'PTR 10.2.0.192.in-addr.arpa': ['mta1.example.com'] }), host: hostProbe },
      host.root,
    );
  } finally {
    host.cleanup();
    restorePath();
  }
}

/** Fixes the way the network, tls and dns checks shape them, carrying hostile values. */
function otherChecksResults(): Result[] {
  return [
    sampleResult({
      check: 'network.alt-ports',
      status: 'fail',
      target: '587',
      title: 'Port 587 does not reach the SMTP server',
      fix: {
        kind: 'firewall',
        summary: 'Redirect 587 to 25 for remote and local clients, and keep the rules',
        commands: [
          'iptables -t nat -C PREROUTING -p tcp --match multiport --dports 587,2525 -j REDIRECT --to-ports 25 2>/dev/null || iptables -t nat -A PREROUTING -p tcp --match multiport --dports 587,2525 -j REDIRECT --to-ports 25',
          sh`iptables -t nat -A OUTPUT -p tcp -d ${NEWLINE_ADDRESS} --dport 587 -j REDIRECT --to-ports 25`,
          'ip6tables -t nat -C PREROUTING -p tcp --match multiport --dports 587,2525 -j REDIRECT --to-ports 25 2>/dev/null || ip6tables -t nat -A PREROUTING -p tcp --match multiport --dports 587,2525 -j REDIRECT --to-ports 25',
          'nft add rule ip nat prerouting tcp dport { 587, 2525 } redirect to :25',
          'netfilter-persistent save',
          'systemctl enable netfilter-persistent',
        ],
      },
    }),
    sampleResult({
      check: 'network.alt-ports',
      status: 'fail',
      target: '2525',
      title: 'Port 2525 does not reach the SMTP server',
      fix: {
        kind: 'firewall',
        summary: 'Redirect 2525 to 25 for local clients, and keep the rule',
        commands: ['iptables -t nat -C OUTPUT -o lo -p tcp --dport 2525 -j REDIRECT --to-ports 25 2>/dev/null || iptables -t nat -A OUTPUT -o lo -p tcp --dport 2525 -j REDIRECT --to-ports 25', 'netfilter-persistent save'],
      },
    }),
    sampleResult({
      check: 'config.secrets',
      status: 'warn',
      target: KEY_PATH,
      title: `${KEY_PATH} is world-readable`,
      fix: { kind: 'file', summary: 'Let only root and the container user read the key', commands: [sh`chown root:999 ${KEY_PATH}`, sh`chmod 640 ${KEY_PATH}`] },
    }),
    sampleResult({
      check: 'dns.spf',
      status: 'fail',
      target: 'spf.example.com',
      title: 'SPF does not authorise 192.0.2.10',
      fix: { kind: 'dns', summary: 'Publish this SPF record', commands: [], records: ['spf.example.com. 3600 IN TXT "v=spf1 ip4:192.0.2.10 ~all"', 'evil.example.com. 3600 IN TXT "a\nreboot"'] },
    }),
    sampleResult({
      check: 'dns.ptr',
      status: 'fail',
      target: '192.0.2.11',
      title: '192.0.2.11 has no PTR record',
      fix: { kind: 'provider', summary: 'Ask the provider of 192.0.2.11 to set its reverse DNS', commands: [], records: ['11.2.0.192.in-addr.arpa. 3600 IN PTR mta2.example.com.\nreboot'] },
    }),
    sampleResult({
      check: 'tls.live',
      status: 'warn',
      target: 'mail.example.com:25',
      title: 'The served certificate is older than the one on disk',
      // Built without sh by mistake: the line break would start a second command.
      fix: { kind: 'restart', summary: 'Restart the SMTP server', commands: ['docker restart postal-smtp-1', 'docker restart postal-smtp-1\nreboot'] },
    }),
    sampleResult({
      check: 'dns.mx-records',
      status: 'pass',
      target: 'mx.example.com',
      title: 'mx.example.com points here',
      fix: { kind: 'dns', summary: 'never shown', commands: ['chmod 777 /should-not-appear'], records: ['never.example.com. 3600 IN A 192.0.2.99'] },
    }),
  ];
}

function reportOf(results: Result[]): Report {
  const summary = summarise(results);
  return {
    schemaVersion: 1,
    tool: { name: 'postal-doctor', version: '1.0.0' },
    startedAt: '2026-11-27T11:00:00.000Z',
    durationMs: 1200,
    config: { path: CONFIG, format: 2 },
    outboundIps: [],
    summary,
    exitCode: exitCodeFor(results, 'fail'),
    results,
  };
}

interface Sandbox {
  dir: string;
  run(script: string): { status: number | null; stderr: string; calls: string[][] };
}

/** A directory whose PATH holds only recording stand-ins: each appends its name and arguments to a log as JSON. */
function makeSandbox(programs: string[] = [...INTENDED, ...CANARIES]): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'pd-sandbox-'));
  const bin = join(dir, 'bin');
  const log = join(dir, 'calls.jsonl');
  mkdirSync(bin);
  writeFileSync(log, '');
  const recorder = `#!${process.execPath}\nrequire('fs').appendFileSync(${JSON.stringify(log)}, JSON.stringify([require('path').basename(process.argv[1]), ...process.argv.slice(2)]) + '\\n');\n`;
  for (const name of programs) {
    writeFileSync(join(bin, name), recorder);
    chmodSync(join(bin, name), 0o755);
  }
  return {
    dir,
    run(script) {
      const file = join(dir, 'fix.sh');
      writeFileSync(file, script);
      writeFileSync(log, '');
      const outcome = spawnSync('/bin/bash', [file], { cwd: dir, env: { PATH: bin, HOME: dir }, encoding: 'utf8', timeout: 20000 });
      const calls = readFileSync(log, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as string[]);
      return { status: outcome.status, stderr: outcome.stderr, calls };
    },
  };
}

describe('fix script', () => {
  let script: string;
  let results: Result[];
  let sandbox: Sandbox;

  before(async () => {
    results = [...(await plainRun()), ...(await poolRun()), ...otherChecksResults()];
    script = renderFixScript(reportOf(results));
    sandbox = makeSandbox();
  });
  after(() => rmSync(sandbox.dir, { recursive: true, force: true }));

  it('is valid bash (bash -n) with the shebang and strict mode first', () => {
    const check = spawnSync('/bin/bash', ['-n'], { input: script, encoding: 'utf8' });
    assert.equal(check.status, 0, check.stderr);
    assert.deepEqual(script.split('\n').slice(0, 1), ['#!/usr/bin/env bash']);
    assert.ok(script.split('\n').slice(1, 6).includes('set -euo pipefail'));
  });

  it('comes from real check runs that found the problems it fixes', () => {
    const problems = (id: string) => results.filter((result) => result.check === id && result.status !== 'pass').map((result) => result.messageId);
    assert.deepEqual(problems('postal.helo-hostname'), ['helo-not-ptr', 'pools-ignore-helo']);
    assert.match(results.find((result) => result.messageId === 'helo-not-ptr')!.message, /Also: postal\.yml changed after postal-worker-1 started/);
    assert.deepEqual(problems('postal.containers'), ['restarting']);
    assert.ok(problems('postal.restart-needed').includes('stale'));
  });

  it('runs only the intended programs, each hostile value arriving as one plain argument', () => {
    const { status, stderr, calls } = sandbox.run(script);
    assert.equal(status, 0, stderr);
    assert.equal(stderr, '');
    const programs = new Set(calls.map((call) => call[0]));
    for (const program of programs) assert.ok(INTENDED.includes(program), `the script ran ${program}: ${JSON.stringify(calls.filter((call) => call[0] === program))}`);

    const mysql = calls.filter((call) => call[0] === 'mysql');
    assert.deepEqual(mysql, [
      ['mysql', '-h', DB_HOST, '-P', '3306', '-u', 'postal', '-p', 'postal', '-e', `UPDATE ip_addresses SET hostname = 'mta21''; $(reboot) \`id\`.example.com' WHERE ipv4 = '192.0.2.21';`],
    ]);
    assert.ok(calls.some((call) => call[0] === 'chmod' && call[1] === '640' && call[2] === KEY_PATH && call.length === 3));
    assert.ok(calls.some((call) => call[0] === 'iptables' && call.includes(NEWLINE_ADDRESS)));
  });

  it('orders the blocks safely: database, files, firewall, then one de-duplicated docker restart', () => {
    const { calls } = sandbox.run(script);
    const position = (program: string) => calls.findIndex((call) => call[0] === program);
    assert.ok(position('mysql') < position('chown'));
    assert.ok(position('chmod') < position('iptables'));
    assert.ok(position('netfilter-persistent') < position('docker'));
    // The rules of every fix first, then one save, so that no rule is added after the rules were saved.
    assert.deepEqual(calls.filter((call) => call[0] === 'netfilter-persistent'), [['netfilter-persistent', 'save']]);
    const lastRule = calls.map((call) => call[0]).reduce((last, program, index) => (['iptables', 'ip6tables', 'nft'].includes(program) ? index : last), -1);
    assert.ok(lastRule < position('netfilter-persistent'));
    assert.ok(lastRule < position('systemctl'));
    const restarts = calls.filter((call) => call[0] === 'docker');
    assert.deepEqual(restarts, [['docker', 'restart', 'postal-worker-1', 'postal-web-1', 'postal-smtp-1']]);
    assert.equal(calls.at(-1)?.[0], 'docker');
  });

  it('puts what needs a human before the restarts, which come last', () => {
    const headings = script.split('\n').filter((line) => line.startsWith('# ===='));
    const byHand = headings.findIndex((line) => line.includes('By hand'));
    assert.ok(byHand >= 0);
    assert.equal(byHand, headings.length - 2);
    assert.match(headings.at(-1) ?? '', /Restarts, last/);
  });

  it('names the result above each block and shows config edits as the YAML to write, with the value they replace', () => {
    assert.match(script, /^# Fixes postal\.helo-hostname: The HELO name is not the PTR name of the sending IP$/m);
    assert.match(script, /^# Fixes postal\.containers postal-smtp-1: postal-smtp-1 is restarting in a loop$/m);
    assert.match(script, /^# {5}dns:\n# {5}  helo_hostname: mta1\.example\.com  # was "mta\.example\.com\\nreboot"$/m);
    assert.match(script, /^# {3}In \/opt\/postal\/config\/postal\.yml \(edit by hand\):$/m);
    assert.doesNotMatch(script, /^sed /m);
  });

  it('puts every record to publish in one DNS block of comments, and provider requests in theirs', () => {
    const lines = script.split('\n');
    const dnsHeading = lines.findIndex((line) => line.includes('DNS records to publish'));
    const nextHeading = lines.findIndex((line, index) => index > dnsHeading && line.startsWith('# ===='));
    const block = lines.slice(dnsHeading, nextHeading);
    assert.ok(block.includes('#   spf.example.com. 3600 IN TXT "v=spf1 ip4:192.0.2.10 ~all"'));
    assert.ok(block.includes('#   evil.example.com. 3600 IN TXT "a\\nreboot"'));
    assert.ok(lines.includes('#   Ask for: 11.2.0.192.in-addr.arpa. 3600 IN PTR mta2.example.com.\\nreboot'));
    assert.ok(lines.findIndex((line) => line.includes('Requests for your hosting provider')) < dnsHeading);
  });

  it('keeps every command outside comments one of an intended program, and never lets a value end a comment', () => {
    // A quoted value may hold a line break: read the script as the shell does, one complete command at a time.
    const commands: string[] = [];
    let pending = '';
    // The closing lines say, in fixed words, what is left for a person.
    const body = script.slice(0, script.indexOf('# Said when the script ends'));
    assert.match(script.slice(body.length), /^(#.*|echo '[^'\n]*')(\n(echo '[^'\n]*'))*\n$/);
    for (const line of body.split('\n')) {
      if (pending === '' && line.startsWith('#')) continue;
      pending = pending ? `${pending}\n${line}` : line;
      if (!isSingleCommand(pending)) continue;
      if (pending !== '') commands.push(pending);
      pending = '';
    }
    assert.equal(pending, '');
    assert.equal(commands[0], 'set -euo pipefail');
    for (const command of commands.slice(1)) assert.ok(INTENDED.includes(command.split(' ')[0]), `unexpected command: ${command}`);
    assert.ok(commands.includes(`iptables -t nat -A OUTPUT -p tcp -d '192.0.2.10\n$(reboot)' --dport 587 -j REDIRECT --to-ports 25`));
    assert.ok(!script.split('\n').some((line) => line.startsWith('reboot')), 'a line break in a value started a command');
    assert.match(script, /^# {3}Not run, as it spans lines outside quotes; review it: docker restart postal-smtp-1\\nreboot$/m);
  });

  it('leaves single container restarts as comments beside postal restart, which restarts them all', () => {
    const text = renderFixScript(
      reportOf([
        sampleResult({ check: 'config.app-smtp', status: 'fail', fix: { kind: 'config', summary: 'Set smtp.port to 25', commands: ['postal restart'], configChanges: [{ path: 'smtp.port', from: 2525, to: 25 }] } }),
        sampleResult({ check: 'postal.restart-needed', status: 'warn', target: 'postal-smtp-1', fix: { kind: 'restart', summary: 'Restart', commands: ['docker restart postal-smtp-1'] } }),
      ]),
    );
    const commands = text.split('\n').filter((line) => line && !line.startsWith('#') && !line.startsWith('echo '));
    assert.deepEqual(commands, ['set -euo pipefail', 'postal restart']);
    assert.match(text, /^# {3}\(postal restart restarts these too\) docker restart postal-smtp-1$/m);
    assert.match(text, /^# {5}smtp:\n# {5}  port: 25  # was 2525$/m);
    assert.match(text, /^echo ' {2}- edit postal\.yml by hand \(section "Changes to postal\.yml"\): 1 problem'$/m);
  });

  it('prints a DNS fix once, its records and the command that prints a record together', () => {
    const text = renderFixScript(
      reportOf([
        sampleResult({
          check: 'dns.return-path',
          status: 'fail',
          target: 'rp.example.com',
          title: 'Return-path domain rp.example.com is incomplete',
          fix: { kind: 'dns', summary: 'Publish the records rp.example.com is missing', commands: ['postal default-dkim-record'], records: ['rp.example.com. 3600 IN MX 10 mail.example.com.'] },
        }),
      ]),
    );
    assert.equal(text.split('\n').filter((line) => line.includes('dns.return-path rp.example.com')).length, 1);
    assert.match(text, /^# {3}rp\.example\.com\. 3600 IN MX 10 mail\.example\.com\.\n# {3}Run: postal default-dkim-record$/m);
  });

  it('lists a DNS fix that has no record of its own in the DNS block, by its summary', () => {
    const text = renderFixScript(
      reportOf([sampleResult({ check: 'dns.return-path', status: 'fail', target: 'rp.example.com', title: 'Return-path domain rp.example.com is incomplete', fix: { kind: 'dns', summary: 'Authorise the outbound IPs in the SPF record of spf.example.com', commands: [], records: [] } })]),
    );
    assert.match(text, /^# For dns\.return-path rp\.example\.com: Return-path domain rp\.example\.com is incomplete\n# {3}Authorise the outbound IPs in the SPF record of spf\.example\.com$/m);
  });

  it('says nothing about results that pass, and lists problems without a scripted fix', () => {
    assert.doesNotMatch(script, /never shown|should-not-appear|never\.example\.com/);
    const withoutFix = renderFixScript(reportOf([sampleResult({ check: 'tls.chain', status: 'fail', title: 'The chain is incomplete' })]));
    assert.match(withoutFix, /^# {3}fail: tls\.chain: The chain is incomplete$/m);
    const clean = renderFixScript(reportOf([sampleResult({ check: 'tls.chain', status: 'pass' })]));
    assert.match(clean, /Nothing to fix/);
    assert.equal(spawnSync('/bin/bash', ['-n'], { input: clean }).status, 0);
  });
});

describe('fix script: firewall rules and their persistence', () => {
  const host = fakeHost([['127.0.0.1', 'lo'], ['203.0.113.5', 'eth0']]);
  const altPortsScript = async (commands: Probes['commands']) =>
    renderFixScript(reportOf(await runAll([altPorts], 'version: 2\n', { host, commands, tcp: fakeTcp({}) }, '/')));

  it('saves the nft table once, after the rules of both ports', async () => {
    const script = await altPortsScript(fakeCommands({ 'nft -j list ruleset': EMPTY_NFT }));
    const lines = script.split('\n');
    const lastRule = lines.map((line) => line.includes('|| nft add rule')).lastIndexOf(true);
    assert.ok(lines.some((line) => line.endsWith('|| nft add rule ip postal prerouting tcp dport 2525 redirect to :25')));
    assert.deepEqual(lines.filter((line) => line.startsWith('nft list table')), ['nft list table ip postal > /etc/nftables.d/postal-ip.nft']);
    assert.ok(lines.indexOf('nft list table ip postal > /etc/nftables.d/postal-ip.nft') > lastRule);
    assert.ok(lines.indexOf('systemctl enable nftables') > lastRule);
  });

  it('saves iptables rules with iptables-persistent, but never installs it where it would remove ufw', async () => {
    const script = await altPortsScript(fakeCommands({ 'iptables-save -t nat': EMPTY_NAT, 'ip6tables-save -t nat': EMPTY_NAT }));
    const programs = ['iptables', 'ip6tables', 'apt-get', 'netfilter-persistent'];
    const plain = makeSandbox(programs);
    const withUfw = makeSandbox([...programs, 'ufw']);
    try {
      const saved = plain.run(script);
      assert.equal(saved.status, 0, saved.stderr);
      const order = saved.calls.map((call) => call[0]);
      assert.equal(order.filter((program) => program === 'iptables').length, 4, 'PREROUTING and OUTPUT for 587 and 2525');
      assert.deepEqual(order.slice(-2), ['apt-get', 'netfilter-persistent']);
      assert.deepEqual(saved.calls.at(-1), ['netfilter-persistent', 'save']);

      const kept = withUfw.run(script);
      assert.equal(kept.status, 0, kept.stderr);
      assert.ok(!kept.calls.some((call) => call[0] === 'apt-get' || call[0] === 'netfilter-persistent'), JSON.stringify(kept.calls));
      assert.equal(kept.calls.filter((call) => call[0] === 'iptables').length, 4);
    } finally {
      rmSync(plain.dir, { recursive: true, force: true });
      rmSync(withUfw.dir, { recursive: true, force: true });
    }
  });
});

describe('isSingleCommand', () => {
  it('tells a line break inside quotes from one that starts a new command', () => {
    assert.equal(isSingleCommand(sh`iptables -d ${'a\nb'}`), true);
    assert.equal(isSingleCommand('echo "a\nb"'), true);
    assert.equal(isSingleCommand('echo a\nreboot'), false);
    assert.equal(isSingleCommand("echo 'unterminated"), false);
    assert.equal(isSingleCommand('echo a \\\nreboot'), false);
    assert.equal(isSingleCommand("iptables -L # it's a note"), true);
    assert.equal(isSingleCommand('iptables -L # note\nreboot'), false);
  });
});
