import type { CheckContext, CheckDefinition, Finding } from '../../core/types.js';
import { formatUtc, summarize, validity } from '../../knowledge/tls/certificates.js';
import { NO_CERTIFICATE_MESSAGE, judgeCertificate, type UsableCertificate } from '../../knowledge/tls/material.js';
import type { SmtpRestart } from '../../knowledge/tls/smtp-container.js';

/** Under this many days left the certificate is worth a warning: automated renewal should have happened by now. */
export const EXPIRY_WARNING_DAYS = 21;

const DAY_MS = 86_400_000;

const day = (date: Date) => date.toISOString().slice(0, 10);

export const tlsExpiry: CheckDefinition = {
  id: 'tls.expiry',
  group: 'tls',
  order: 30,
  title: 'TLS certificate is within its validity period and not about to expire',
  targets: 'file',
  probes: ['files', 'clock', 'commands'],
  network: false,
  messages: {
    ...NO_CERTIFICATE_MESSAGE,
    valid: {
      title: 'Certificate valid until {notAfterDay}',
      message: 'The certificate Postal serves is valid until {notAfter}.',
    },
    expiring: {
      title: 'Certificate expires on {notAfterDay}',
      message: 'The certificate Postal serves expires on {notAfter}, in {days} day(s). Renewal should already have happened.',
    },
    expired: {
      title: 'Certificate expired on {notAfterDay}',
      message: 'The certificate Postal serves expired on {notAfter}. Clients that verify certificates refuse it.',
    },
    'not-yet-valid': {
      title: 'Certificate is not valid before {notBeforeDay}',
      message: 'The certificate Postal serves is not valid until {notBefore}; check the clock of this host and the certificate.',
    },
  },
  run: (ctx) => judgeCertificate(ctx, (input, smtp) => examine(ctx, input, smtp)),
};

/** The validity of the certificate Postal serves, judged as if STARTTLS were on. */
async function examine(ctx: CheckContext, input: UsableCertificate, smtp: SmtpRestart): Promise<Finding[]> {
  const [leaf] = input.certificates;
  const { notBefore, notAfter } = validity(leaf);
  const now = ctx.probes.clock.now();
  const days = Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS);
  const data = { notBefore: formatUtc(notBefore), notAfter: formatUtc(notAfter), notBeforeDay: day(notBefore), notAfterDay: day(notAfter), days };
  const evidence = [{ query: `validity of ${input.target}`, answer: { ...summarize(leaf), now: now.toISOString(), daysLeft: days } }];
  const renew = {
    summary: 'Renew the certificate (e.g. certbot renew), copy the new fullchain and key into place, then restart the SMTP server',
    commands: [smtp.command],
    kind: 'file' as const,
  };
  const target = input.target;
  if (now < notBefore) return [{ target, status: 'fail', messageId: 'not-yet-valid', data, evidence }];
  if (now > notAfter) return [{ target, status: 'fail', messageId: 'expired', data, evidence, fix: renew }];
  if (days < EXPIRY_WARNING_DAYS) return [{ target, status: 'warn', messageId: 'expiring', data, evidence, fix: renew }];
  return [{ target, status: 'pass', messageId: 'valid', data, evidence }];
}
