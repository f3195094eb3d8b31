import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { zone } from '../test/support/knot.js';
import { POSTAL_TASKS } from '../test/support/postal-schema.js';

/**
 * A generated Postal deployment of up to `maxIps` sending IPs (and `domains` customer domains), as DNS zones,
 * database rows and a postal.yml. Names are under reserved suffixes; the sending IPs are in 198.18.0.0/15
 * (RFC 2544, for benchmarks), the remote MX at 203.0.113.25; all of them exist only in the benchmark's namespace.
 */

export const ZONE = 'postal.example';
/** Where Postal's SMTP server listens (the first sending IP), named by smtp_hostname and both MX hosts. */
export const SERVER_IP = '198.18.0.1';
export const REMOTE_MX_IP = '203.0.113.25';
export const BLOCKLISTS = ['zen.dnsbl.example', 'b.dnsbl.example', 'bl.dnsbl.example'];
/** One sending IP in this many is listed on every blocklist, so the listed path is exercised too. */
const LISTED_EVERY = 64;

/** The i-th sending IP (0-based): 198.18.0.1, 198.18.0.2, … */
export function sendingIp(index: number): string {
  const n = index + 1;
  return `198.18.${Math.floor(n / 256)}.${n % 256}`;
}

export function sendingHostname(index: number): string {
  return `mta${index}.${ZONE}`;
}

function sqlString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** The DKIM TXT value for a PEM private key, as Postal publishes it (app/models/domain.rb: dkim_record). */
export function dkimRecord(privateKeyPem: string): string {
  const der = createPublicKey(privateKeyPem).export({ format: 'der', type: 'spki' }).toString('base64');
  return `v=DKIM1; t=s; h=sha256; p=${der};`;
}

/** A TXT value longer than 255 bytes, split into quoted strings for a zone file. */
function txt(value: string): string {
  const chunks = value.match(/.{1,200}/g) ?? [''];
  return `( ${chunks.map((chunk) => `"${chunk}"`).join(' ')} )`;
}

/** An RSA key as Postal writes a domain's (app/models/domain.rb:85, Ruby's OpenSSL::PKey::RSA#to_s: PKCS#1 PEM). */
export function generateKey(): string {
  return generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'pem', type: 'pkcs1' }).toString();
}

export interface Deployment {
  zones: Record<string, string>;
  signingKey: string;
}

/** The zones of a deployment with `maxIps` sending IPs: forward names, PTRs, SPF, return path, blocklists. */
export function deploymentZones(maxIps: number, signingKey: string, customerDomains: CustomerDomain[] = []): Record<string, string> {
  const forward = [
    `smtp A ${SERVER_IP}`,
    `web A ${SERVER_IP}`,
    `mx1 A ${SERVER_IP}`,
    `mx2 A ${SERVER_IP}`,
    'spf TXT "v=spf1 ip4:198.18.0.0/15 -all"',
    `rp A ${SERVER_IP}`,
    `rp MX 10 mx1.${ZONE}.`,
    `rp TXT "v=spf1 a mx include:spf.${ZONE} ~all"`,
    `postal._domainkey.rp TXT ${txt(dkimRecord(signingKey))}`,
    `routes MX 10 mx1.${ZONE}.`,
    `track A ${SERVER_IP}`,
  ];
  const reverse: string[] = [];
  const listed: string[] = [];
  for (let index = 0; index < maxIps; index++) {
    const [, , third, fourth] = sendingIp(index).split('.');
    forward.push(`mta${index} A ${sendingIp(index)}`);
    reverse.push(`${fourth}.${third} PTR ${sendingHostname(index)}.`);
    if (index % LISTED_EVERY === LISTED_EVERY - 1) listed.push(`${fourth}.${third}.18.198`);
  }
  const zones: Record<string, string> = {
    [ZONE]: zone(ZONE, forward),
    '18.198.in-addr.arpa': zone('18.198.in-addr.arpa', reverse),
  };
  for (const blocklist of BLOCKLISTS) {
    // RFC 5782 §5: 127.0.0.2 is listed (with a TXT), 127.0.0.1 is not.
    const entries = ['2.0.0.127', ...listed].flatMap((name) => [`${name} A 127.0.0.2`, `${name} TXT "listed for the benchmark"`]);
    zones[blocklist] = zone(blocklist, entries);
  }
  if (customerDomains.length > 0) zones[CUSTOMER_ZONE] = customerZone(customerDomains, signingKey);
  return zones;
}

/** Postal's ip_pools and ip_addresses rows for the first `count` sending IPs, in one pool. */
export function poolRowsSql(count: number): string {
  const rows = Array.from({ length: count }, (_, index) => `(1, ${sqlString(sendingIp(index))}, ${sqlString(sendingHostname(index))}, 100, NOW(), NOW())`);
  return [
    'DELETE FROM ip_addresses; DELETE FROM ip_pools;',
    "INSERT INTO ip_pools (id, name, uuid, `default`, created_at, updated_at) VALUES (1, 'Bench pool', 'bench-pool', 1, NOW(), NOW());",
    ...chunked(rows, 500).map((part) => `INSERT INTO ip_addresses (ip_pool_id, ipv4, hostname, priority, created_at, updated_at) VALUES ${part.join(', ')};`),
  ].join('\n');
}

function chunked<T>(items: T[], size: number): T[][] {
  const parts: T[][] = [];
  for (let start = 0; start < items.length; start += size) parts.push(items.slice(start, start + size));
  return parts;
}

/** The resolver the doctor is pointed at: the delaying forwarder in front of knotd. */
export const RESOLVER = '127.0.0.53';
/** The customer domains' own nameserver, which Postal asks directly: another delaying forwarder to knotd. */
export const CUSTOMER_NAMESERVER = '127.0.0.54';

/** A Postal that works: its mail server, and every scheduled task due in the future (an empty queue). */
export function healthyPostalRowsSql(): string {
  const tasks = POSTAL_TASKS.map((task) => `(${sqlString(task)}, UTC_TIMESTAMP() + INTERVAL 1 MINUTE)`);
  return [
    "INSERT INTO servers (id, organization_id, uuid, name, mode, permalink, message_retention_days, raw_message_retention_days, raw_message_retention_size, created_at, updated_at) " +
      "VALUES (1, 1, 'bench-server', 'Bench', 'Live', 'bench', 60, 30, 2048, NOW(), NOW());",
    `INSERT INTO scheduled_tasks (name, next_run_after) VALUES ${tasks.join(', ')};`,
  ].join('\n');
}

// ---- customer sending domains (Postal's `domains` table), for the D = 5,000 case ----

export const CUSTOMER_ZONE = 'customers.example';

export interface CustomerDomain {
  name: string;
  dkimIdentifier: string;
  /** Every 10th domain lacks Postal's SPF include, so failures are exercised as well. */
  spfOk: boolean;
}

export function customerDomains(count: number): CustomerDomain[] {
  return Array.from({ length: count }, (_, index) => ({
    name: `c${index}.${CUSTOMER_ZONE}`,
    dkimIdentifier: `k${index.toString(36).padStart(6, '0')}`,
    spfOk: index % 10 !== 9,
  }));
}

/** The DNS a customer publishes for Postal: SPF with the include, the DKIM key, the psrp CNAME, MX and DMARC. */
function customerZone(domains: CustomerDomain[], dkimKey: string): string {
  const dkim = txt(dkimRecord(dkimKey));
  const records = domains.flatMap((domain) => {
    const label = domain.name.slice(0, -CUSTOMER_ZONE.length - 1);
    return [
      `${label} TXT "v=spf1 ${domain.spfOk ? `include:spf.${ZONE} ` : ''}~all"`,
      `${label} MX 10 mx1.${ZONE}.`,
      `${label} MX 10 mx2.${ZONE}.`,
      `postal-${domain.dkimIdentifier}._domainkey.${label} TXT ${dkim}`,
      `psrp.${label} CNAME rp.${ZONE}.`,
      `_dmarc.${label} TXT "v=DMARC1; p=none"`,
    ];
  });
  // Postal asks a domain's own nameservers (postal-view.ts): a server of their own, behind the same delay.
  return zone(CUSTOMER_ZONE, [...records, `ns A ${CUSTOMER_NAMESERVER}`], `ns.${CUSTOMER_ZONE}.`);
}

/** The `domains` rows for these domains, verified and checked by Postal, all with the same DKIM key. */
export function domainRowsSql(domains: CustomerDomain[], dkimKey: string): string {
  const rows = domains.map(
    (domain, index) =>
      `(1, ${sqlString(`bench-domain-${index}`)}, ${sqlString(domain.name)}, 'DNS', NOW(), ${sqlString(dkimKey)}, NOW(), NOW(), NOW(), ` +
      `${domain.spfOk ? "'OK', NULL" : "'Invalid', 'An SPF record exists but it doesn''t include spf.postal.example'"}, 'OK', NULL, 'OK', NULL, 'OK', NULL, ` +
      `1, 1, 'Server', 1, ${sqlString(domain.dkimIdentifier)}, 0)`,
  );
  return [
    'DELETE FROM domains;',
    ...chunked(rows, 250).map(
      (part) =>
        'INSERT INTO domains (server_id, uuid, name, verification_method, verified_at, dkim_private_key, created_at, updated_at, dns_checked_at, ' +
        'spf_status, spf_error, dkim_status, dkim_error, mx_status, mx_error, return_path_status, return_path_error, ' +
        `outgoing, incoming, owner_type, owner_id, dkim_identifier_string, use_for_any) VALUES ${part.join(', ')};`,
    ),
  ].join('\n');
}

/** postal.yml for this deployment: pools on, main_db at the benchmark's MariaDB, TLS files under /config. */
export function postalYaml(dbPort: number): string {
  return [
    'version: 2',
    'postal:',
    `  web_hostname: web.${ZONE}`,
    '  web_protocol: https',
    `  smtp_hostname: smtp.${ZONE}`,
    '  use_ip_pools: true',
    'main_db:',
    '  host: 127.0.0.1',
    `  port: ${dbPort}`,
    '  username: postal',
    '  password: bench-db-password',
    '  database: postal',
    'smtp_server:',
    '  default_port: 25',
    '  tls_enabled: true',
    '  tls_certificate_path: /config/smtp.cert',
    '  tls_private_key_path: /config/smtp.key',
    'dns:',
    '  mx_records:',
    `    - mx1.${ZONE}`,
    `    - mx2.${ZONE}`,
    `  spf_include: spf.${ZONE}`,
    `  return_path_domain: rp.${ZONE}`,
    `  route_domain: routes.${ZONE}`,
    `  track_domain: track.${ZONE}`,
    'rails:',
    '  secret_key: 9f3c1a7e5b2d4f6a8c0e1b3d5f7a9c2e4b6d8f0a1c3e5b7d9f2a4c6e8b0d1f3a',
    '',
  ].join('\n');
}
