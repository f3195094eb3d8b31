import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { domainsSpfCheck } from '../../../src/checks/domains/spf.js';
import { domainsDmarcCheck } from '../../../src/checks/domains/dmarc.js';
import type { DnsAnswer, DnsType, DomainRow, Probes } from '../../../src/probes/types.js';
import { runCheck } from '../../support/check-tester.js';
import { fakeDns, unfakedMethod } from '../../support/fakes.js';

const DOMAIN: DomainRow = {
  id: 1, name: 'shop.example.com', dkimPrivateKey: null, dkimIdentifierString: 'ABCDEF', dnsCheckedAt: new Date('2026-11-27T09:30:00Z'),
  spfStatus: 'OK', spfError: null, dkimStatus: 'OK', dkimError: null, mxStatus: 'OK', mxError: null, returnPathStatus: 'OK', returnPathError: null, outgoing: true,
};
const YAML = 'version: 2\ndns:\n  spf_include: spf.postal.example.net\n';
const GOOD = 'v=spf1 a mx include:spf.postal.example.net ~all';

/** The public resolver from a table; each nameserver (by IP) from its own table. */
function dns(resolver: Parameters<typeof fakeDns>[0], servers: Record<string, Parameters<typeof fakeDns>[0]>): Probes['dns'] {
  const publicView = fakeDns(resolver);
  return {
    query: publicView.query,
    queryServer: (server: string, name: string, type: DnsType): Promise<DnsAnswer> => fakeDns(servers[server] ?? {}).query(name, type),
  };
}

const database = { domains: async () => ({ ok: true as const, domains: [DOMAIN], trackDomains: [] }), ipPools: async () => ({ ok: true as const, addresses: [] }), select: unfakedMethod('database.select') };
const publicZone = {
  'NS shop.example.com': ['ns1.example.net', 'ns2.example.net'],
  'A ns1.example.net': ['192.0.2.1'],
  'A ns2.example.net': ['192.0.2.2'],
  'TXT shop.example.com': [GOOD],
};

describe("Postal's view against the public one", () => {
  it('names nameservers that disagree (a stale secondary) when Postal asks the stale one first', async () => {
    const [result] = await runCheck(domainsSpfCheck, {
      yaml: YAML,
      probes: { database, dns: dns(publicZone, { '192.0.2.1': { 'TXT shop.example.com': ['v=spf1 a mx ~all'] }, '192.0.2.2': { 'TXT shop.example.com': [GOOD] } }) },
    });
    assert.equal(`${result.status} ${result.messageId}`, 'fail differ');
    assert.equal(result.title, 'shop.example.com: SPF Invalid for Postal, OK publicly');
    assert.match(result.message, /The nameservers of shop\.example\.com disagree \(192\.0\.2\.1 says v=spf1 a mx ~all; 192\.0\.2\.2 says v=spf1 a mx include/);
    // Postal's stored OK is older than what its nameserver now says: when it looks again is part of the answer.
    assert.match(result.message, /Postal stored "OK" at 2026-11-27 09:30 UTC; now it would store "Invalid"; it looks again on its own at 2026-11-27 11:15 UTC/);
  });

  it('moves on to the next nameserver only after a timeout, as Ruby Resolv does', async () => {
    const [result] = await runCheck(domainsSpfCheck, {
      yaml: YAML,
      probes: { database, dns: dns(publicZone, { '192.0.2.1': { 'TXT shop.example.com': { error: 'timeout' } }, '192.0.2.2': { 'TXT shop.example.com': [GOOD] } }) },
    });
    assert.equal(`${result.status} ${result.messageId}`, 'pass ok');
  });

  it('takes a refusal from the first nameserver as no record, as Postal does', async () => {
    const [result] = await runCheck(domainsSpfCheck, {
      yaml: YAML,
      probes: { database, dns: dns(publicZone, { '192.0.2.1': { 'TXT shop.example.com': { error: 'refused' } }, '192.0.2.2': { 'TXT shop.example.com': [GOOD] } }) },
    });
    assert.equal(`${result.status} ${result.messageId}`, 'fail differ');
    assert.match(result.message, /Postal asks ns1\.example\.net, ns2\.example\.net \(192\.0\.2\.1, 192\.0\.2\.2\) and gets Missing/);
  });

  it('says unknown when the nameservers cannot be found', async () => {
    const [result] = await runCheck(domainsSpfCheck, {
      yaml: YAML,
      probes: { database, dns: dns({ ...publicZone, 'NS shop.example.com': { error: 'servfail' } }, {}) },
    });
    assert.equal(`${result.status} ${result.messageId}`, 'unknown unknown');
  });

  it("reports an unreadable domains table once, in domains.spf; the other checks point there", async () => {
    const unreadable = { ...database, domains: async () => ({ ok: false as const, code: 'refused' as const, message: 'nothing accepts connections at 127.0.0.1:3306' }) };
    const [spf] = await runCheck(domainsSpfCheck, { yaml: YAML, probes: { database: unreadable } });
    assert.equal(`${spf.status} ${spf.messageId}`, 'unknown db-failed');
    assert.match(spf.message, /nothing accepts connections at 127\.0\.0\.1:3306/);
    const [dmarc] = await runCheck(domainsDmarcCheck, { yaml: YAML, probes: { database: unreadable } });
    assert.equal(`${dmarc.status} ${dmarc.messageId}`, 'skip list-elsewhere');
    assert.match(dmarc.message, /see domains\.spf/);
  });
});
