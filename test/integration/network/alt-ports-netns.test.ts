import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { createLab, netnsSkipReason, type Lab, type LabOptions } from '../../support/netns.js';
import { IPTABLES_PERSISTENCE, isRuleCommand } from '../../../src/knowledge/firewall/nat-rules.js';
import type { Result } from '../../../src/core/types.js';

const skip = netnsSkipReason();
if (skip) console.log(`# skipping alt-ports namespace tests: ${skip}`);

const YAML = 'version: 2\npostal:\n  smtp_hostname: postal.test\n';
const BANNER = '220 postal.test ESMTP Postal/netns';
const V4: LabOptions = { clientAddresses: ['192.0.2.1/24'], remoteAddresses: ['192.0.2.10/24'] };
const DUAL: LabOptions = { clientAddresses: ['192.0.2.1/24', '2001:db8::1/64'], remoteAddresses: ['192.0.2.10/24', '2001:db8::10/64'] };

/** A native nftables host (Debian's /etc/nftables.conf), with no nat rules. */
const NFT_FILTER = `table inet filter {
  chain input {
    type filter hook input priority filter; policy accept;
  }
}
`;

const summary = (results: Result[]) => results.map(({ target, status, messageId }) => ({ target, status, messageId }));

describe('network.alt-ports against real nat rules in a network namespace', { skip }, () => {
  const labs: Lab[] = [];
  afterEach(async () => {
    while (labs.length > 0) await labs.pop()!.destroy();
  });

  /** A host with Postal's SMTP server (a greeter on port 25, all addresses) and a remote client. */
  async function postalHost(options: LabOptions): Promise<Lab> {
    const lab = await createLab(options);
    labs.push(lab);
    await lab.client.startGreeter('::', 25, BANNER);
    return lab;
  }

  const check = (lab: Lab, offline = false) => lab.client.doctor(['network.alt-ports'], YAML, { timeoutMs: 1000, offline });

  /** Runs the printed rules on the host as an operator pasting them would; afterwards both ports must pass. */
  async function applyFixAndRecheck(lab: Lab, rules: string[]): Promise<void> {
    for (const command of rules) {
      const ran = await lab.client.sh(command);
      assert.equal(ran.code, 0, `${command}: ${ran.stderr}`);
    }
    assert.deepEqual(summary(await check(lab)), [
      { target: '587', status: 'pass', messageId: 'redirected' },
      { target: '2525', status: 'pass', messageId: 'redirected' },
    ]);
  }

  it('PREROUTING only: half-done; remote clients reach Postal, 127.0.0.1:2525 does not', async () => {
    const lab = await postalHost(V4);
    for (const port of ['587', '2525']) {
      await lab.client.must('iptables', ['-t', 'nat', '-A', 'PREROUTING', '-p', 'tcp', '--dport', port, '-j', 'REDIRECT', '--to-ports', '25']);
    }
    const results = await check(lab);
    assert.deepEqual(summary(results), [
      { target: '587', status: 'warn', messageId: 'half-done' },
      { target: '2525', status: 'warn', messageId: 'half-done' },
    ]);
    assert.deepEqual(results[1].fix!.commands.filter(isRuleCommand), ['iptables -t nat -C OUTPUT -o lo -p tcp --dport 2525 -j REDIRECT --to-ports 25 2>/dev/null || iptables -t nat -A OUTPUT -o lo -p tcp --dport 2525 -j REDIRECT --to-ports 25']);
    assert.equal(await lab.remote.connect('192.0.2.1', 2525), BANNER);
    assert.equal(await lab.client.connect('127.0.0.1', 2525), 'ECONNREFUSED');
  });

  it('both chains with one multiport rule each: pass, and 127.0.0.1:2525 really reaches the listener on 25', async () => {
    const lab = await postalHost(V4);
    await lab.client.must('iptables', ['-t', 'nat', '-A', 'PREROUTING', '-p', 'tcp', '--match', 'multiport', '--dports', '587,2525', '-j', 'REDIRECT', '--to-ports', '25']);
    await lab.client.must('iptables', ['-t', 'nat', '-A', 'OUTPUT', '-o', 'lo', '-p', 'tcp', '--match', 'multiport', '--dports', '587,2525', '-j', 'REDIRECT', '--to-ports', '25']);
    const results = await check(lab);
    assert.deepEqual(summary(results), [
      { target: '587', status: 'pass', messageId: 'redirected' },
      { target: '2525', status: 'pass', messageId: 'redirected' },
    ]);
    const live = results[1].evidence.find((entry) => entry.query === 'TCP 127.0.0.1:2525')!.answer as { banner: string };
    assert.equal(live.banner, BANNER);
    assert.equal(await lab.client.connect('127.0.0.1', 2525), BANNER);
    assert.equal(await lab.remote.connect('192.0.2.1', 587), BANNER);
  });

  it('nft-native rules: reads them, and prints nft rules for what is missing', async () => {
    const lab = await postalHost(V4);
    await lab.client.must('nft', ['-f', '-'], `${NFT_FILTER}table ip nat {
  chain prerouting {
    type nat hook prerouting priority dstnat; policy accept;
    tcp dport { 587, 2525 } redirect to :25
  }
  chain output {
    type nat hook output priority -100; policy accept;
    oifname "lo" tcp dport 587 redirect to :25
  }
}
`);
    const results = await check(lab);
    assert.deepEqual(summary(results), [
      { target: '587', status: 'pass', messageId: 'redirected' },
      { target: '2525', status: 'warn', messageId: 'half-done' },
    ]);
    assert.deepEqual(results[1].fix!.commands.filter(isRuleCommand), [
      'nft add table ip postal',
      "nft add chain ip postal output '{ type nat hook output priority -100; }'",
      "nft list chain ip postal output | grep -F 'tcp dport 2525 ' >/dev/null || nft add rule ip postal output oifname lo tcp dport 2525 redirect to :25",
    ]);
    assert.equal(await lab.client.connect('127.0.0.1', 587), BANNER);
  });

  it('the printed iptables and ip6tables fix, run in a fresh namespace, makes both ports work for both families', async () => {
    const before = await postalHost(DUAL);
    const broken = await check(before, true);
    assert.deepEqual(summary(broken), [
      { target: '587', status: 'fail', messageId: 'missing' },
      { target: '2525', status: 'fail', messageId: 'missing' },
    ]);
    const commands = broken.flatMap((result) => result.fix!.commands);
    const rules = commands.filter(isRuleCommand);
    assert.equal(rules.length, 8, 'PREROUTING and OUTPUT, IPv4 and IPv6, for each port');
    assert.deepEqual([...new Set(commands.filter((command) => !isRuleCommand(command)))], [IPTABLES_PERSISTENCE]);

    const fresh = await postalHost(DUAL);
    await applyFixAndRecheck(fresh, rules);
    assert.equal(await fresh.client.connect('127.0.0.1', 2525), BANNER);
    assert.equal(await fresh.client.connect('::1', 2525), BANNER);
    assert.equal(await fresh.remote.connect('192.0.2.1', 587), BANNER);
    assert.equal(await fresh.remote.connect('2001:db8::1', 2525), BANNER);
  });

  it('the printed nft fix, run in a fresh nft-native namespace, makes both ports work', async () => {
    const before = await postalHost(V4);
    await before.client.must('nft', ['-f', '-'], NFT_FILTER);
    const broken = await check(before, true);
    assert.deepEqual(summary(broken).map((result) => result.messageId), ['missing', 'missing']);
    const rules = broken.flatMap((result) => result.fix!.commands).filter(isRuleCommand);
    assert.ok(rules.every((command) => command.startsWith('nft ')), rules.join('\n'));

    const fresh = await postalHost(V4);
    await fresh.client.must('nft', ['-f', '-'], NFT_FILTER);
    await applyFixAndRecheck(fresh, rules);
    assert.equal(await fresh.client.connect('127.0.0.1', 2525), BANNER);
    assert.equal(await fresh.remote.connect('192.0.2.1', 587), BANNER);
    // Run a second time, the same rules change nothing: one rule per port and chain.
    const once = await fresh.client.must('nft', ['list', 'table', 'ip', 'postal']);
    for (const command of rules) assert.equal((await fresh.client.exec('bash', ['-c', `set -euo pipefail; ${command}`])).code, 0, command);
    const saved = await fresh.client.must('nft', ['list', 'table', 'ip', 'postal']);
    assert.equal(saved, once);
    assert.equal(saved.split('\n').filter((line) => line.includes('redirect to :25')).length, 4, saved);
    // What the persistence step saves loads back cleanly.
    const reload = await fresh.client.exec('nft', ['-c', '-f', '-'], saved);
    assert.equal(reload.code, 0, reload.stderr);
  });

  it('a PREROUTING DNAT to 127.0.0.1:25 works only with route_localnet=1, and the doctor says so', async () => {
    const lab = await postalHost(V4);
    await lab.client.must('iptables', ['-t', 'nat', '-A', 'PREROUTING', '-p', 'tcp', '--dport', '587', '-j', 'DNAT', '--to-destination', '127.0.0.1:25']);
    await lab.client.must('iptables', ['-t', 'nat', '-A', 'OUTPUT', '-o', 'lo', '-p', 'tcp', '--dport', '587', '-j', 'REDIRECT', '--to-ports', '25']);
    const off = await check(lab, true);
    assert.deepEqual(summary(off)[0], { target: '587', status: 'fail', messageId: 'missing' });
    assert.equal(await lab.remote.connect('192.0.2.1', 587, 700), 'TIMEOUT');
    // The printed fix puts a REDIRECT before the DNAT, which works without route_localnet.
    const fix = off[0].fix!.commands.filter(isRuleCommand);
    assert.deepEqual(fix, ['iptables -t nat -C PREROUTING -p tcp --dport 587 -j REDIRECT --to-ports 25 2>/dev/null || iptables -t nat -I PREROUTING 1 -p tcp --dport 587 -j REDIRECT --to-ports 25']);
    assert.equal((await lab.client.sh(fix[0])).code, 0);
    assert.deepEqual(summary(await check(lab, true))[0], { target: '587', status: 'pass', messageId: 'redirected' });
    assert.equal(await lab.remote.connect('192.0.2.1', 587), BANNER);

    // Without the fix, the DNAT alone starts working once route_localnet is on.
    await lab.client.must('iptables', ['-t', 'nat', '-D', 'PREROUTING', '1']);
    await lab.client.must('sysctl', ['-qw', 'net.ipv4.conf.all.route_localnet=1']);
    const on = await check(lab, true);
    assert.deepEqual(summary(on)[0], { target: '587', status: 'pass', messageId: 'redirected' });
    assert.equal(await lab.remote.connect('192.0.2.1', 587), BANNER);
  });

  it("config.app-smtp follows the same rules: the installer's smtp.port 2525 needs the OUTPUT redirect", async () => {
    const lab = await postalHost(V4);
    const yaml = `${YAML}smtp:\n  host: 127.0.0.1\n  port: 2525\n`;
    const before = await lab.client.doctor(['config.app-smtp'], yaml, { timeoutMs: 1000 });
    assert.deepEqual(summary(before), [{ target: null, status: 'fail', messageId: 'needs-redirect' }]);
    await lab.client.must('iptables', ['-t', 'nat', '-A', 'OUTPUT', '-o', 'lo', '-p', 'tcp', '--dport', '2525', '-j', 'REDIRECT', '--to-ports', '25']);
    const after = await lab.client.doctor(['config.app-smtp'], yaml, { timeoutMs: 1000 });
    assert.deepEqual(summary(after), [{ target: null, status: 'pass', messageId: 'ok' }]);
  });
});
