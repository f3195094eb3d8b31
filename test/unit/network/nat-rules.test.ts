import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { iptablesBaseChains, parseIptablesSave, parseNatDestination, parsePortRange, tokenize } from '../../../src/knowledge/firewall/iptables-rules.js';
import { hasNativeTables, nftBaseChains, NftParseError, parseNftRuleset } from '../../../src/knowledge/firewall/nft-rules.js';
import { ipInCidr } from '../../../src/util/ip.js';
import { traceConnection, type BaseChain, type Family, type Hook, type Listener, type Scenario } from '../../../src/knowledge/firewall/nat-model.js';
import { DOCKER_IPTABLES_SAVE, NFT_IPTABLES_COMPAT_JSON, NFT_NATIVE_JSON, UFW_BEFORE_RULES_NAT } from '../../support/nat-samples.js';

const POSTAL: Listener = { port: 25, bindAddress: '::' };

function scenario(family: Family, hook: Hook, port: number, extra: Partial<Scenario> = {}): Scenario {
  return {
    family,
    hook,
    port,
    daddr: hook === 'output' ? (family === 4 ? '127.0.0.1' : '::1') : null,
    localAddresses: family === 4 ? ['203.0.113.5'] : ['2001:db8::5'],
    inInterfaces: ['eth0'],
    ...extra,
  };
}

function iptables(text: string, family: Family = 4): BaseChain[] {
  return iptablesBaseChains(parseIptablesSave(text), family);
}

const kind = (bases: BaseChain[], family: Family, hook: Hook, port: number, extra: Partial<Scenario> = {}, listener = POSTAL) =>
  traceConnection(bases, scenario(family, hook, port, extra), listener).kind;

describe('iptables-save parsing', () => {
  it('tokenizes quoted comments and escapes', () => {
    assert.deepEqual(tokenize('-A X -m comment --comment "a \\"b\\" c" -j RETURN'), ['-A', 'X', '-m', 'comment', '--comment', 'a "b" c', '-j', 'RETURN']);
  });

  it('reads ports, ranges and NAT destinations', () => {
    assert.deepEqual(parsePortRange('2500:2600'), { from: 2500, to: 2600 });
    assert.deepEqual(parsePortRange('submission'), { from: 587, to: 587 });
    assert.equal(parsePortRange('99999'), null);
    assert.deepEqual(parseNatDestination(':25'), { address: null, ports: { from: 25, to: 25 } });
    assert.deepEqual(parseNatDestination('127.0.0.1:25'), { address: '127.0.0.1', ports: { from: 25, to: 25 } });
    assert.deepEqual(parseNatDestination('[2001:db8::5]:25'), { address: '2001:db8::5', ports: { from: 25, to: 25 } });
    assert.deepEqual(parseNatDestination('2001:db8::5'), { address: '2001:db8::5', ports: null });
  });

  it("parses Docker's nat table: user chain, addrtype, negated interface, multiport with a comment", () => {
    const dump = parseIptablesSave(DOCKER_IPTABLES_SAVE);
    const nat = dump.tables.get('nat')!;
    assert.deepEqual([...nat.chains.keys()], ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING', 'DOCKER']);
    const [jump, redirect] = nat.chains.get('PREROUTING')!.rules;
    assert.deepEqual(jump.target, { kind: 'jump', chain: 'DOCKER' });
    assert.deepEqual(jump.conditions, [{ kind: 'dst-type', types: ['LOCAL'], negate: false }]);
    assert.deepEqual(redirect.target, { kind: 'redirect', ports: { from: 25, to: 25 } });
    assert.deepEqual(redirect.conditions, [
      { kind: 'protocol', protocols: ['tcp'], negate: false },
      { kind: 'dport', ranges: [{ from: 587, to: 587 }, { from: 2525, to: 2525 }], negate: false },
    ]);
    const dnat = nat.chains.get('DOCKER')!.rules[2];
    assert.deepEqual(dnat.conditions[0], { kind: 'iif', names: ['docker0'], negate: true });
    assert.deepEqual(dnat.target, { kind: 'dnat', address: '172.17.0.2', ports: { from: 80, to: 80 } });
  });

  it('follows the Docker chain and finds the redirect after it, for remote clients only', () => {
    const bases = iptables(DOCKER_IPTABLES_SAVE);
    const outcome = traceConnection(bases, scenario(4, 'prerouting', 587), POSTAL);
    assert.equal(outcome.kind, 'redirected');
    assert.match(outcome.kind === 'redirected' ? outcome.rule : '', /--dports 587,2525/);
    assert.equal(kind(bases, 4, 'prerouting', 2525), 'redirected');
    assert.equal(kind(bases, 4, 'output', 2525), 'missing');
    // Docker publishes 8080 elsewhere: that is not Postal.
    assert.equal(kind(bases, 4, 'prerouting', 8080), 'elsewhere');
    assert.equal(kind(bases, 4, 'prerouting', 465), 'missing');
  });

  it("reads ufw's before.rules style: abbreviated --to-port, --destination-port, -i eth0, -o lo", () => {
    const bases = iptables(UFW_BEFORE_RULES_NAT);
    assert.equal(kind(bases, 4, 'prerouting', 587), 'redirected');
    assert.equal(kind(bases, 4, 'prerouting', 2525), 'redirected');
    assert.equal(kind(bases, 4, 'prerouting', 2525, { inInterfaces: ['ens3'] }), 'missing');
    assert.equal(kind(bases, 4, 'prerouting', 2525, { inInterfaces: ['eth0', 'eth1'] }), 'partial');
    assert.equal(kind(bases, 4, 'output', 2525), 'redirected');
    assert.equal(kind(bases, 4, 'output', 587), 'missing');
  });

  it('understands -d restrictions, port ranges, DNAT to :25 and 127.0.0.1:25, RETURN and ACCEPT', () => {
    const bases = iptables(`*nat
:PREROUTING ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:SUBMISSION - [0:0]
-A PREROUTING -p udp -m udp --dport 587 -j ACCEPT
-A PREROUTING -d 203.0.113.5/32 -j SUBMISSION
-A PREROUTING -p tcp -m tcp --dport 2600:2700 -j DNAT --to-destination :25
-A PREROUTING -p tcp -m tcp --dport 3000 -j DNAT --to-destination 127.0.0.1:25
-A PREROUTING -p tcp -m tcp --dport 3001 -j ACCEPT
-A PREROUTING -p tcp -m tcp --dport 3001 -j REDIRECT --to-ports 25
-A SUBMISSION -p tcp -m tcp ! --dport 587 -j RETURN
-A SUBMISSION -p tcp -j REDIRECT --to-ports 25
-A OUTPUT -d 127.0.0.1/32 -p tcp -m tcp --dport 2525 -j REDIRECT --to-ports 25
-A OUTPUT -d 198.51.100.7/32 -p tcp -m tcp --dport 587 -j REDIRECT --to-ports 25
-A OUTPUT -p tcp -m tcp --dport 3002 -j REDIRECT --to-ports 2526
COMMIT
`);
    assert.equal(kind(bases, 4, 'prerouting', 587), 'redirected');
    assert.equal(kind(bases, 4, 'prerouting', 587, { localAddresses: ['203.0.113.5', '203.0.113.6'] }), 'partial');
    assert.equal(kind(bases, 4, 'prerouting', 2525), 'missing');
    assert.equal(kind(bases, 4, 'prerouting', 2650), 'redirected');
    assert.equal(kind(bases, 4, 'prerouting', 3000), 'loopback-dnat');
    const shadowed = traceConnection(bases, scenario(4, 'prerouting', 3001), POSTAL);
    assert.deepEqual(shadowed, { kind: 'missing', shadowedBy: '-A PREROUTING -p tcp -m tcp --dport 3001 -j ACCEPT' });
    assert.equal(kind(bases, 4, 'output', 2525), 'redirected');
    assert.equal(kind(bases, 4, 'output', 2525, { daddr: '203.0.113.5' }), 'missing');
    assert.equal(kind(bases, 4, 'output', 587), 'missing');
    assert.equal(kind(bases, 4, 'output', 3002), 'elsewhere');
    // The same rules say nothing about IPv6.
    assert.equal(kind(bases, 6, 'prerouting', 587), 'missing');
  });

  it('notes the table iptables-nft cannot show', () => {
    const dump = parseIptablesSave("# Table `nat' is incompatible, use 'nft' tool.\n");
    assert.deepEqual(dump.incompatibleTables, ['nat']);
    assert.deepEqual(iptablesBaseChains(dump, 4), []);
  });

  it('treats an extension target it cannot follow as uncertain, not as a pass', () => {
    const bases = iptables(`*nat
:PREROUTING ACCEPT [0:0]
-A PREROUTING -p tcp -m tcp --dport 587 -j TPROXY --on-port 9999
-A PREROUTING -p tcp -m tcp --dport 587 -j REDIRECT --to-ports 25
-A PREROUTING -p tcp -m tcp --dport 2525 -m recent --rcheck -j REDIRECT --to-ports 25
COMMIT
`);
    assert.equal(kind(bases, 4, 'prerouting', 587), 'partial');
    assert.equal(kind(bases, 4, 'prerouting', 2525), 'partial');
  });
});

describe('nft -j parsing', () => {
  it('reads native tables, named sets, fib, jumps and ranges', () => {
    const ruleset = parseNftRuleset(NFT_NATIVE_JSON);
    assert.ok(hasNativeTables(ruleset));
    assert.deepEqual(ruleset.tables.map((table) => [table.family, table.name, table.compat]), [
      ['inet', 'filter', false],
      ['ip', 'nat', false],
      ['ip6', 'nat', false],
    ]);
    const bases = nftBaseChains(ruleset);
    assert.deepEqual(bases.map((base) => base.label), ['nft ip nat prerouting', 'nft ip nat output', 'nft ip6 nat prerouting']);
    assert.equal(kind(bases, 4, 'prerouting', 587), 'redirected');
    assert.equal(kind(bases, 4, 'prerouting', 2525), 'redirected');
    assert.equal(kind(bases, 4, 'prerouting', 2525, { inInterfaces: ['docker0'] }), 'missing');
    assert.equal(kind(bases, 4, 'prerouting', 8080), 'elsewhere');
    assert.equal(kind(bases, 4, 'output', 587), 'redirected');
    assert.equal(kind(bases, 4, 'output', 2525), 'missing');
    assert.equal(kind(bases, 6, 'prerouting', 2525), 'redirected');
    assert.equal(kind(bases, 6, 'output', 2525), 'missing');
  });

  it('recognises the tables iptables-nft made, so they are read through iptables-save instead', () => {
    const ruleset = parseNftRuleset(NFT_IPTABLES_COMPAT_JSON);
    assert.deepEqual(ruleset.tables.map((table) => table.compat), [true]);
    assert.equal(hasNativeTables(ruleset), false);
    assert.deepEqual(nftBaseChains(ruleset), []);
  });

  it('reads inet tables for both families, nfproto, oif, dnat with a family, != and redirect without a port', () => {
    const ruleset = parseNftRuleset(
      JSON.stringify({
        nftables: [
          { table: { family: 'inet', name: 'postal', handle: 1 } },
          { chain: { family: 'inet', table: 'postal', name: 'pre', handle: 1, type: 'nat', hook: 'prerouting', prio: 'dstnat', policy: 'accept' } },
          { chain: { family: 'inet', table: 'postal', name: 'out', handle: 2, type: 'nat', hook: 'output', prio: -100, policy: 'accept' } },
          { rule: { family: 'inet', table: 'postal', chain: 'pre', handle: 3, expr: [
            { match: { op: '==', left: { meta: { key: 'nfproto' } }, right: 'ipv6' } },
            { match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: 587 } },
            { redirect: { port: 25 } },
          ] } },
          { rule: { family: 'inet', table: 'postal', chain: 'pre', handle: 4, expr: [
            { match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: 2525 } },
            { dnat: { family: 'ip', addr: '203.0.113.5', port: 25 } },
          ] } },
          { rule: { family: 'inet', table: 'postal', chain: 'out', handle: 5, expr: [
            { match: { op: '==', left: { meta: { key: 'oif' } }, right: 'lo' } },
            { match: { op: '!=', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: { set: [22, 80] } } },
            { redirect: null },
          ] } },
        ],
      }),
    );
    const bases = nftBaseChains(ruleset);
    assert.deepEqual(bases.map((base) => [base.family, base.priority]), [['both', -100], ['both', -100]]);
    assert.equal(kind(bases, 6, 'prerouting', 587), 'redirected');
    assert.equal(kind(bases, 4, 'prerouting', 587), 'missing');
    assert.equal(kind(bases, 4, 'prerouting', 2525), 'redirected');
    assert.equal(kind(bases, 6, 'prerouting', 2525), 'missing');
    // A redirect without a port keeps the port: 25 reaches Postal, 587 does not.
    assert.equal(kind(bases, 4, 'output', 25), 'redirected');
    assert.equal(kind(bases, 4, 'output', 587), 'elsewhere');
  });

  it('rejects text that is not nft JSON with a clear error', () => {
    assert.throws(() => parseNftRuleset('table inet filter {'), NftParseError);
    assert.throws(() => parseNftRuleset('{"tables": []}'), /no "nftables" array/);
  });
});

describe('nat evaluation', () => {
  it('checks prefixes of both families', () => {
    assert.ok(ipInCidr('127.0.0.1', '127.0.0.0/8'));
    assert.ok(!ipInCidr('::1', '127.0.0.0/8'));
    assert.ok(ipInCidr('2001:db8:1::5', '2001:db8::/32'));
    assert.ok(ipInCidr('::1', '::1'));
    assert.ok(!ipInCidr('11.0.0.1', '10.0.0.0/8'));
  });

  it('runs base chains in priority order: the first NAT decision wins, an accept elsewhere does not stop it', () => {
    const early = parseNftRuleset(
      JSON.stringify({
        nftables: [
          { table: { family: 'ip', name: 'a', handle: 1 } },
          { chain: { family: 'ip', table: 'a', name: 'pre', handle: 1, type: 'nat', hook: 'prerouting', prio: -150, policy: 'accept' } },
          { rule: { family: 'ip', table: 'a', chain: 'pre', handle: 2, expr: [{ match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: 587 } }, { accept: null }] } },
          { rule: { family: 'ip', table: 'a', chain: 'pre', handle: 3, expr: [{ match: { op: '==', left: { payload: { protocol: 'tcp', field: 'dport' } }, right: 2525 } }, { redirect: { port: 26 } }] } },
        ],
      }),
    );
    const bases = [...iptables('*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp -m multiport --dports 587,2525 -j REDIRECT --to-ports 25\nCOMMIT\n'), ...nftBaseChains(early)];
    assert.equal(kind(bases, 4, 'prerouting', 587), 'redirected');
    assert.equal(kind(bases, 4, 'prerouting', 2525), 'elsewhere');
  });

  it('judges a DNAT to a specific address against where Postal is bound', () => {
    const bases = iptables('*nat\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p tcp -m tcp --dport 587 -j DNAT --to-destination 203.0.113.5:25\nCOMMIT\n');
    assert.equal(kind(bases, 4, 'prerouting', 587), 'redirected');
    assert.equal(kind(bases, 4, 'prerouting', 587, {}, { port: 25, bindAddress: '203.0.113.9' }), 'elsewhere');
    assert.equal(kind(bases, 4, 'prerouting', 587, { localAddresses: ['198.51.100.1'] }), 'elsewhere');
  });
});
