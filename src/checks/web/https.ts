import type { CheckContext, CheckDefinition, Evidence, Finding } from '../../core/types.js';
import { threshold } from '../../core/thresholds.js';
import type { HttpResponse } from '../../probes/types.js';
import { buildChain, coveringName, formatSan, formatUtc, subjectAltNames, summarize, validity } from '../../knowledge/tls/certificates.js';
import { trustRoots } from '../../knowledge/tls/material.js';
import { writtenValue } from '../../knowledge/postal/config-values.js';
import { chainOf, webAddresses, webGet, webHostname } from '../../knowledge/postal/web-interface.js';

const DAY = 86_400_000;

/** Caddy, the installer's proxy, gets and renews the certificate itself; a restart makes it try again at once. */
const CADDY_FIX = {
  kind: 'manual' as const,
  summary: "Let the proxy in front of Postal get a certificate for the name: with the installer's Caddy, web_hostname must be in /opt/postal/config/Caddyfile and point at this host, and ports 80 and 443 must be open; read its log and restart it",
  commands: ['docker logs --tail 50 postal-caddy', 'docker restart postal-caddy'],
};

function responseEvidence(response: HttpResponse): Evidence {
  return {
    query: `GET ${response.url} at ${response.address}`,
    answer: {
      status: response.status,
      location: response.location,
      failure: response.failure,
      tls: response.tls && { protocol: response.tls.protocol, chain: chainOf(response).map(summarize) },
      ms: response.ms,
    },
  };
}

async function judgeHttps(ctx: CheckContext, name: string, address: string): Promise<Finding> {
  const url = `https://${name.includes(':') ? `[${name}]` : name}/`;
  const response = await webGet(ctx, url, address);
  const target = `${url} at ${address}`;
  const evidence = [responseEvidence(response)];
  const data = { name, address, url };
  if (response.failure) {
    const { code, message } = response.failure;
    if (code === 'ECONNREFUSED') return { target, status: 'fail', messageId: 'refused', data, evidence, fix: CADDY_FIX };
    if (code === 'ETIMEDOUT' || code === 'ABORTED') return { target, status: 'unknown', messageId: 'timeout', data: { ...data, ms: ctx.options.timeoutMs }, evidence };
    if (response.tls === null && /ssl|tls|alert|handshake|EPROTO/i.test(`${code} ${message}`)) {
      return { target, status: 'fail', messageId: 'handshake', data: { ...data, reason: message }, evidence, fix: CADDY_FIX };
    }
    return { target, status: 'unknown', messageId: 'error', data: { ...data, reason: `${code}: ${message}` }, evidence };
  }
  const chain = chainOf(response);
  if (chain.length === 0) return { target, status: 'fail', messageId: 'handshake', data: { ...data, reason: 'the server sent no certificate' }, evidence, fix: CADDY_FIX };
  const [leaf] = chain;
  if (!coveringName(leaf, name)) {
    const names = subjectAltNames(leaf).map(formatSan).join(', ') || 'no names';
    return { target, status: 'fail', messageId: 'wrong-name', data: { ...data, names }, evidence, fix: CADDY_FIX };
  }
  const now = ctx.probes.clock.now();
  const { notBefore, notAfter } = validity(leaf);
  if (notAfter <= now || notBefore > now) {
    return { target, status: 'fail', messageId: 'expired', data: { ...data, notBefore: formatUtc(notBefore), notAfter: formatUtc(notAfter) }, evidence, fix: CADDY_FIX };
  }
  const roots = await trustRoots(ctx);
  const verdict = buildChain(chain, roots.certificates);
  if (verdict.kind !== 'trusted') {
    const reason = verdict.kind === 'untrusted-root' ? 'it ends at a root browsers do not trust' : 'the server does not send the intermediate certificate that links it to a trusted root';
    return { target, status: 'fail', messageId: 'untrusted', data: { ...data, reason }, evidence, fix: CADDY_FIX };
  }
  const days = Math.floor((notAfter.getTime() - now.getTime()) / DAY);
  const expiryDays = threshold(ctx.options, 'web.expiry-days');
  if (days < expiryDays) {
    return { target, status: 'warn', messageId: 'expiring', data: { ...data, days, notAfter: formatUtc(notAfter), limit: expiryDays }, evidence, fix: CADDY_FIX };
  }
  if (response.status !== null && response.status >= 500) {
    return {
      target,
      status: 'fail',
      messageId: 'upstream',
      data: { ...data, code: response.status },
      evidence,
      fix: { kind: 'manual', summary: "The proxy answers but Postal's web server behind it does not: see postal.containers for postal-web-1 and read its log", commands: ['postal logs --tail 100 web'] },
    };
  }
  return { target, status: 'pass', messageId: 'ok', data: { ...data, code: response.status ?? 0, notAfter: formatUtc(notAfter), days }, evidence };
}

async function judgeRedirect(ctx: CheckContext, name: string, address: string): Promise<Finding> {
  const url = `http://${name.includes(':') ? `[${name}]` : name}/`;
  const response = await webGet(ctx, url, address);
  const target = `${url} at ${address}`;
  const evidence = [responseEvidence(response)];
  const data = { name, address, url };
  if (response.failure) {
    if (response.failure.code === 'ETIMEDOUT' || response.failure.code === 'ABORTED') return { target, status: 'unknown', messageId: 'timeout', data: { ...data, ms: ctx.options.timeoutMs }, evidence };
    return { target, status: 'warn', messageId: 'no-http', data: { ...data, reason: `${response.failure.code}: ${response.failure.message}` }, evidence, fix: CADDY_FIX };
  }
  const location = response.location ?? '';
  if (response.status !== null && response.status >= 300 && response.status < 400 && /^https:\/\//i.test(location)) {
    return { target, status: 'pass', messageId: 'redirects', data: { ...data, code: response.status, location }, evidence };
  }
  return { target, status: 'warn', messageId: 'no-redirect', data: { ...data, code: response.status ?? 0 }, evidence, fix: CADDY_FIX };
}

export const webHttpsCheck: CheckDefinition = {
  id: 'web.https',
  group: 'web',
  order: 10,
  title: 'The web interface answers over HTTPS at this host with a valid certificate, and HTTP redirects to it',
  targets: 'URL at address',
  probes: ['http', 'dns', 'host', 'trust', 'clock'],
  network: true,
  messages: {
    ok: { title: '{url} answers with a valid certificate', message: 'At {address}, {url} answered {code} with a certificate that covers {name}, chains to a trusted root and is valid until {notAfter} ({days} days).' },
    refused: { title: '{url}: nothing listens at {address}', message: 'Connecting to {address} port 443 for {name} was refused: no HTTPS server (the installer uses Caddy, postal-caddy) listens there.' },
    timeout: { title: '{url}: no answer at {address}', message: 'No answer from {address} for {url} within {ms} ms.' },
    error: { title: '{url}: could not be asked at {address}', message: 'The request failed: {reason}.' },
    handshake: { title: '{url}: no TLS at {address}', message: 'The TLS handshake with {address} for {name} failed: {reason}. Browsers cannot open the web interface.' },
    'wrong-name': { title: '{url}: the certificate is for another name', message: 'The certificate served at {address} covers {names}, not {name}: browsers refuse it.' },
    expired: { title: '{url}: the certificate is not valid now', message: 'The certificate served at {address} is valid from {notBefore} until {notAfter}: browsers refuse it.' },
    untrusted: { title: '{url}: the certificate does not chain to a trusted root', message: 'The certificate served at {address} covers {name}, but {reason}.' },
    expiring: {
      title: '{url}: the certificate expires in {days} days',
      message: 'The certificate served at {address} expires on {notAfter}, in {days} days (limit {limit}): automatic renewal has not happened yet.',
    },
    upstream: { title: "{url}: the proxy answers {code}, Postal's web server does not", message: "At {address} the HTTPS proxy answered {code} for {name}: it cannot reach Postal's web server behind it." },
    redirects: { title: '{url} redirects to HTTPS', message: 'At {address}, {url} answers {code} with Location {location}.' },
    'no-redirect': { title: '{url} does not redirect to HTTPS', message: 'At {address}, {url} answered {code} without a redirect to https://: people who type the name reach no login page, or a plain-text one.' },
    'no-http': {
      title: '{url}: nothing answers at {address}',
      message: 'Plain HTTP for {name} at {address} failed ({reason}): there is no redirect to HTTPS, and a certificate authority cannot use port 80 to issue or renew the certificate.',
    },
    'plain-http': {
      title: 'The web interface is configured for plain HTTP',
      message: 'postal.web_protocol is {protocol}: Postal builds its links (and the login page) with http://, so passwords cross the network unencrypted.',
    },
    'no-address': { title: 'The web interface could not be tried', message: 'This host has no address other than loopback to reach {name} at.' },
  },
  async run(ctx): Promise<Finding[]> {
    const name = webHostname(ctx);
    const protocol = ctx.config.get('postal.web_protocol');
    if (protocol !== 'https') {
      return [
        {
          target: null,
          status: 'warn',
          messageId: 'plain-http',
          data: { protocol },
          fix: { kind: 'config', summary: 'Serve the web interface over HTTPS (the installer\'s Caddy does), then set postal.web_protocol: https and restart Postal', commands: ['postal restart'], configChanges: [{ path: 'postal.web_protocol', from: writtenValue(ctx.config, 'postal.web_protocol'), to: 'https' }] },
        },
      ];
    }
    const addresses = await webAddresses(ctx);
    if (addresses.length === 0) return [{ target: null, status: 'unknown', messageId: 'no-address', data: { name } }];
    const findings = await Promise.all(addresses.map(async (address) => [await judgeHttps(ctx, name, address), await judgeRedirect(ctx, name, address)]));
    return findings.flat();
  },
};
