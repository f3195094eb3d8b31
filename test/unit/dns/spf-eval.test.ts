import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkHost, expandMacros, withAddresses } from '../../../src/knowledge/dns/spf.js';
import { fakeDns } from '../../support/fakes.js';

type Table = Parameters<typeof fakeDns>[0];

function evaluate(ip: string, domain: string, table: Table) {
  const dns = fakeDns(table);
  return checkHost(ip, domain, (name, type) => dns.query(name, type));
}

describe('SPF evaluation (RFC 7208 check_host)', () => {
  it('matches ip4 and ip6 with and without CIDR', async () => {
    const table = { 'TXT spf.example.com': ['v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 ip4:198.51.100.7 -all'] };
    assert.equal((await evaluate('192.0.2.99', 'spf.example.com', table)).result, 'pass');
    assert.equal((await evaluate('2001:db8:0:1::25', 'spf.example.com', table)).result, 'pass');
    assert.equal((await evaluate('198.51.100.7', 'spf.example.com', table)).result, 'pass');
    const miss = await evaluate('198.51.100.8', 'spf.example.com', table);
    assert.equal(miss.result, 'fail');
    assert.match(miss.reason, /-all/);
  });

  it('applies the qualifier of the matching term and defaults to neutral', async () => {
    assert.equal((await evaluate('192.0.2.1', 'a.example', { 'TXT a.example': ['v=spf1 ~all'] })).result, 'softfail');
    assert.equal((await evaluate('192.0.2.1', 'a.example', { 'TXT a.example': ['v=spf1 ?all'] })).result, 'neutral');
    assert.equal((await evaluate('192.0.2.1', 'a.example', { 'TXT a.example': ['v=spf1 ip4:10.0.0.1'] })).result, 'neutral');
    assert.equal((await evaluate('192.0.2.1', 'a.example', { 'TXT a.example': ['v=spf1 -ip4:192.0.2.1 +all'] })).result, 'fail');
  });

  it('follows nested includes; a failing include does not match, a missing one is a permerror', async () => {
    const table = {
      'TXT spf.example.com': ['v=spf1 ip4:192.0.2.10 include:_a.example.com -all'],
      'TXT _a.example.com': ['v=spf1 include:_b.example.com -all'],
      'TXT _b.example.com': ['v=spf1 ip4:192.0.2.11 -all'],
    };
    const nested = await evaluate('192.0.2.11', 'spf.example.com', table);
    assert.equal(nested.result, 'pass');
    assert.deepEqual(nested.records.map((record) => record.domain), ['spf.example.com', '_a.example.com', '_b.example.com']);
    assert.equal(nested.lookups, 2);
    assert.equal((await evaluate('192.0.2.12', 'spf.example.com', table)).result, 'fail');
    const missing = await evaluate('192.0.2.12', 'x.example', { 'TXT x.example': ['v=spf1 include:gone.example -all'] });
    assert.equal(missing.result, 'permerror');
  });

  it('evaluates a and mx with dual CIDR lengths', async () => {
    const table = {
      'TXT example.com': ['v=spf1 a/24//64 mx:mail.example.com -all'],
      'A example.com': ['192.0.2.1'],
      'AAAA example.com': ['2001:db8:1::1'],
      'MX mail.example.com': ['10 mx1.example.com', '20 mx2.example.com'],
      'A mx1.example.com': ['198.51.100.1'],
      'A mx2.example.com': ['198.51.100.2'],
    };
    assert.equal((await evaluate('192.0.2.200', 'example.com', table)).result, 'pass');
    assert.equal((await evaluate('2001:db8:1::ffff', 'example.com', table)).result, 'pass');
    assert.equal((await evaluate('2001:db8:2::1', 'example.com', table)).result, 'fail');
    const viaMx = await evaluate('198.51.100.2', 'example.com', table);
    assert.equal(viaMx.result, 'pass');
    assert.match(viaMx.reason, /mx:mail\.example\.com/);
  });

  it('follows redirect= only when nothing matched, and treats a redirect without a record as permerror', async () => {
    const table = {
      'TXT example.com': ['v=spf1 ip4:192.0.2.1 redirect=_spf.example.net'],
      'TXT _spf.example.net': ['v=spf1 ip4:198.51.100.0/24 -all'],
    };
    assert.equal((await evaluate('192.0.2.1', 'example.com', table)).result, 'pass');
    assert.equal((await evaluate('198.51.100.9', 'example.com', table)).result, 'pass');
    assert.equal((await evaluate('203.0.113.1', 'example.com', table)).result, 'fail');
    assert.equal((await evaluate('203.0.113.1', 'b.example', { 'TXT b.example': ['v=spf1 redirect=nowhere.example'] })).result, 'permerror');
  });

  it('gives permerror beyond 10 DNS lookups', async () => {
    const table: Table = { 'TXT l0.example': ['v=spf1 include:l1.example -all'] };
    for (let level = 1; level <= 11; level++) table[`TXT l${level}.example`] = [level === 11 ? 'v=spf1 ip4:192.0.2.1 -all' : `v=spf1 include:l${level + 1}.example -all`];
    const outcome = await evaluate('192.0.2.1', 'l0.example', table);
    assert.equal(outcome.result, 'permerror');
    assert.match(outcome.reason, /more than 10 DNS lookups/);
    delete table['TXT l0.example'];
    table['TXT l2.example'] = ['v=spf1 include:l11.example -all'];
    assert.equal((await evaluate('192.0.2.1', 'l1.example', table)).result, 'pass');
  });

  it('gives permerror beyond 2 void lookups', async () => {
    const table = { 'TXT v.example': ['v=spf1 a:gone1.v.example a:gone2.v.example a:gone3.v.example ip4:192.0.2.1 -all'] };
    const outcome = await evaluate('192.0.2.1', 'v.example', table);
    assert.equal(outcome.result, 'permerror');
    assert.equal(outcome.voidLookups, 3);
    const two = { 'TXT v.example': ['v=spf1 a:gone1.v.example a:gone2.v.example ip4:192.0.2.1 -all'] };
    assert.equal((await evaluate('192.0.2.1', 'v.example', two)).result, 'pass');
  });

  it('gives permerror for several SPF records and for syntax errors, none without a record', async () => {
    assert.equal((await evaluate('192.0.2.1', 'm.example', { 'TXT m.example': ['v=spf1 -all', 'v=spf1 ip4:192.0.2.1 -all'] })).result, 'permerror');
    assert.equal((await evaluate('192.0.2.1', 'm.example', { 'TXT m.example': ['v=spf1 ip4:192.0.2.300 -all'] })).result, 'permerror');
    assert.equal((await evaluate('192.0.2.1', 'm.example', { 'TXT m.example': ['v=spf1 frobnicate -all'] })).result, 'permerror');
    assert.equal((await evaluate('192.0.2.1', 'm.example', { 'TXT m.example': ['v=spf1 ip4:192.0.2.1/33'] })).result, 'permerror');
    assert.equal((await evaluate('192.0.2.1', 'm.example', { 'TXT m.example': ['google-site-verification=x'] })).result, 'none');
    assert.equal((await evaluate('192.0.2.1', 'n.example', {})).result, 'none');
    // Unknown modifiers are ignored; other TXT records do not count as SPF records.
    assert.equal((await evaluate('192.0.2.1', 'm.example', { 'TXT m.example': ['v=spf1 ip4:192.0.2.1 foo=bar -all', 'hello'] })).result, 'pass');
  });

  it('gives temperror when a lookup times out', async () => {
    const outcome = await evaluate('192.0.2.1', 't.example', { 'TXT t.example': ['v=spf1 include:slow.example -all'], 'TXT slow.example': { error: 'timeout' } });
    assert.equal(outcome.result, 'temperror');
    assert.equal((await evaluate('192.0.2.1', 't.example', { 'TXT t.example': { error: 'servfail' } })).result, 'temperror');
  });

  it('does not evaluate exists: (it depends on the message) and notes it; notes the deprecated ptr', async () => {
    const outcome = await evaluate('192.0.2.1', 'e.example', { 'TXT e.example': ['v=spf1 exists:%{i}.allow.e.example -all'] });
    assert.equal(outcome.result, 'fail');
    assert.equal(outcome.lookups, 1);
    assert.match(outcome.notes.join(' '), /exists:/);
    const ptr = await evaluate('192.0.2.1', 'p.example', {
      'TXT p.example': ['v=spf1 ptr -all'],
      'PTR 1.2.0.192.in-addr.arpa': ['mail.p.example'],
      'A mail.p.example': ['192.0.2.1'],
    });
    assert.equal(ptr.result, 'pass');
    assert.match(ptr.notes.join(' '), /deprecated/);
  });

  it('expands macros in domain-specs', async () => {
    assert.equal(expandMacros('%{ir}.%{v}._spf.%{d2}', { ip: '192.0.2.3', domain: 'mail.example.com', sender: 'postmaster@mail.example.com' }), '3.2.0.192.in-addr._spf.example.com');
    assert.equal(expandMacros('%{l}.%{o}', { ip: '192.0.2.3', domain: 'example.com', sender: 'postmaster@example.com' }), 'postmaster.example.com');
    const outcome = await evaluate('192.0.2.3', 'example.com', { 'TXT example.com': ['v=spf1 a:%{ir}.hosts.example.com -all'], 'A 3.2.0.192.hosts.example.com': ['192.0.2.3'] });
    assert.equal(outcome.result, 'pass');
  });

  it('adds missing addresses to a record before its all term', () => {
    assert.equal(withAddresses('v=spf1 ip4:192.0.2.10 include:x.example ~all', ['192.0.2.12', '2001:db8::12']), 'v=spf1 ip4:192.0.2.10 include:x.example ip4:192.0.2.12 ip6:2001:db8::12 ~all');
    assert.equal(withAddresses('v=spf1 redirect=_spf.example.net', ['192.0.2.12']), 'v=spf1 ip4:192.0.2.12 redirect=_spf.example.net');
    assert.equal(withAddresses(null, ['192.0.2.12']), 'v=spf1 ip4:192.0.2.12 ~all');
  });
});
