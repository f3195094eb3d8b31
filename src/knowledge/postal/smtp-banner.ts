import type { TcpAttempt } from '../../probes/types.js';

/** An SMTP greeting, read: `220 <hostname> ESMTP Postal/<trace id>` is Postal's (server.rb). */
export interface Greeting {
  /** The 220 greeting's first word, lower case without a trailing dot; null when it is no 220 greeting. */
  hostname: string | null;
  /** Postal's own greeting. */
  postal: boolean;
}

export function readGreeting(banner: string | undefined): Greeting {
  const match = /^220[ -](\S+)(?:\s+(.*))?$/.exec(banner ?? '');
  if (!match) return { hostname: null, postal: false };
  return { hostname: match[1].toLowerCase().replace(/\.$/, ''), postal: /^ESMTP Postal\//i.test(match[2] ?? '') };
}

/** `host:port`, with IPv6 in brackets. */
export function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** A TCP attempt as evidence shows it: outcome and time, with the error code and the greeting when there are any. */
export function tcpAnswer(attempt: TcpAttempt): Record<string, string | number> {
  return { outcome: attempt.outcome, ms: attempt.ms, ...(attempt.code ? { code: attempt.code } : {}), ...(attempt.banner ? { banner: attempt.banner } : {}) };
}
