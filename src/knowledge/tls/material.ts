import type { X509Certificate } from 'node:crypto';
import { joinHostPort, splitHostPort } from '../../util/host-port.js';
import { lookup } from '../dns/lookups.js';
import { defineFact } from '../../core/facts.js';
import { isIP } from 'node:net';
import type { CheckContext, Evidence, Finding, MessageTemplate } from '../../core/types.js';
import type { DnsAnswer, FileErrorCode, FileInfo, SmtpSession } from '../../probes/types.js';
import { canonicalIp } from '../../util/ip.js';
import { smtpRestart, type SmtpRestart } from './smtp-container.js';
import { asciiHostname, misplacedLeaf, parseRoots, readCertificateFile, readKeyFile, certificatesOf, type CertificateFileContent, type KeyFileContent } from './certificates.js';
import { processConfig } from '../postal/process-config.js';
import { postalListener } from '../postal/listeners.js';

/** A TLS file as the doctor found it on the host. */
export type LoadedFile<T> =
  | { state: 'outside-mount'; containerPath: string }
  | { state: 'error'; containerPath: string; hostPath: string; code: FileErrorCode; message: string }
  | { state: 'read'; containerPath: string; hostPath: string; info: FileInfo | null; content: T };

export interface TlsFiles {
  certificate: LoadedFile<CertificateFileContent>;
  key: LoadedFile<KeyFileContent>;
}

/** A certificate or key is a few kilobytes; a large file is not one. */
const MAX_TLS_FILE_BYTES = 1024 * 1024;

async function loadFile<T>(ctx: CheckContext, containerPath: string, parse: (data: Buffer) => T): Promise<LoadedFile<T>> {
  const hostPath = ctx.config.hostPath(containerPath);
  if (hostPath === null) return { state: 'outside-mount', containerPath };
  const read = await ctx.probes.files.read(hostPath, MAX_TLS_FILE_BYTES);
  if (!read.ok) return { state: 'error', containerPath, hostPath, code: read.code, message: read.message };
  const stat = await ctx.probes.files.stat(hostPath);
  return { state: 'read', containerPath, hostPath, info: stat.ok ? stat.value : null, content: parse(read.value) };
}

/** The certificate and key files named by smtp_server.tls_*_path, read once per run. */
export const tlsFiles = defineFact({
  name: 'TLS files',
  probes: ['files'],
  async compute(ctx): Promise<TlsFiles> {
    const [certificate, key] = await Promise.all([
      loadFile(ctx, ctx.config.get('smtp_server.tls_certificate_path'), readCertificateFile),
      loadFile(ctx, ctx.config.get('smtp_server.tls_private_key_path'), readKeyFile),
    ]);
    return { certificate, key };
  },
});

/** A file's target in the report: its host path, or the container path when it has none. */
export function fileTarget(file: LoadedFile<unknown>): string {
  return file.state === 'outside-mount' ? file.containerPath : file.hostPath;
}

/** Trusted roots, parsed once per run. */
export const trustRoots = defineFact({
  name: 'trusted roots',
  probes: ['trust'],
  async compute(ctx): Promise<{ pems: string[]; certificates: X509Certificate[] }> {
    const pems = await ctx.probes.trust.roots();
    return { pems, certificates: parseRoots(pems) };
  },
});

/**
 * With STARTTLS switched off nobody is served the certificate yet: tls.enabled is the failure, and what
 * is wrong with the files is a warning to clear before switching it on.
 */
export function latentWhileTlsOff(ctx: CheckContext, findings: Finding[]): Finding[] {
  if (ctx.config.get('smtp_server.tls_enabled')) return findings;
  return findings.map((finding) => (finding.status === 'fail' ? { ...finding, status: 'warn' } : finding));
}

/** Shared by tls.expiry, tls.chain and tls.san: nothing to look at without a readable certificate. */
export const NO_CERTIFICATE_MESSAGE: Record<string, MessageTemplate> = {
  'no-certificate': {
    title: 'No server certificate to examine',
    message: 'The certificate file {file} holds no usable server certificate in first place (see tls.files), so this could not be checked.',
  },
};

export type CertificateInput = { ok: true; certificates: X509Certificate[]; target: string } | { ok: false; finding: Finding };
export type UsableCertificate = Extract<CertificateInput, { ok: true }>;

/**
 * The frame of tls.expiry, tls.chain and tls.san: a `skip` without a usable certificate, else the
 * check's judgement of it, with its failures made warnings while STARTTLS is off.
 */
export async function judgeCertificate(
  ctx: CheckContext,
  judge: (input: UsableCertificate, smtp: SmtpRestart) => Promise<Finding[]>,
): Promise<Finding[]> {
  const input = await certificateInput(ctx);
  if (!input.ok) return [input.finding];
  return latentWhileTlsOff(ctx, await judge(input, await smtpRestart(ctx)));
}

/** The certificates of the file, leaf first, or the `skip` finding a check reports instead. */
export async function certificateInput(ctx: CheckContext): Promise<CertificateInput> {
  const { certificate } = await tlsFiles(ctx);
  const target = fileTarget(certificate);
  const certificates = certificate.state === 'read' ? certificatesOf(certificate.content) : null;
  // A CA certificate in first place is no server certificate (tls.files says so); judging it would only mislead.
  if (certificates && misplacedLeaf(certificates) === null) return { ok: true, certificates, target };
  return { ok: false, finding: { target, status: 'skip', messageId: 'no-certificate', data: { file: target } } };
}

/** Where the live probe connects, and the name it expects (null for an IP target). */
export interface LiveTarget {
  /** `host:port` as reported (`[v6]:port` for IPv6). */
  label: string;
  host: string;
  port: number;
  name: string | null;
}

export type LiveProbe =
  | { target: LiveTarget; state: 'invalid'; input: string }
  | { target: LiveTarget; state: 'unresolved'; evidence: Evidence[] }
  | { target: LiveTarget; state: 'probed'; address: string; session: SmtpSession; evidence: Evidence[] };

/** `host`, `host:port`, `v6`, `[v6]` or `[v6]:port`; null when it is none of those. */
export function parseTarget(input: string, defaultPort: number): LiveTarget | null {
  const parts = splitHostPort(input);
  if (!parts) return null;
  const port = parts.port ?? defaultPort;
  if (isIP(parts.host)) return { label: joinHostPort(canonicalIp(parts.host), port), host: canonicalIp(parts.host), port, name: null };
  const name = asciiHostname(parts.host);
  if (!name) return null;
  return { label: joinHostPort(name, port), host: name, port, name };
}

/** `--smtp-target` values, else smtp_hostname and every MX host on the port Postal's SMTP server listens on (PORT in its container, else smtp_server.default_port). */
export function liveTargets(ctx: CheckContext): Array<LiveTarget | { invalid: string }> {
  const port = postalListener(ctx, 'smtp').port;
  const inputs = ctx.options.smtpTargets.length > 0 ? ctx.options.smtpTargets : [processConfig(ctx, 'smtp').config.get('postal.smtp_hostname'), ...ctx.config.get('dns.mx_records')];
  const targets: Array<LiveTarget | { invalid: string }> = [];
  const seen = new Set<string>();
  for (const input of inputs) {
    const target = parseTarget(String(input).trim(), port);
    if (!target) targets.push({ invalid: String(input) });
    else if (!seen.has(target.label)) {
      seen.add(target.label);
      targets.push(target);
    }
  }
  return targets;
}

/** The name the probe announces: Postal's own, so a peer sees nothing unusual (the probe refuses one that is no hostname). */
export function probeHelo(ctx: CheckContext): string {
  const written = ctx.config.get('postal.smtp_hostname');
  return asciiHostname(written) ?? written;
}

async function resolve(ctx: CheckContext, name: string): Promise<{ addresses: string[]; answers: DnsAnswer[] }> {
  const answers: DnsAnswer[] = [];
  for (const type of ['A', 'AAAA'] as const) {
    const answer = await lookup(ctx, name, type);
    answers.push(answer);
    if (answer.status === 'answer' && answer.records.length > 0) return { addresses: answer.records, answers };
  }
  return { addresses: [], answers };
}

/**
 * One SMTP session per target, run once per run and shared by tls.live and tls.san. A name
 * is resolved with the run's resolver and the session goes to its first address, with the
 * name as SNI; an IP target is probed without SNI.
 */
export const liveProbes = defineFact({
  name: 'live SMTP sessions',
  probes: ['dns', 'smtp', 'trust'],
  async compute(ctx): Promise<LiveProbe[]> {
    // The PEM texts are all a session needs: parsing them (trustRoots) is tls.chain's cost, not this one's.
    const roots = await ctx.probes.trust.roots();
    const helo = probeHelo(ctx);
    return Promise.all(
      liveTargets(ctx).map(async (target): Promise<LiveProbe> => {
        if ('invalid' in target) {
          return { target: { label: target.invalid, host: target.invalid, port: 0, name: null }, state: 'invalid', input: target.invalid };
        }
        let address = target.host;
        const evidence: Evidence[] = [];
        if (target.name) {
          const { addresses, answers } = await resolve(ctx, target.name);
          evidence.push(...answers.map((answer) => ({ query: answer.query, answer: answer.status === 'answer' ? answer.records : answer.status })));
          if (addresses.length === 0) return { target, state: 'unresolved', evidence };
          address = canonicalIp(addresses[0]);
        }
        const session = await ctx.probes.smtp.session({
          host: address,
          port: target.port,
          servername: target.name ?? undefined,
          helo,
          timeoutMs: ctx.options.timeoutMs,
          ca: roots,
        });
        return { target, state: 'probed', address, session, evidence };
      }),
    );
  },
});

/** The host name a banner announces (`220 <name> ESMTP …`), lower case; null when it names none. */
export function bannerName(banner: string | null): string | null {
  const first = banner?.trim().split(/\s+/)[0];
  return first ? asciiHostname(first) : null;
}
