import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { altPorts } from '../../src/checks/network/alt-ports.js';
import { brief, runCheck } from '../support/check-tester.js';
import { denied, EMPTY_NAT, EMPTY_NFT, fakeCommands, fakeHost, fakeTcp } from '../support/network-fakes.js';
import { DOCKER_IPTABLES_SAVE, NFT_IPTABLES_COMPAT_JSON, NFT_NATIVE_JSON } from '../support/nat-samples.js';

const YAML = 'version: 2\npostal:\n  smtp_hostname: postal.example.org\n';
const V4_HOST = fakeHost([['127.0.0.1', 'lo'], ['203.0.113.5', 'eth0'], ['172.17.0.1', 'docker0']]);
const DUAL_HOST = fakeHost([['127.0.0.1', 'lo'], ['::1', 'lo'], ['203.0.113.5', 'eth0'], ['2001:db8::5', 'eth0'], ['fe80::1', 'eth0']]);
const POSTAL = { outcome: 'banner' as const, banner: '220 postal.example.org ESMTP Postal/ZX81' };

function firewall(v4: string, v6 = EMPTY_NAT, nft = EMPTY_NFT, extra: Record<string, string> = {}) {
  return fakeCommands({ 'iptables-save -t nat': v4, 'ip6tables-save -t nat': v6, 'nft -j list ruleset': nft, ...extra });
}

const nat = (...rules: string[]) => `*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n${rules.join('\n')}\nCOMMIT\n`;

/** ufw declares iptables-persistent a conflict: installing it there would remove ufw and the firewall it keeps. */
const PERSIST = [
  "if command -v ufw >/dev/null; then echo 'ufw is installed and iptables-persistent would remove it: keep the nat rules above in /etc/ufw/before.rules and before6.rules instead (postal-doctor explain network.alt-ports)'; " +
    'else DEBIAN_FRONTEND=noninteractive apt-get install -y iptables-persistent && netfilter-persistent save; fi',
];

describe('network.alt-ports', () => {
  it('fails each port without rules and prints both chains for it, then how to persist them', async () => {
    const results = await runCheck(altPorts, { yaml: YAML, probes: { host: V4_HOST, commands: firewall(EMPTY_NAT), tcp: fakeTcp({}) } });
    assert.deepEqual(brief(results), [
      { target: '587', status: 'fail', messageId: 'missing' },
      { target: '2525', status: 'fail', messageId: 'missing' },
    ]);
    assert.equal(results[0].fix!.kind, 'firewall');
    assert.deepEqual(results[0].fix!.commands, [
      'iptables -t nat -C PREROUTING -p tcp --dport 587 -j REDIRECT --to-ports 25 2>/dev/null || iptables -t nat -A PREROUTING -p tcp --dport 587 -j REDIRECT --to-ports 25',
      'iptables -t nat -C OUTPUT -o lo -p tcp --dport 587 -j REDIRECT --to-ports 25 2>/dev/null || iptables -t nat -A OUTPUT -o lo -p tcp --dport 587 -j REDIRECT --to-ports 25',
      ...PERSIST,
    ]);
    assert.ok(results[1].evidence.some((entry) => entry.query === 'TCP 127.0.0.1:2525' && (entry.answer as { outcome: string }).outcome === 'refused'));
  });

  it("reports Docker's PREROUTING-only redirect as half-done and prints only the OUTPUT rule", async () => {
    const results = await runCheck(altPorts, { yaml: YAML, probes: { host: V4_HOST, commands: firewall(DOCKER_IPTABLES_SAVE, EMPTY_NAT, NFT_IPTABLES_COMPAT_JSON), tcp: fakeTcp({}) } });
    assert.deepEqual(brief(results), [
      { target: '587', status: 'warn', messageId: 'half-done' },
      { target: '2525', status: 'warn', messageId: 'half-done' },
    ]);
    assert.equal(results[1].title, 'Port 2525 is redirected for remote clients only');
    assert.deepEqual(results[1].fix!.commands, ['iptables -t nat -C OUTPUT -o lo -p tcp --dport 2525 -j REDIRECT --to-ports 25 2>/dev/null || iptables -t nat -A OUTPUT -o lo -p tcp --dport 2525 -j REDIRECT --to-ports 25', ...PERSIST]);
  });

  it('passes when both chains redirect and 127.0.0.1 answers with Postal’s banner', async () => {
    const rules = nat('-A PREROUTING -p tcp -m multiport --dports 587,2525 -j REDIRECT --to-ports 25', '-A OUTPUT -o lo -p tcp -m multiport --dports 587,2525 -j REDIRECT --to-ports 25');
    const results = await runCheck(altPorts, { yaml: YAML, probes: { host: V4_HOST, commands: firewall(rules), tcp: fakeTcp({ '127.0.0.1:587': POSTAL, '127.0.0.1:2525': POSTAL }) } });
    assert.deepEqual(brief(results), [
      { target: '587', status: 'pass', messageId: 'redirected' },
      { target: '2525', status: 'pass', messageId: 'redirected' },
    ]);
    assert.equal(results[0].fix, null);
  });

  it('asks for ip6tables rules when Postal listens on IPv6 too, and prints only those', async () => {
    const rules = nat('-A PREROUTING -p tcp -m multiport --dports 587,2525 -j REDIRECT --to-ports 25', '-A OUTPUT -o lo -p tcp -m multiport --dports 587,2525 -j REDIRECT --to-ports 25');
    const results = await runCheck(altPorts, { yaml: YAML, options: { offline: true }, probes: { host: DUAL_HOST, commands: firewall(rules) } });
    assert.deepEqual(brief(results).map((result) => result.messageId), ['incomplete', 'incomplete']);
    assert.match(results[0].message, /IPv6 remote clients \(PREROUTING\), IPv6 clients on this host \(OUTPUT\)/);
    assert.deepEqual(results[0].fix!.commands, [
      'ip6tables -t nat -C PREROUTING -p tcp --dport 587 -j REDIRECT --to-ports 25 2>/dev/null || ip6tables -t nat -A PREROUTING -p tcp --dport 587 -j REDIRECT --to-ports 25',
      'ip6tables -t nat -C OUTPUT -o lo -p tcp --dport 587 -j REDIRECT --to-ports 25 2>/dev/null || ip6tables -t nat -A OUTPUT -o lo -p tcp --dport 587 -j REDIRECT --to-ports 25',
      ...PERSIST,
    ]);
  });

  it('leaves IPv6 out when Postal binds 0.0.0.0', async () => {
    const rules = nat('-A PREROUTING -p tcp -m multiport --dports 587,2525 -j REDIRECT --to-ports 25', '-A OUTPUT -o lo -p tcp -m multiport --dports 587,2525 -j REDIRECT --to-ports 25');
    const results = await runCheck(altPorts, {
      yaml: `${YAML}smtp_server:\n  default_bind_address: 0.0.0.0\n`,
      options: { offline: true },
      probes: { host: DUAL_HOST, commands: firewall(rules) },
    });
    assert.deepEqual(brief(results).map((result) => result.status), ['pass', 'pass']);
  });

  it('speaks nft on an nft-native host', async () => {
    const results = await runCheck(altPorts, {
      yaml: YAML,
      options: { offline: true },
      probes: { host: V4_HOST, commands: firewall("# Table `nat' is incompatible, use 'nft' tool.\n", EMPTY_NAT, NFT_NATIVE_JSON) },
    });
    assert.deepEqual(brief(results), [
      { target: '587', status: 'pass', messageId: 'redirected' },
      { target: '2525', status: 'warn', messageId: 'half-done' },
    ]);
    assert.deepEqual(results[1].fix!.commands, [
      'nft add table ip postal',
      "nft add chain ip postal output '{ type nat hook output priority -100; }'",
      "nft list chain ip postal output | grep -F 'tcp dport 2525 ' >/dev/null || nft add rule ip postal output oifname lo tcp dport 2525 redirect to :25",
      'mkdir -p /etc/nftables.d',
      'nft list table ip postal > /etc/nftables.d/postal-ip.nft',
      `grep -qs 'include "/etc/nftables.d/\\*.nft"' /etc/nftables.conf || echo 'include "/etc/nftables.d/*.nft"' >> /etc/nftables.conf`,
      'systemctl enable nftables',
    ]);
  });

  it('speaks nft when iptables is not installed', async () => {
    const results = await runCheck(altPorts, { yaml: YAML, options: { offline: true }, probes: { host: V4_HOST, commands: fakeCommands({ 'nft -j list ruleset': EMPTY_NFT }) } });
    assert.deepEqual(brief(results).map((result) => result.messageId), ['missing', 'missing']);
    assert.deepEqual(results[0].fix!.commands.slice(0, 5), [
      'nft add table ip postal',
      "nft add chain ip postal prerouting '{ type nat hook prerouting priority -100; }'",
      "nft list chain ip postal prerouting | grep -F 'tcp dport 587 ' >/dev/null || nft add rule ip postal prerouting tcp dport 587 redirect to :25",
      "nft add chain ip postal output '{ type nat hook output priority -100; }'",
      "nft list chain ip postal output | grep -F 'tcp dport 587 ' >/dev/null || nft add rule ip postal output oifname lo tcp dport 587 redirect to :25",
    ]);
  });

  it('is unknown, naming the command, when the rules cannot be read, unless Postal answers on the port', async () => {
    const commands = fakeCommands({ 'iptables-save -t nat': denied('iptables-save'), 'ip6tables-save -t nat': denied('ip6tables-save') });
    const results = await runCheck(altPorts, { yaml: YAML, probes: { host: V4_HOST, commands, tcp: fakeTcp({ '127.0.0.1:2525': POSTAL }) } });
    assert.deepEqual(brief(results), [
      { target: '587', status: 'unknown', messageId: 'unreadable' },
      { target: '2525', status: 'pass', messageId: 'answers-live' },
    ]);
    assert.match(results[0].message, /^iptables-save -t nat failed: .*Permission denied/);

    const none = await runCheck(altPorts, { yaml: YAML, options: { offline: true }, probes: { host: V4_HOST, commands: fakeCommands({}) } });
    assert.match(none[0].message, /neither iptables-save nor nft is installed/);
  });

  it('checks the live answer: silence despite rules, or another server', async () => {
    const rules = nat('-A PREROUTING -p tcp -m multiport --dports 587,2525 -j REDIRECT --to-ports 25', '-A OUTPUT -o lo -p tcp -m multiport --dports 587,2525 -j REDIRECT --to-ports 25');
    const tcp = fakeTcp({ '127.0.0.1:587': { outcome: 'banner', banner: '220 host ESMTP Postfix' }, '127.0.0.1:2525': 'timeout' });
    const results = await runCheck(altPorts, { yaml: YAML, probes: { host: V4_HOST, commands: firewall(rules), tcp } });
    assert.deepEqual(brief(results), [
      { target: '587', status: 'fail', messageId: 'other-server' },
      { target: '2525', status: 'warn', messageId: 'rules-but-silent' },
    ]);
  });

  it('reports a rule that sends the port elsewhere, and inserts at the top when an earlier rule shadows the chain', async () => {
    const rules = nat('-A PREROUTING -p tcp -m tcp --dport 587 -j REDIRECT --to-ports 2526', '-A PREROUTING -p tcp -m tcp --dport 2525 -j ACCEPT');
    const results = await runCheck(altPorts, { yaml: YAML, options: { offline: true }, probes: { host: V4_HOST, commands: firewall(rules) } });
    assert.deepEqual(brief(results), [
      { target: '587', status: 'fail', messageId: 'elsewhere' },
      { target: '2525', status: 'fail', messageId: 'missing' },
    ]);
    assert.match(results[0].message, /-A PREROUTING -p tcp -m tcp --dport 587 -j REDIRECT --to-ports 2526" sends port 587 to port 2526/);
    assert.equal(results[0].fix!.kind, 'manual');
    assert.equal(results[1].fix!.commands[0], 'iptables -t nat -C PREROUTING -p tcp --dport 2525 -j REDIRECT --to-ports 25 2>/dev/null || iptables -t nat -I PREROUTING 1 -p tcp --dport 2525 -j REDIRECT --to-ports 25');
  });

  it('follows smtp_server.default_port and a specific bind address', async () => {
    const results = await runCheck(altPorts, {
      yaml: `${YAML}smtp_server:\n  default_port: 2525\n  default_bind_address: 203.0.113.5\n`,
      options: { offline: true },
      probes: { host: V4_HOST, commands: firewall(EMPTY_NAT) },
    });
    assert.deepEqual(brief(results), [
      { target: '587', status: 'fail', messageId: 'missing' },
      { target: '2525', status: 'pass', messageId: 'listen-port' },
    ]);
    assert.deepEqual(results[0].fix!.commands.slice(0, 2), [
      'iptables -t nat -C PREROUTING -p tcp --dport 587 -j DNAT --to-destination 203.0.113.5:2525 2>/dev/null || iptables -t nat -A PREROUTING -p tcp --dport 587 -j DNAT --to-destination 203.0.113.5:2525',
      'iptables -t nat -C OUTPUT -o lo -p tcp --dport 587 -j DNAT --to-destination 203.0.113.5:2525 2>/dev/null || iptables -t nat -A OUTPUT -o lo -p tcp --dport 587 -j DNAT --to-destination 203.0.113.5:2525',
    ]);
  });

  it('accepts a PREROUTING DNAT to 127.0.0.1 only with route_localnet on', async () => {
    const rules = nat('-A PREROUTING -p tcp -m tcp --dport 587 -j DNAT --to-destination 127.0.0.1:25', '-A OUTPUT -o lo -p tcp -m tcp --dport 587 -j REDIRECT --to-ports 25');
    const off = await runCheck(altPorts, { yaml: YAML, options: { offline: true }, probes: { host: V4_HOST, commands: firewall(rules, EMPTY_NAT, EMPTY_NFT, { 'sysctl -n net.ipv4.conf.all.route_localnet': '0\n' }) } });
    assert.deepEqual(brief(off)[0], { target: '587', status: 'fail', messageId: 'missing' });
    assert.equal(off[0].fix!.commands[0], 'iptables -t nat -C PREROUTING -p tcp --dport 587 -j REDIRECT --to-ports 25 2>/dev/null || iptables -t nat -I PREROUTING 1 -p tcp --dport 587 -j REDIRECT --to-ports 25');
    const on = await runCheck(altPorts, { yaml: YAML, options: { offline: true }, probes: { host: V4_HOST, commands: firewall(rules, EMPTY_NAT, EMPTY_NFT, { 'sysctl -n net.ipv4.conf.all.route_localnet': '1\n' }) } });
    assert.deepEqual(brief(on)[0], { target: '587', status: 'pass', messageId: 'redirected' });
  });
});
