import { defineFact } from '../../core/facts.js';
import type { EffectiveConfig } from '../../config/effective.js';
import { redactRelayUrl, relayCredentials } from '../../config/secrets.js';
import { compareVersions, postalVersion } from './version.js';

/**
 * What Postal does with a relay's `ssl_mode` (app/lib/smtp_client/endpoint.rb:68-79 at 3.3.6, constants in
 * app/lib/smtp_client/ssl_modes.rb): `Auto` STARTTLS when offered, certificate not verified; `STARTLS` (so
 * spelt) STARTTLS required and verified; `TLS` implicit TLS, verified; anything else — `None`, the Postal 2
 * spelling `STARTTLS`, an empty value — no TLS at all. The comparison is exact: `auto` is no TLS either.
 */
export type RelayTls = 'auto' | 'starttls' | 'tls' | 'none';

const MODES: Record<string, RelayTls> = { Auto: 'auto', STARTLS: 'starttls', TLS: 'tls', None: 'none' };

export interface Relay {
  /** The URL as written, credentials redacted. */
  written: string;
  /** Null when Postal finds no host in it: such an entry is dropped (3.3.1+). */
  host: string | null;
  port: number;
  /** The ssl_mode Postal reads (`Auto` when the URL has none). */
  sslMode: string;
  tls: RelayTls;
  /** Postal verifies the certificate (chain and name) in this mode. */
  verifies: boolean;
  /** A user or password in the URL: Postal drops them and sends no AUTH. */
  credentials: boolean;
  /** The URL could not be parsed at all. */
  unparseable: boolean;
}

const RELAY_URL = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)(?::(\d*))?[^?#]*(?:\?([^#]*))?/i;

/**
 * A relay URL as Postal reads it (lib/postal/config_schema.rb:75-87 at 3.3.6): host, port (25 when absent),
 * `ssl_mode` from the query (`Auto` when absent); the user and password are not used.
 */
export function parseRelay(url: string): Relay {
  const written = redactRelayUrl(url);
  const match = RELAY_URL.exec(url.trim());
  const credentials = relayCredentials(url).length > 0;
  if (!match) return { written, host: null, port: 25, sslMode: '', tls: 'none', verifies: false, credentials, unparseable: true };
  const host = match[1].replace(/^\[|\]$/g, '');
  const query = new URLSearchParams(match[3] ?? '');
  const sslMode = query.has('ssl_mode') ? (query.get('ssl_mode') ?? '') : 'Auto';
  const tls = MODES[sslMode] ?? 'none';
  return { written, host: host === '' ? null : host, port: match[2] ? Number(match[2]) : 25, sslMode, tls, verifies: tls === 'starttls' || tls === 'tls', credentials, unparseable: false };
}

/**
 * A relay URL that does in Postal 3 what its writer meant: `ssl_mode=STARTTLS` (Postal 2's spelling) becomes
 * Postal 3's `STARTLS`; a missing or empty mode becomes `Auto`, Postal 2's default (lib/postal/smtp_sender.rb at 2.3.2).
 */
export function relayUrlAsMeant(url: string): string {
  const [base, query = ''] = url.split('?', 2);
  const params = new URLSearchParams(query);
  const mode = params.get('ssl_mode') ?? '';
  if (mode === 'STARTTLS') params.set('ssl_mode', 'STARTLS');
  else if (mode === '') params.set('ssl_mode', 'Auto');
  // A legacy entry without a port converts to `host:`; Postal then uses 25. Credentials are left out: Postal
  // sends no SMTP AUTH (smtp_sender.rb), so they change nothing and would only put a secret in the report.
  return `${base.replace(/:\/\/[^/@]*@/, '://').replace(/:$/, ':25')}?${params.toString()}`;
}

/** The relays of this config, as Postal reads them. */
export function configuredRelays(config: EffectiveConfig): Relay[] {
  return (config.get('postal.smtp_relays') ?? []).map((url) => parseRelay(String(url)));
}

/** Releases whose SMTP sender fails on any relay (port passed positionally; fixed in 3.3.1, commit b3264b9). */
export const RELAYS_BROKEN = { from: '3.0.0', last: '3.3.0', fixedIn: '3.3.1' } as const;

export function relaysBrokenIn(version: string | null): boolean {
  return version !== null && compareVersions(version, RELAYS_BROKEN.from) >= 0 && compareVersions(version, RELAYS_BROKEN.fixedIn) < 0;
}

/**
 * Whether mail leaves through relays: `direct` with none configured; `unusable` when they are configured but
 * Postal cannot use them (this release's bug, or no entry with a host: app/senders/smtp_sender.rb:241-253 at
 * 3.3.6 drops those and falls back to the MX hosts); `relayed` otherwise.
 */
export type RelayDelivery =
  | { state: 'direct' }
  | { state: 'unusable'; why: 'version' | 'no-host'; version: string | null; relays: Relay[] }
  | { state: 'relayed'; version: string | null; relays: Relay[] };

export const relayDelivery = defineFact({
  name: 'relay delivery',
  probes: ['files', 'commands'],
  async compute(ctx): Promise<RelayDelivery> {
    const relays = configuredRelays(ctx.config);
    if (relays.length === 0) return { state: 'direct' };
    const { version } = await postalVersion(ctx);
    if (relaysBrokenIn(version)) return { state: 'unusable', why: 'version', version, relays };
    const usable = relays.filter((relay) => relay.host !== null);
    if (usable.length === 0) return { state: 'unusable', why: 'no-host', version, relays };
    return { state: 'relayed', version, relays: usable };
  },
});
