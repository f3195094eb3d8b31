import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cnameVerdict, dkimVerdict, mxVerdict, nextPostalLook, spfVerdict } from '../../../src/knowledge/postal/domains.js';
import { dmarcPolicy } from '../../../src/knowledge/dns/dmarc.js';
import { createContext } from '../../../src/core/runner.js';
import { defaultRunOptions } from '../../../src/core/options.js';
import { testConfig } from '../../support/check-tester.js';
import { fakeDns, fakeProbes } from '../../support/fakes.js';

describe("Postal's DNS checks of a domain, as has_dns_checks.rb has them", () => {
  it('SPF: the include is a plain substring match inside a record starting v=spf1', () => {
    assert.deepEqual(spfVerdict(['google-site-verification=x'], 'spf.postal.example.com'), { status: 'Missing', error: 'No SPF record exists for this domain' });
    assert.equal(spfVerdict(['v=spf1 include:spf.postal.example.com ~all'], 'spf.postal.example.com').status, 'OK');
    assert.equal(spfVerdict(['v=spf1 include: spf.postal.example.com ~all'], 'spf.postal.example.com').status, 'OK');
    // Postal's regex is not anchored, so a longer name passes too, and the dot is escaped.
    assert.equal(spfVerdict(['v=spf1 include:spf.postal.example.com.evil.example ~all'], 'spf.postal.example.com').status, 'OK');
    assert.equal(spfVerdict(['v=spf1 include:spfxpostal.example.com ~all'], 'spf.postal.example.com').status, 'Invalid');
    // `\Av=spf1` is case-sensitive.
    assert.equal(spfVerdict(['V=SPF1 include:spf.postal.example.com ~all'], 'spf.postal.example.com').status, 'Missing');
  });

  it('DKIM: exactly one record, equal to the expected one once a final semicolon is added', () => {
    const expected = 'v=DKIM1; t=s; h=sha256; p=KEY;';
    assert.equal(dkimVerdict(['v=DKIM1; t=s; h=sha256; p=KEY'], 'n', expected).status, 'OK');
    assert.equal(dkimVerdict(['v=DKIM1; t=s; h=sha256; p=KEY; '], 'n', expected).status, 'OK');
    assert.deepEqual(dkimVerdict([expected, expected], 'n', expected), { status: 'Invalid', error: 'There are 2 records for at n. There should only be one.' });
    assert.equal(dkimVerdict(['v=DKIM1; p=KEY;'], 'n', expected).status, 'Invalid');
    assert.deepEqual(dkimVerdict([], 'n', expected), { status: 'Missing', error: 'No TXT records were returned for n' });
  });

  it('MX: every dns.mx_records host, or Missing when none, or Invalid naming the missing ones', () => {
    const mx = ['mx1.postal.example.com', 'mx2.postal.example.com', 'mx3.postal.example.com'];
    assert.equal(mxVerdict(['MX1.postal.example.com', 'mx2.postal.example.com', 'mx3.postal.example.com'], mx, 'd').status, 'OK');
    assert.deepEqual(mxVerdict(['mail.example.net'], mx, 'd'), { status: 'Missing', error: 'You have MX records but none of them point to us.' });
    assert.deepEqual(mxVerdict(['mx1.postal.example.com'], mx, 'd'), {
      status: 'Invalid',
      error: 'MX records for mx2.postal.example.com and mx3.postal.example.com are missing and are required.',
    });
    assert.deepEqual(mxVerdict([], mx, 'd'), { status: 'Missing', error: 'There are no MX records for d' });
  });

  it('CNAME: exactly one, equal to the target', () => {
    assert.equal(cnameVerdict(['rp.postal.example.com'], 'psrp.d', 'rp.postal.example.com', 'none').status, 'OK');
    assert.deepEqual(cnameVerdict(['other.example.com'], 'psrp.d', 'rp.postal.example.com', 'none'), {
      status: 'Invalid',
      error: 'There is a CNAME record at psrp.d but it points to other.example.com which is incorrect. It should point to rp.postal.example.com.',
    });
  });

  it('when Postal looks again: a quarter past the hour once the last check is an hour old; never for a domain never checked', () => {
    const now = new Date('2026-11-27T10:00:00Z');
    assert.equal(nextPostalLook(new Date('2026-11-27T09:50:00Z'), now, 'domain')?.toISOString(), '2026-11-27T11:15:00.000Z');
    assert.equal(nextPostalLook(new Date('2026-11-27T08:00:00Z'), now, 'domain')?.toISOString(), '2026-11-27T10:15:00.000Z');
    assert.equal(nextPostalLook(new Date('2026-11-27T09:10:00Z'), now, 'domain')?.toISOString(), '2026-11-27T10:15:00.000Z');
    assert.equal(nextPostalLook(null, now, 'domain'), null);
    assert.equal(nextPostalLook(null, now, 'track')?.toISOString(), '2026-11-27T10:15:00.000Z');
  });
});

describe('DMARC policy lookup', () => {
  const ctx = (table: Parameters<typeof fakeDns>[0]) =>
    createContext({ config: testConfig('version: 2\n'), options: defaultRunOptions(), probes: fakeProbes({ dns: fakeDns(table) }) });

  it("uses the organisational domain's sp= for a subdomain without its own record", async () => {
    const found = await dmarcPolicy(ctx({ 'TXT _dmarc.example.com': ['v=DMARC1; p=none; sp=reject; aspf=s'] }), 'mail.example.com');
    assert.equal(found.state, 'found');
    assert.deepEqual(found.state === 'found' && { at: found.dmarc.at, policy: found.dmarc.policy, strictSpf: found.dmarc.strictSpf }, { at: '_dmarc.example.com', policy: 'reject', strictSpf: true });
  });

  it('counts two records at one name as none, and a bad p= as invalid', async () => {
    assert.equal((await dmarcPolicy(ctx({ 'TXT _dmarc.example.com': ['v=DMARC1; p=none', 'v=DMARC1; p=reject'] }), 'example.com')).state, 'none');
    assert.equal((await dmarcPolicy(ctx({ 'TXT _dmarc.example.com': ['v=DMARC1; p=block'] }), 'example.com')).state, 'invalid');
  });
});
