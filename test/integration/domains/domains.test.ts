import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { doctor } from '../../../src/core/doctor.js';
import { defaultRunOptions } from '../../../src/core/options.js';
import type { Report, Result, RunOptions } from '../../../src/core/types.js';
import { createProbes } from '../../../src/probes/index.js';
import type { Probes } from '../../../src/probes/types.js';
import { FORMATS, REPORTERS } from '../../../src/reporters/index.js';
import { dkimRecordFor } from '../../../src/knowledge/dns/dkim-key.js';
import { domainsDeploymentMissing, startDomainsDeployment, type DomainsDeployment } from '../../support/domains.js';

const missing = domainsDeploymentMissing();

describe('sending domains against real nameservers, MariaDB and an HTTPS server', { skip: missing ?? false }, () => {
  let deployment: DomainsDeployment;
  let dir: string;
  let report: Report;

  const run = async (extra: Partial<RunOptions> = {}): Promise<Report> => {
    const options: RunOptions = { ...defaultRunOptions(), configPath: join(dir, 'postal.yml'), only: ['domains'], resolvers: [deployment.resolver], timeoutMs: 2000, ...extra };
    const real = createProbes(options);
    const probes: Probes = {
      ...real,
      // The tracking server's certificate comes from a test CA; no container runtime is consulted.
      trust: { roots: async () => [deployment.caPem] },
      commands: { run: async () => ({ outcome: 'not-found', exitCode: null, stdout: '', stderr: '' }) },
    };
    return doctor(options, probes);
  };
  const result = (check: string, target: string): Result => {
    const found = report.results.find((entry) => entry.check === check && entry.target === target);
    assert.ok(found, `no ${check} result for ${target}: ${report.results.filter((entry) => entry.check === check).map((entry) => entry.target).join(', ')}`);
    return found;
  };
  const verdict = (check: string, target: string) => {
    const { status, messageId } = result(check, target);
    return `${status} ${messageId}`;
  };

  before(async () => {
    deployment = await startDomainsDeployment();
    dir = mkdtempSync(join(tmpdir(), 'pd-domains-'));
    writeFileSync(join(dir, 'postal.yml'), deployment.yaml);
    report = await run();
  });
  after(async () => {
    await deployment?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('passes a domain whose records are all as Postal wants them, in both views', () => {
    for (const check of ['domains.spf', 'domains.dkim', 'domains.mx', 'domains.return-path']) assert.equal(verdict(check, 'ok.example.com'), 'pass ok', check);
    assert.equal(verdict('domains.dmarc', 'ok.example.com'), 'pass aligned');
    assert.equal(verdict('domains.track-domains', 'click.ok.example.com'), 'pass https-ok');
  });

  it('looks only at sending domains', () => {
    assert.ok(!report.results.some((entry) => entry.target === 'inbound-only.example.com'));
  });

  it("fails SPF without the include, with Postal's own error and the record to publish", () => {
    const spf = result('domains.spf', 'nospf.example.com');
    assert.equal(`${spf.status} ${spf.messageId}`, 'fail problem');
    assert.match(spf.message, /An SPF record exists but it doesn't include spf\.postal\.example\.net/);
    assert.deepEqual(spf.fix?.records, ['nospf.example.com. 3600 IN TXT "v=spf1 a mx include:spf.postal.example.net ~all"']);
  });

  it('fails two DKIM records and a DKIM record with another key, and prints the right record', () => {
    const two = result('domains.dkim', 'twodkim.example.com');
    assert.equal(`${two.status} ${two.messageId}`, 'fail problem');
    assert.match(two.message, /There are 2 records for at postal-TWODKM\._domainkey\.twodkim\.example\.com/);
    const other = result('domains.dkim', 'otherkey.example.com');
    assert.equal(`${other.status} ${other.messageId}`, 'fail problem');
    assert.match(other.message, /does not match the record we have provided/);
    assert.match(other.fix?.records?.[0] ?? '', /^postal-OTHERK\._domainkey\.otherkey\.example\.com\. 3600 IN TXT "v=DKIM1; t=s; h=sha256; p=MI/i);
  });

  it('warns when the records are right but Postal still acts on an older result, and says when it looks again', () => {
    const spf = result('domains.spf', 'twodkim.example.com');
    assert.equal(`${spf.status} ${spf.messageId}`, 'warn stale');
    assert.equal(spf.title, 'twodkim.example.com: SPF OK, Postal still says Missing');
    assert.match(spf.message, /Postal stored "Missing" at .* UTC; now it would store "OK"; it looks again on its own at \d{4}-\d\d-\d\d \d\d:15 UTC/);
  });

  it('warns about a missing psrp CNAME and gives the CNAME', () => {
    const returnPath = result('domains.return-path', 'nopsrp.example.com');
    assert.equal(`${returnPath.status} ${returnPath.messageId}`, 'warn problem');
    assert.deepEqual(returnPath.fix?.records, ['psrp.nopsrp.example.com. 3600 IN CNAME rp.postal.example.net.']);
  });

  it('explains a _domainkey delegation that hides the key from Postal while the public sees it', () => {
    const dkim = result('domains.dkim', 'deleg.example.com');
    assert.equal(`${dkim.status} ${dkim.messageId}`, 'fail differ');
    assert.equal(dkim.title, 'deleg.example.com: DKIM Missing for Postal, OK publicly');
    assert.match(dkim.message, /_domainkey\.deleg\.example\.com is a zone of its own, delegated to ns2\.example\.com/);
    assert.deepEqual(dkim.fix?.configChanges, [{ path: 'postal.use_local_ns_for_domain_verification', from: false, to: true }]);
    // The question went to the customer zone's nameserver, as Postal asks it.
    assert.ok(dkim.evidence.some((item) => item.query === 'TXT postal-delegx._domainkey.deleg.example.com @127.77.12.1'));
  });

  it('fails DMARC p=reject when DKIM is not OK and the return path is missing: mail is rejected', () => {
    const dmarc = result('domains.dmarc', 'reject.example.com');
    assert.equal(`${dmarc.status} ${dmarc.messageId}`, 'fail rejected');
    assert.match(dmarc.message, /signs as rp\.postal\.example\.net/);
    const records = dmarc.fix?.records ?? [];
    assert.match(records[0], /^postal-REJECT\._domainkey\.reject\.example\.com\. 3600 IN TXT "v=DKIM1; t=s; h=sha256; p=/i);
    assert.equal(records[1], 'psrp.reject.example.com. 3600 IN CNAME rp.postal.example.net.');
    assert.equal(verdict('domains.dmarc', 'nospf.example.com'), 'warn no-record');
  });

  it('fails a tracking domain whose HTTPS server has no certificate for its name', () => {
    const track = result('domains.track-domains', 'links.nospf.example.com');
    assert.equal(`${track.status} ${track.messageId}`, 'fail no-certificate');
    assert.match(track.message, /ERR_TLS_CERT_ALTNAME_INVALID/);
  });

  it('puts every question and answer in the JSON report', () => {
    const json = JSON.parse(REPORTERS.json(report, { color: false, verbose: false, quiet: false, failOn: 'fail' })) as Report;
    const spf = json.results.find((entry) => entry.check === 'domains.spf' && entry.target === 'ok.example.com');
    const queries = spf?.evidence.map((item) => item.query) ?? [];
    assert.ok(queries.includes('NS ok.example.com'), queries.join(', '));
    assert.ok(queries.includes('TXT ok.example.com @127.77.12.1'), queries.join(', '));
    assert.ok(queries.includes('TXT ok.example.com'), queries.join(', '));
  });

  it('looks at one domain with --domain', async () => {
    const one = await run({ domain: 'nopsrp.example.com' });
    const targets = new Set(one.results.map((entry) => entry.target));
    assert.deepEqual([...targets], ['nopsrp.example.com', null].filter((target) => one.results.some((entry) => entry.target === target)));
    assert.ok(targets.has('nopsrp.example.com'));
  });

  it('never prints a private key or the database password, in any format', () => {
    // Slices of each PEM that are not also in the public key (the modulus is in both).
    const marks = deployment.privateKeys.flatMap((pem) => {
      const publicKey = dkimRecordFor(pem) ?? '';
      return pem.split('\n').filter((line) => line.length >= 40).map((line) => line.slice(0, 40)).filter((mark) => !publicKey.includes(mark));
    });
    assert.ok(marks.length > deployment.privateKeys.length);
    for (const format of FORMATS) {
      for (const verbose of [false, true]) {
        const text = REPORTERS[format](report, { color: false, verbose, quiet: false, failOn: 'fail' });
        assert.ok(!/PRIVATE KEY/.test(text), `${format} shows a private key`);
        assert.deepEqual(marks.filter((mark) => text.includes(mark)), [], `${format} shows private key material`);
        assert.ok(!text.includes(deployment.password), `${format} shows the database password`);
      }
    }
  });
});
