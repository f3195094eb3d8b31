import type { CheckContext, CheckDefinition, Finding } from '../../core/types.js';
import { buildChain, formatUtc, summarize, validity } from '../../knowledge/tls/certificates.js';
import { NO_CERTIFICATE_MESSAGE, trustRoots, judgeCertificate, type UsableCertificate } from '../../knowledge/tls/material.js';
import type { SmtpRestart } from '../../knowledge/tls/smtp-container.js';

const oneLine = (name: string) => name.replace(/\n/g, ', ');

export const tlsChain: CheckDefinition = {
  id: 'tls.chain',
  group: 'tls',
  order: 40,
  title: 'The certificate file holds the full chain up to a trusted root',
  targets: 'file',
  probes: ['files', 'trust', 'clock', 'commands'],
  network: false,
  messages: {
    ...NO_CERTIFICATE_MESSAGE,
    trusted: {
      title: 'Certificate chain is complete',
      message: 'The file holds {count} certificate(s) leading from {subject} to the trusted root {root}.',
    },
    'out-of-order': {
      title: 'Certificate chain is complete but out of order',
      message:
        'The chain reaches the trusted root {root}, but the intermediates are not in issuing order after the server certificate. Postal sends them as they are in the file; older clients give up on an unordered chain.',
    },
    incomplete: {
      title: 'Certificate chain is incomplete: intermediate certificate missing',
      message:
        'The chain in the file stops at {last}, issued by {issuer}, which is neither in the file nor a trusted root. Clients that verify certificates cannot build the chain. Point tls_certificate_path at the full chain (fullchain.pem), not the bare certificate.',
    },
    'untrusted-root': {
      title: 'Certificate chain ends at an untrusted root',
      message:
        'The chain ends at {root}, a self-signed certificate that is not a trusted root (self-signed or private CA). Senders that verify certificates (MTA-STS, mail clients) refuse it; opportunistic senders still encrypt.',
    },
    'expired-link': {
      title: 'A certificate in the chain is outside its validity period',
      message: '{subject} in the chain is valid from {notBefore} to {notAfter}; clients that verify certificates refuse the chain.',
    },
  },
  run: (ctx) => judgeCertificate(ctx, (input, smtp) => examine(ctx, input, smtp)),
};

/** How the chain in the file links up to a root, judged as if STARTTLS were on. */
async function examine(ctx: CheckContext, input: UsableCertificate, smtp: SmtpRestart): Promise<Finding[]> {
  const { target, certificates } = input;
  const roots = await trustRoots(ctx);
  const verdict = buildChain(certificates, roots.certificates);
  const links = verdict.kind === 'trusted' && verdict.root !== verdict.path.at(-1) ? [...verdict.path, verdict.root] : verdict.path;
  const evidence = [
    { query: `chain built from ${target}`, answer: links.map(summarize) },
    ...(verdict.unused.length > 0 ? [{ query: `certificates in ${target} not in the chain`, answer: verdict.unused.map(summarize) }] : []),
    { query: 'trusted roots', answer: roots.certificates.length },
  ];
  const fullChainFix = {
    summary: 'Point smtp_server.tls_certificate_path at the full chain (server certificate first, then the intermediates, e.g. certbot\'s fullchain.pem), then restart the SMTP server',
    commands: [smtp.command],
    kind: 'file' as const,
  };
  const subject = oneLine(certificates[0].subject);

  if (verdict.kind === 'incomplete') {
    const last = verdict.path.at(-1)!;
    const issuerUrl = last.infoAccess?.match(/CA Issuers - URI:(\S+)/)?.[1];
    return [{
      target,
      status: 'fail',
      messageId: 'incomplete',
      data: { last: oneLine(last.subject), issuer: oneLine(last.issuer) },
      evidence: issuerUrl ? [...evidence, { query: `issuer certificate of ${oneLine(last.subject)} (Authority Information Access)`, answer: issuerUrl }] : evidence,
      fix: fullChainFix,
    }];
  }
  const now = ctx.probes.clock.now();
  // The leaf's own dates are tls.expiry's business; here only the links above it count.
  const stale = links.slice(1).find((certificate) => {
    const { notBefore, notAfter } = validity(certificate);
    return now < notBefore || now > notAfter;
  });
  if (stale) {
    const { notBefore, notAfter } = validity(stale);
    return [{
      target,
      status: 'fail',
      messageId: 'expired-link',
      data: { subject: oneLine(stale.subject), notBefore: formatUtc(notBefore), notAfter: formatUtc(notAfter) },
      evidence,
      fix: { ...fullChainFix, summary: 'Replace the chain with the current one from your CA (e.g. certbot\'s fullchain.pem), then restart the SMTP server' },
    }];
  }
  if (verdict.kind === 'untrusted-root') {
    return [{
      target,
      status: 'warn',
      messageId: 'untrusted-root',
      data: { root: oneLine(verdict.path.at(-1)!.subject) },
      evidence,
      fix: {
        summary: 'Use a certificate from a public CA (e.g. Let\'s Encrypt) for smtp_hostname and every MX name, then restart the SMTP server',
        commands: [smtp.command],
        kind: 'file',
      },
    }];
  }
  const data = { count: certificates.length, subject, root: oneLine(verdict.root.subject) };
  if (verdict.outOfOrder) return [{ target, status: 'warn', messageId: 'out-of-order', data, evidence, fix: fullChainFix }];
  return [{ target, status: 'pass', messageId: 'trusted', data, evidence }];
}
