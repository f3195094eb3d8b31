import type { CheckContext, CheckDefinition, Evidence, Finding } from '../../core/types.js';
import { unlessOffline } from '../../core/probe-access.js';
import { asciiHostname, coveringName, formatSan, subjectAltNames } from '../../knowledge/tls/certificates.js';
import { bannerName, liveProbes, NO_CERTIFICATE_MESSAGE, judgeCertificate, type UsableCertificate } from '../../knowledge/tls/material.js';
import type { SmtpRestart } from '../../knowledge/tls/smtp-container.js';
import { sh } from '../../util/shell.js';
import { processConfig } from '../../knowledge/postal/process-config.js';

/** Why a peer may verify a name against the certificate. */
type Role = 'smtp_hostname' | 'banner' | 'mx';

const ROLE_TEXT: Record<Role, string> = {
  smtp_hostname: 'postal.smtp_hostname',
  banner: 'named in the live SMTP banner',
  mx: 'dns.mx_records',
};

interface RequiredName {
  written: string;
  name: string | null;
  roles: Set<Role>;
}

/** The banner names of the live sessions, or why there are none. */
async function bannerNames(ctx: CheckContext): Promise<{ names: string[]; evidence: Evidence }> {
  const probes = await unlessOffline(() => liveProbes(ctx));
  if (probes === null) return { names: [], evidence: { query: 'names in the live SMTP banners', answer: 'not looked at (--offline)' } };
  const seen: Record<string, string | null> = {};
  for (const probe of probes) if (probe.state === 'probed') seen[probe.target.label] = bannerName(probe.session.banner);
  return { names: Object.values(seen).filter((name): name is string => name !== null), evidence: { query: 'names in the live SMTP banners', answer: seen } };
}

export const tlsSan: CheckDefinition = {
  id: 'tls.san',
  group: 'tls',
  order: 50,
  title: 'The certificate covers smtp_hostname, the banner name and every MX name',
  targets: 'hostname',
  probes: ['files', 'dns', 'smtp', 'trust', 'commands'],
  network: false,
  messages: {
    ...NO_CERTIFICATE_MESSAGE,
    covered: {
      title: 'Certificate covers {name}',
      message: '{name} ({roles}) is covered by the certificate entry {entry}.',
    },
    'not-covered': {
      title: 'Certificate does not cover {name}',
      message:
        '{name} ({roles}) is not among the certificate names ({sans}). A wildcard covers exactly one label and a name is never taken from the subject CN. Clients and senders that verify the certificate refuse the connection.',
    },
    'no-dns-names': {
      title: 'Certificate has no DNS names: it covers {name} for no mail client',
      message:
        '{name} ({roles}): the certificate has no subjectAltName DNS entries (subject {subject}). Mail clients and senders that verify take names only from subjectAltName.',
    },
    'invalid-name': {
      title: 'Not a hostname: {name}',
      message: '"{name}" ({roles}) is not a valid hostname, so no certificate can cover it (see config.hostnames).',
    },
  },
  run: (ctx) => judgeCertificate(ctx, (input, smtp) => examine(ctx, input, smtp)),
};

/** Each name a peer may verify against the certificate, judged as if STARTTLS were on. */
async function examine(ctx: CheckContext, input: UsableCertificate, smtp: SmtpRestart): Promise<Finding[]> {
  const [leaf] = input.certificates;

  const required = new Map<string, RequiredName>();
  const add = (written: string, role: Role) => {
    const name = asciiHostname(written);
    const key = name ?? `invalid:${written}`;
    const entry = required.get(key) ?? { written, name, roles: new Set<Role>() };
    entry.roles.add(role);
    required.set(key, entry);
  };
  // The name the smtp container runs with, its own environment included.
  add(processConfig(ctx, 'smtp').config.get('postal.smtp_hostname'), 'smtp_hostname');
  let banners: { names: string[]; evidence: Evidence };
  try {
    banners = await bannerNames(ctx);
  } catch (error) {
    banners = { names: [], evidence: { query: 'names in the live SMTP banners', answer: `not read: ${(error as Error).message}` } };
  }
  for (const name of banners.names) add(name, 'banner');
  for (const mx of ctx.config.get('dns.mx_records')) add(String(mx), 'mx');

  const sans = subjectAltNames(leaf);
  const dnsNames = sans.filter((entry) => entry.type === 'DNS').map(formatSan);
  const evidence: Evidence[] = [
    { query: `subjectAltName of ${input.target}`, answer: sans.map(formatSan) },
    { query: 'names a peer may verify', answer: [...required.values()].map(({ written, name, roles }) => ({ name: name ?? written, required_as: [...roles].map((role) => ROLE_TEXT[role]) })) },
    banners.evidence,
  ];
  const names = [...required.values()].flatMap(({ name }) => (name ? [name] : []));
  const fix = {
    summary: `Get a certificate whose subjectAltName lists ${names.join(', ')} (e.g. ${sh`certbot certonly ${names.flatMap((name) => ['-d', name])}`} with the authenticator you use), install the full chain, then restart the SMTP server`,
    commands: [smtp.command],
    kind: 'file' as const,
  };

  return [...required.values()].map(({ written, name, roles }): Finding => {
    const rolesText = [...roles].map((role) => ROLE_TEXT[role]).join(', ');
    // Clients submitting mail are told to use smtp_hostname and verify it; MX and banner names matter to verifying senders.
    const missStatus = roles.has('smtp_hostname') ? 'fail' : 'warn';
    if (!name) return { target: written, status: 'fail', messageId: 'invalid-name', data: { name: written, roles: rolesText }, evidence };
    const entry = coveringName(leaf, name);
    if (entry) return { target: name, status: 'pass', messageId: 'covered', data: { name, roles: rolesText, entry: `DNS:${entry}` }, evidence };
    if (dnsNames.length === 0) {
      return { target: name, status: missStatus, messageId: 'no-dns-names', data: { name, roles: rolesText, subject: leaf.subject.replace(/\n/g, ', ') }, evidence, fix };
    }
    return { target: name, status: missStatus, messageId: 'not-covered', data: { name, roles: rolesText, sans: dnsNames.join(', ') }, evidence, fix };
  });
}
