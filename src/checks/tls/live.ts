import { X509Certificate } from 'node:crypto';
import type { CheckContext, CheckDefinition, Evidence, Finding, Status } from '../../core/types.js';
import type { SmtpSession } from '../../probes/types.js';
import { asciiHostname, certificatesOf, coveringName, formatSan, formatUtc, subjectAltNames, summarize, validity } from '../../knowledge/tls/certificates.js';
import { bannerName, liveProbes, probeHelo, tlsFiles, type LiveProbe } from '../../knowledge/tls/material.js';
import { smtpRestart } from '../../knowledge/tls/smtp-container.js';
import { processConfig } from '../../knowledge/postal/process-config.js';
import { postalListener } from '../../knowledge/postal/listeners.js';

const STATUS_RANK: Record<Status, number> = { fail: 4, unknown: 3, warn: 2, skip: 1, pass: 0 };

function sessionEvidence(probe: Extract<LiveProbe, { state: 'probed' }>): Evidence {
  const { session } = probe;
  return {
    query: `SMTP session with ${probe.target.label} (address ${probe.address}${probe.target.name ? `, SNI ${probe.target.name}` : ', no SNI'})`,
    answer: {
      banner: session.banner,
      ehlo: session.ehlo,
      starttlsOffered: session.starttlsOffered,
      tls: session.tls && {
        protocol: session.tls.protocol,
        cipher: session.tls.cipher,
        authorized: session.tls.authorized,
        authorizationError: session.tls.authorizationError,
        chain: session.tls.chainPem.map((pem) => summarize(new X509Certificate(pem))),
      },
      ehloAfterTls: session.ehloAfterTls ?? null,
      failure: session.failure,
      timingsMs: session.timings,
    },
  };
}

/** A session that stopped early, as a finding. */
async function failureFinding(ctx: CheckContext, probe: Extract<LiveProbe, { state: 'probed' }>, failure: NonNullable<SmtpSession['failure']>, evidence: Evidence[]): Promise<Finding> {
  const target = probe.target.label;
  const data = { target, address: probe.address, phase: failure.phase, code: failure.code, reason: failure.message };
  if (failure.code === 'INVALID_HELO') return { target, status: 'unknown', messageId: 'invalid-helo', data: { target, helo: probeHelo(ctx) }, evidence };
  if (failure.code === 'ETIMEDOUT') return { target, status: 'unknown', messageId: 'timeout', data: { ...data, ms: ctx.options.timeoutMs }, evidence };
  if (failure.phase === 'connect') return { target, status: 'unknown', messageId: 'unreachable', data, evidence };
  const restart = (await smtpRestart(ctx)).command;
  if (failure.phase === 'starttls' && failure.code.startsWith('SMTP_')) {
    return {
      target,
      status: 'fail',
      messageId: 'starttls-rejected',
      data,
      evidence,
      fix: { summary: 'Set smtp_server.tls_enabled: true with a readable certificate and key (see tls.files), then restart the SMTP server', commands: [restart], kind: 'config' },
    };
  }
  if (failure.phase === 'tls' || failure.code === 'PLAINTEXT_AFTER_STARTTLS') {
    return {
      target,
      status: 'fail',
      messageId: 'handshake-failed',
      data,
      evidence,
      fix: {
        summary: 'Postal loads the certificate and key at the first STARTTLS: make them readable by uid 999 and matching (see tls.files), then restart the SMTP server',
        commands: [restart],
        kind: 'file',
      },
    };
  }
  return { target, status: 'fail', messageId: 'protocol-error', data, evidence };
}

/** What is wrong with a session that completed, worst first by status. */
async function completedFinding(ctx: CheckContext, probe: Extract<LiveProbe, { state: 'probed' }>, evidence: Evidence[]): Promise<Finding> {
  const { session, target } = probe;
  const label = target.label;
  const smtpHostname = asciiHostname(processConfig(ctx, 'smtp').config.get('postal.smtp_hostname'));
  const banner = bannerName(session.banner);
  const smtp = await smtpRestart(ctx);
  const restart = smtp.command;
  if (!session.starttlsOffered) {
    return {
      target: label,
      status: 'fail',
      messageId: 'starttls-not-offered',
      data: { target: label, address: probe.address },
      evidence,
      fix: {
        summary: `smtp_server.tls_enabled is true in postal.yml, but the running SMTP server does not offer STARTTLS: restart ${smtp.name} so it reads the current config (and check nothing in front of it strips STARTTLS)`,
        commands: [restart],
        kind: 'restart',
      },
    };
  }

  const candidates: Finding[] = [];
  const served = session.tls?.chainPem[0] ? new X509Certificate(session.tls.chainPem[0]) : null;
  const { certificate } = await tlsFiles(ctx);
  const fileLeaf = certificate.state === 'read' ? certificatesOf(certificate.content)?.[0] ?? null : null;
  const now = ctx.probes.clock.now();

  if (served && fileLeaf && served.fingerprint256 !== fileLeaf.fingerprint256) {
    const servedDates = validity(served);
    const servedExpired = now > servedDates.notAfter || now < servedDates.notBefore;
    evidence.push({ query: 'served leaf vs file leaf (SHA-256)', answer: { served: served.fingerprint256, file: fileLeaf.fingerprint256 } });
    candidates.push({
      target: label,
      status: servedExpired ? 'fail' : 'warn',
      messageId: 'stale-certificate',
      data: {
        target: label,
        file: certificate.state === 'read' ? certificate.hostPath : '',
        servedNotAfter: formatUtc(servedDates.notAfter),
        fileNotAfter: formatUtc(validity(fileLeaf).notAfter),
      },
      evidence,
      fix: {
        summary: `Restart ${smtp.name}: Postal loads the certificate once and serves the old one until it restarts`,
        commands: [restart],
        kind: 'restart',
      },
    });
  }
  if (served && target.name && !coveringName(served, target.name)) {
    candidates.push({
      target: label,
      status: target.name === smtpHostname ? 'fail' : 'warn',
      messageId: 'name-mismatch',
      data: { target: label, name: target.name, sans: subjectAltNames(served).filter((entry) => entry.type === 'DNS').map(formatSan).join(', ') || 'none' },
      evidence,
      fix: {
        summary: 'Get a certificate whose subjectAltName lists smtp_hostname and every MX name, install the full chain, then restart the SMTP server',
        commands: [restart],
        kind: 'file',
      },
    });
  }
  if (smtpHostname && banner !== smtpHostname) {
    candidates.push({
      target: label,
      status: 'warn',
      messageId: 'banner-mismatch',
      data: { target: label, banner: banner ?? session.banner ?? '', expected: smtpHostname },
      evidence,
      fix: {
        summary: `Make the SMTP server run with postal.smtp_hostname ${smtpHostname} (check postal.yml and POSTAL_SMTP_HOSTNAME in its environment), then restart ${smtp.name}`,
        commands: [restart],
        kind: 'restart',
      },
    });
  }
  if (candidates.length === 0) {
    return {
      target: label,
      status: 'pass',
      messageId: fileLeaf ? 'ok' : 'ok-not-compared',
      data: { target: label, protocol: session.tls?.protocol ?? 'TLS', banner: banner ?? session.banner ?? '' },
      evidence,
    };
  }
  const [worst, ...others] = [...candidates].sort((a, b) => STATUS_RANK[b.status] - STATUS_RANK[a.status]);
  if (others.length > 0) evidence.push({ query: 'further problems on this target', answer: others.map((other) => other.messageId) });
  return worst;
}

export const tlsLive: CheckDefinition = {
  id: 'tls.live',
  group: 'tls',
  order: 60,
  title: 'STARTTLS works on the live SMTP server and serves the certificate on disk',
  targets: 'host:port',
  probes: ['dns', 'smtp', 'files', 'trust', 'clock', 'commands'],
  network: true,
  messages: {
    ok: {
      title: 'STARTTLS works on {target}',
      message: '{target} greets as {banner}, offers STARTTLS, completes a {protocol} handshake and serves the certificate on disk.',
    },
    'ok-not-compared': {
      title: 'STARTTLS works on {target}',
      message:
        '{target} greets as {banner}, offers STARTTLS and completes a {protocol} handshake. The certificate file could not be read (see tls.files), so the certificate served was not compared with it.',
    },
    'tls-off': {
      title: 'Live STARTTLS not probed: TLS is switched off',
      message: 'smtp_server.tls_enabled is false (see tls.enabled), so {target} is not expected to offer STARTTLS.',
    },
    'invalid-target': {
      title: 'Not an SMTP target: {target}',
      message: '"{target}" is not host, host:port or [IPv6]:port.',
    },
    unresolved: {
      title: '{name} does not resolve',
      message: '{name} has no A or AAAA record (or the lookup failed), so {target} could not be probed.',
    },
    'invalid-helo': {
      title: 'Live STARTTLS not probed: smtp_hostname is not a hostname',
      message: 'The probe announces postal.smtp_hostname in EHLO, but "{helo}" is not a hostname (see config.hostnames), so {target} was not probed.',
    },
    unreachable: {
      title: 'Could not connect to {target}',
      message: 'Connecting to {target} ({address}) failed: {code} ({reason}). See network.smtp-listen.',
    },
    timeout: {
      title: 'No answer from {target} during {phase}',
      message: '{target} ({address}) did not answer in the {phase} phase within {ms} ms.',
    },
    'protocol-error': {
      title: 'SMTP conversation with {target} failed during {phase}',
      message: '{target} ({address}), phase {phase}: {reason} ({code}).',
    },
    'starttls-not-offered': {
      title: 'STARTTLS not offered on {target}',
      message: '{target} ({address}) does not list STARTTLS in its EHLO reply, so mail to it travels in clear.',
    },
    'starttls-rejected': {
      title: 'STARTTLS refused on {target}',
      message: '{target} ({address}) advertised STARTTLS but refused it: {reason}.',
    },
    'handshake-failed': {
      title: 'TLS handshake failed on {target}',
      message: '{target} ({address}) accepted STARTTLS but the TLS handshake failed: {reason} ({code}). Senders fall back to clear text or give up.',
    },
    'name-mismatch': {
      title: 'Certificate served on {target} does not cover {name}',
      message: 'The certificate {target} serves lists {sans}, not {name}. Clients and senders that verify the certificate refuse the connection.',
    },
    'stale-certificate': {
      title: 'Served certificate differs from the file: restart needed',
      message:
        '{target} serves a certificate valid until {servedNotAfter}, but {file} holds one valid until {fileNotAfter}. Postal loads its certificate once and has not been restarted since the file changed.',
    },
    'banner-mismatch': {
      title: 'Banner of {target} does not name smtp_hostname',
      message: '{target} greets as {banner}, not {expected}: the SMTP server runs with another smtp_hostname than postal.yml gives.',
    },
  },
  async run(ctx): Promise<Finding[]> {
    if (!ctx.config.get('smtp_server.tls_enabled')) {
      const port = postalListener(ctx, 'smtp').port;
      return [{ target: null, status: 'skip', messageId: 'tls-off', data: { target: `port ${port}` } }];
    }
    const probes = await liveProbes(ctx);
    const findings: Finding[] = [];
    for (const probe of probes) {
      const label = probe.target.label;
      if (probe.state === 'invalid') {
        findings.push({ target: label, status: 'unknown', messageId: 'invalid-target', data: { target: probe.input } });
      } else if (probe.state === 'unresolved') {
        findings.push({ target: label, status: 'unknown', messageId: 'unresolved', data: { target: label, name: probe.target.name ?? label }, evidence: probe.evidence });
      } else {
        const evidence = [...probe.evidence, sessionEvidence(probe)];
        const failure = probe.session.failure;
        findings.push(failure ? await failureFinding(ctx, probe, failure, evidence) : await completedFinding(ctx, probe, evidence));
      }
    }
    return findings;
  },
};
