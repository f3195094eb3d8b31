import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dkimRecordFor } from '../../src/knowledge/dns/dkim-key.js';
import { knotMissing, startKnot, type Knot } from './knot.js';
import { mariadbMissing, startMariaDb, type MariaDb } from './mariadb.js';

/**
 * Postal's domains and track_domains tables as db/schema.rb has them at 3.3.6
 * (postalserver/postal 8ef89606bc34146fffba77a604dd824e6b1cdcc2, db/schema.rb:77-104 and 294-308).
 */
export const POSTAL_DOMAIN_TABLES = `
CREATE TABLE domains (
  id INT AUTO_INCREMENT PRIMARY KEY, server_id INT, uuid VARCHAR(255), name VARCHAR(255), verification_token VARCHAR(255),
  verification_method VARCHAR(255), verified_at DATETIME, dkim_private_key TEXT, created_at DATETIME(6), updated_at DATETIME(6),
  dns_checked_at DATETIME(6), spf_status VARCHAR(255), spf_error VARCHAR(255), dkim_status VARCHAR(255), dkim_error VARCHAR(255),
  mx_status VARCHAR(255), mx_error VARCHAR(255), return_path_status VARCHAR(255), return_path_error VARCHAR(255),
  outgoing TINYINT(1) DEFAULT 1, incoming TINYINT(1) DEFAULT 1, owner_type VARCHAR(255), owner_id INT,
  dkim_identifier_string VARCHAR(255), use_for_any TINYINT(1),
  KEY index_domains_on_server_id (server_id), KEY index_domains_on_uuid (uuid(8))
) CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
CREATE TABLE track_domains (
  id INT AUTO_INCREMENT PRIMARY KEY, uuid VARCHAR(255), server_id INT, domain_id INT, name VARCHAR(255), dns_checked_at DATETIME,
  dns_status VARCHAR(255), dns_error VARCHAR(255), created_at DATETIME NOT NULL, updated_at DATETIME NOT NULL,
  ssl_enabled TINYINT(1) DEFAULT 1, track_clicks TINYINT(1) DEFAULT 1, track_loads TINYINT(1) DEFAULT 1, excluded_click_domains TEXT
) CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci;
`;

/** Loopback addresses the customer zones' nameservers and the tracking web server listen on (port 53 and 443). */
export const CUSTOMER_NS = '127.77.12.1';
export const DOMAINKEY_NS = '127.77.12.2';
export const TRACKING_WEB = '127.77.12.3';

const PASSWORD = 'Db-7t!q2secret';

/** Why the deployment cannot be started here, or null. */
export function domainsDeploymentMissing(): string | null {
  if (process.getuid?.() !== 0) return 'needs root: nameservers listen on port 53 and the tracking server on 443 of loopback addresses';
  return knotMissing() ?? mariadbMissing();
}

/** An RSA key as Postal makes one (domain.rb:84-86: OpenSSL::PKey::RSA.new(1024).to_s, PKCS#1 PEM). */
export function postalDkimKey(): string {
  return generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
}

function txt(value: string): string {
  return (value.match(/.{1,200}/g) ?? ['']).map((chunk) => `"${chunk}"`).join(' ');
}

function zoneText(origin: string, nameserver: string, records: string[]): string {
  return [`$ORIGIN ${origin}.`, '$TTL 60', '@ SOA ns1.example.com. hostmaster.example.com. 1 3600 600 86400 60', `@ NS ${nameserver}.`, ...records, ''].join('\n');
}

interface CaseDomain {
  name: string;
  id: string;
  key: string;
  /** Records of its zone, relative to the domain. */
  records: string[];
  stored: { spf: string; dkim: string; mx: string; returnPath: string };
  track?: { name: string; stored: string };
}

const GOOD_SPF = 'v=spf1 a mx include:spf.postal.example.net ~all';
const MX = ['@ MX 10 mx1.postal.example.net.', '@ MX 20 mx2.postal.example.net.'];
const PSRP = 'psrp CNAME rp.postal.example.net.';

/** The test deployment: one domain per case of the domains checks. */
function caseDomains(): CaseDomain[] {
  const key = () => postalDkimKey();
  const dkim = (id: string, pem: string) => `postal-${id}._domainkey TXT ${txt(dkimRecordFor(pem) as string)}`;
  const ok = { spf: 'OK', dkim: 'OK', mx: 'OK', returnPath: 'OK' };
  const domains: CaseDomain[] = [];
  const add = (name: string, id: string, records: (pem: string) => string[], stored: Partial<CaseDomain['stored']> = {}, track?: CaseDomain['track']) => {
    const pem = key();
    domains.push({ name, id, key: pem, records: records(pem), stored: { ...ok, ...stored }, ...(track ? { track } : {}) });
  };
  add('ok.example.com', 'OKOKOK', (pem) => [`@ TXT "${GOOD_SPF}"`, dkim('OKOKOK', pem), ...MX, PSRP, '_dmarc TXT "v=DMARC1; p=reject"', 'click CNAME track.postal.example.net.'], {}, { name: 'click', stored: 'OK' });
  add('nospf.example.com', 'NOSPFX', (pem) => ['@ TXT "v=spf1 a mx ~all"', dkim('NOSPFX', pem), ...MX, PSRP, 'links CNAME track.postal.example.net.'], { spf: 'Invalid' }, { name: 'links', stored: 'OK' });
  add('twodkim.example.com', 'TWODKM', (pem) => [`@ TXT "${GOOD_SPF}"`, dkim('TWODKM', pem), `postal-TWODKM._domainkey TXT "v=DKIM1; p=old"`, ...MX, PSRP], { dkim: 'Invalid', spf: 'Missing' });
  const other = key();
  add('otherkey.example.com', 'OTHERK', () => [`@ TXT "${GOOD_SPF}"`, dkim('OTHERK', other), ...MX, PSRP], { dkim: 'Invalid' });
  add('nopsrp.example.com', 'NOPSRP', (pem) => [`@ TXT "${GOOD_SPF}"`, dkim('NOPSRP', pem), ...MX], { returnPath: 'Missing' });
  add('deleg.example.com', 'DELEGX', () => [`@ TXT "${GOOD_SPF}"`, '_domainkey NS ns2.example.com.', ...MX, PSRP], { dkim: 'Missing' });
  add('reject.example.com', 'REJECT', () => [`@ TXT "${GOOD_SPF}"`, ...MX, '_dmarc TXT "v=DMARC1; p=reject"'], { dkim: 'Missing', returnPath: 'Missing' });
  return domains;
}

export interface DomainsDeployment {
  /** postal.yml for this deployment. */
  yaml: string;
  /** The public view: the resolver the doctor is given. */
  resolver: string;
  /** The root the tracking server's certificate chains to. */
  caPem: string;
  /** Every DKIM private key in the database, to prove none is ever printed. */
  privateKeys: string[];
  password: string;
  db: MariaDb;
  stop(): Promise<void>;
}

/** A test CA and a certificate for `name`, made with openssl. */
function certificateFor(name: string): { ca: string; key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pd-track-pki-'));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    run('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', '/CN=Tracking Test CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
    run('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'leaf.key', '-out', 'leaf.csr', '-subj', `/CN=${name}`);
    writeFileSync(join(dir, 'leaf.ext'), `subjectAltName=DNS:${name}\n`);
    run('x509', '-req', '-in', 'leaf.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'leaf.pem', '-days', '30', '-extfile', 'leaf.ext');
    const read = (file: string) => readFileSync(join(dir, file), 'utf8');
    return { ca: read('ca.pem'), key: read('leaf.key'), cert: read('leaf.pem') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const sqlText = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

/**
 * Starts the deployment: knotd for the public view (answering every zone as a recursive resolver would), knotd as
 * the customer zones' nameserver on CUSTOMER_NS:53 (with `_domainkey.deleg.example.com` delegated away), a second
 * knotd on DOMAINKEY_NS:53 for that delegated zone, MariaDB with Postal's tables, and an HTTPS server with a
 * certificate for click.ok.example.com only. `bulk` adds that many all-OK domains under bulk.example.org.
 */
export async function startDomainsDeployment(bulk = 0): Promise<DomainsDeployment> {
  const domains = caseDomains();
  const zones: Record<string, string> = {};
  for (const domain of domains) zones[domain.name] = zoneText(domain.name, 'ns1.example.com', domain.records);
  const bulkKey = postalDkimKey();
  if (bulk > 0) {
    const record = dkimRecordFor(bulkKey) as string;
    const records: string[] = [];
    for (let index = 0; index < bulk; index++) {
      const label = `d${index}`;
      records.push(`${label} TXT "${GOOD_SPF}"`, `postal-B${index}._domainkey.${label} TXT ${txt(record)}`, ...MX.map((mx) => mx.replace('@', label)), `psrp.${label} CNAME rp.postal.example.net.`, `_dmarc.${label} TXT "v=DMARC1; p=quarantine"`);
    }
    zones['bulk.example.org'] = zoneText('bulk.example.org', 'ns1.example.com', records);
  }
  const domainkeyZone = zoneText('_domainkey.deleg.example.com', 'ns2.example.com', [`postal-DELEGX TXT ${txt(dkimRecordFor(domains.find((domain) => domain.id === 'DELEGX')!.key) as string)}`]);
  const publicZones = {
    ...zones,
    '_domainkey.deleg.example.com': domainkeyZone,
    'example.com': zoneText('example.com', 'ns1.example.com', [`ns1 A ${CUSTOMER_NS}`, `ns2 A ${DOMAINKEY_NS}`]),
    'postal.example.net': zoneText('postal.example.net', 'ns1.example.com', [`track A ${TRACKING_WEB}`, `rp A ${TRACKING_WEB}`, `spf TXT "v=spf1 ip4:192.0.2.25 ~all"`]),
  };
  const started: Array<{ stop(): Promise<void> }> = [];
  const stopAll = async () => {
    for (const part of started.reverse()) await part.stop().catch(() => {});
  };
  try {
    const publicView: Knot = await startKnot(publicZones);
    started.push(publicView);
    started.push(await startKnot(zones, { address: CUSTOMER_NS, port: 53 }));
    started.push(await startKnot({ '_domainkey.deleg.example.com': domainkeyZone }, { address: DOMAINKEY_NS, port: 53 }));

    const pki = certificateFor('click.ok.example.com');
    const web: Server = createServer({ key: pki.key, cert: pki.cert }, (_request, response) => response.end('tracking'));
    await new Promise<void>((resolve, reject) => web.once('error', reject).listen(443, TRACKING_WEB, resolve));
    started.push({ stop: () => new Promise<void>((resolve) => web.close(() => resolve())) });

    const db = await startMariaDb();
    started.push(db);
    await db.sql(`CREATE DATABASE postal; CREATE USER 'postal'@'127.0.0.1' IDENTIFIED BY '${PASSWORD}'; GRANT SELECT ON postal.* TO 'postal'@'127.0.0.1';`);
    const rows = domains.map(
      (domain, index) =>
        `(${index + 1}, ${sqlText(domain.name)}, ${sqlText(domain.key)}, ${sqlText(domain.id)}, UTC_TIMESTAMP() - INTERVAL 10 MINUTE, UTC_TIMESTAMP() - INTERVAL 10 MINUTE, ` +
        `'${domain.stored.spf}', '${domain.stored.dkim}', '${domain.stored.mx}', '${domain.stored.returnPath}', 1)`,
    );
    const tracks = domains
      .map((domain, index) => (domain.track ? `(${index + 1}, ${sqlText(domain.track.name)}, UTC_TIMESTAMP() - INTERVAL 10 MINUTE, '${domain.track.stored}', 1, NOW(), NOW())` : null))
      .filter((row) => row !== null);
    await db.sql(
      `${POSTAL_DOMAIN_TABLES}
      INSERT INTO domains (id, name, dkim_private_key, dkim_identifier_string, verified_at, dns_checked_at, spf_status, dkim_status, mx_status, return_path_status, outgoing) VALUES ${rows.join(',\n')};
      INSERT INTO domains (id, name, outgoing) VALUES (${domains.length + 1}, 'inbound-only.example.com', 0);
      INSERT INTO track_domains (domain_id, name, dns_checked_at, dns_status, ssl_enabled, created_at, updated_at) VALUES ${tracks.join(',\n')};`,
      'postal',
    );
    // In batches, the shared key set once per batch: one command-line argument holds at most 128 KiB.
    for (let first = 0; first < bulk; first += 500) {
      const batch = Array.from({ length: Math.min(500, bulk - first) }, (_, offset) => first + offset).map(
        (index) => `(${domains.length + index + 2}, 'd${index}.bulk.example.org', @bulk_key, 'B${index}', UTC_TIMESTAMP(), UTC_TIMESTAMP() - INTERVAL 10 MINUTE, 'OK', 'OK', 'OK', 'OK', 1)`,
      );
      await db.sql(
        `SET @bulk_key = ${sqlText(bulkKey)}; INSERT INTO domains (id, name, dkim_private_key, dkim_identifier_string, verified_at, dns_checked_at, spf_status, dkim_status, mx_status, return_path_status, outgoing) VALUES ${batch.join(',')};`,
        'postal',
      );
    }
    const yaml = [
      'version: 2',
      'postal:',
      '  smtp_hostname: postal.example.net',
      'main_db:',
      '  host: 127.0.0.1',
      `  port: ${db.port}`,
      '  username: postal',
      `  password: "${PASSWORD}"`,
      '  database: postal',
      'dns:',
      '  mx_records: [mx1.postal.example.net, mx2.postal.example.net]',
      '  spf_include: spf.postal.example.net',
      '  return_path_domain: rp.postal.example.net',
      '  track_domain: track.postal.example.net',
      '  dkim_identifier: postal',
      '',
    ].join('\n');
    return { yaml, resolver: publicView.server, caPem: pki.ca, privateKeys: [...domains.map((domain) => domain.key), bulkKey], password: PASSWORD, db, stop: stopAll };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
