import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dnsblCheck } from '../../src/checks/dns/dnsbl.js';
import { brief, runCheck } from '../support/check-tester.js';
import { countingDns, hostWith, postalYaml } from '../support/sending.js';

const host = hostWith('203.0.113.7');
const v6 = '2001:db8::25';
const v6Nibbles = '5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2';

describe('dns.dnsbl', () => {
  it('passes on NXDOMAIN from every list, asking through the blocklist resolver, IPv6 in nibble form', async () => {
    const dns = countingDns({});
    const results = await runCheck(dnsblCheck, { yaml: postalYaml(), probes: { dns, host }, options: { ips: ['203.0.113.7', v6] } });
    assert.deepEqual(brief(results), [
      { target: '203.0.113.7', status: 'pass', messageId: 'clear' },
      { target: v6, status: 'pass', messageId: 'clear' },
    ]);
    assert.deepEqual([...dns.asked.keys()].sort(), [
      'dnsbl A 7.113.0.203.b.barracudacentral.org',
      'dnsbl A 7.113.0.203.bl.spamcop.net',
      'dnsbl A 7.113.0.203.zen.spamhaus.org',
      `dnsbl A ${v6Nibbles}.b.barracudacentral.org`,
      `dnsbl A ${v6Nibbles}.bl.spamcop.net`,
      `dnsbl A ${v6Nibbles}.zen.spamhaus.org`,
    ].sort());
  });

  it('fails on a 127.0.0.x listing, with the list reason as evidence and the delisting page in the fix', async () => {
    const dns = countingDns({
      'A 7.113.0.203.zen.spamhaus.org': ['127.0.0.2'],
      'TXT 7.113.0.203.zen.spamhaus.org': ['Listed by SBL, see https://check.spamhaus.org/sbl/query/SBL1'],
    });
    const results = await runCheck(dnsblCheck, { yaml: postalYaml(), probes: { dns, host } });
    assert.deepEqual(brief(results), [{ target: '203.0.113.7', status: 'fail', messageId: 'listed' }]);
    assert.match(results[0].message, /zen\.spamhaus\.org \(127\.0\.0\.2 SBL\)/);
    assert.ok(results[0].evidence.some((item) => JSON.stringify(item.answer).includes('Listed by SBL')));
    assert.match(results[0].fix?.summary ?? '', /https:\/\/check\.spamhaus\.org\/results\/\?query=203\.0\.113\.7/);
  });

  it('tells a Spamhaus PBL entry (policy, not spam) from a listing for spam, and asks the right party to remove it', async () => {
    const pbl = async (codes: string[], zones?: string[]) =>
      runCheck(dnsblCheck, { yaml: postalYaml(), probes: { dns: countingDns({ 'A 7.113.0.203.zen.spamhaus.org': codes, 'A 7.113.0.203.bl.test': codes }), host }, ...(zones ? { options: { dnsblZones: zones } } : {}) });

    const bySpamhaus = await pbl(['127.0.0.11']);
    assert.deepEqual(brief(bySpamhaus), [{ target: '203.0.113.7', status: 'fail', messageId: 'policy-listed' }]);
    assert.equal(bySpamhaus[0].fix?.kind, 'manual');
    assert.doesNotMatch(bySpamhaus[0].fix?.summary ?? '', /spam from/);
    assert.match(bySpamhaus[0].fix?.summary ?? '', /^Request removal of 203\.0\.113\.7 from the PBL at https:\/\/check\.spamhaus\.org\/results\/\?query=203\.0\.113\.7/);

    const byProvider = await pbl(['127.0.0.10']);
    assert.deepEqual(brief(byProvider).map((result) => result.messageId), ['policy-listed']);
    assert.match(byProvider[0].fix?.summary ?? '', /^Ask the provider of 203\.0\.113\.7/);

    const infected = await pbl(['127.0.0.4', '127.0.0.11']);
    assert.deepEqual(brief(infected).map((result) => result.messageId), ['listed']);
    assert.match(infected[0].fix?.summary ?? '', /^Find and stop what sent the spam from 203\.0\.113\.7/);

    // The codes are Spamhaus's: another list answering 127.0.0.10 is an ordinary listing.
    const other = await pbl(['127.0.0.10'], ['bl.test']);
    assert.deepEqual(brief(other).map((result) => result.messageId), ['listed']);
  });

  it('treats 127.255.255.x as a refused query (unknown, use your own resolver), never as a listing', async () => {
    const dns = countingDns({ 'A 7.113.0.203.zen.spamhaus.org': ['127.255.255.254'] });
    const results = await runCheck(dnsblCheck, { yaml: postalYaml(), probes: { dns, host } });
    assert.deepEqual(brief(results), [{ target: '203.0.113.7', status: 'unknown', messageId: 'refused' }]);
    assert.match(results[0].fix?.summary ?? '', /--dnsbl-resolver/);
  });

  it('is unknown on a timeout or an answer outside 127/8, and uses the configured zones', async () => {
    const dns = countingDns({ 'A 7.113.0.203.bl.test': { error: 'timeout' }, 'A 7.113.0.203.other.test': ['198.51.100.1'] });
    const results = await runCheck(dnsblCheck, { yaml: postalYaml(), probes: { dns, host }, options: { dnsblZones: ['bl.test', 'other.test'] } });
    assert.deepEqual(brief(results), [{ target: '203.0.113.7', status: 'unknown', messageId: 'lookup-failed' }]);
    assert.match(results[0].message, /bl\.test: timeout/);
    assert.match(results[0].message, /other\.test answered 198\.51\.100\.1/);
  });
});
