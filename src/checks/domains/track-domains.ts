import type { CheckContext, CheckDefinition, Finding } from '../../core/types.js';
import { X509Certificate } from 'node:crypto';
import type { DomainRow, HttpResponse, TrackDomainRow } from '../../probes/types.js';
import { addressesOf, evidenceOf, zoneRecord } from '../../knowledge/dns/lookups.js';
import { cnameVerdict, postalDomains } from '../../knowledge/postal/domains.js';
import { DOMAIN_CHECK_TIMEOUT_MS, DOMAIN_LIST_MESSAGES, POSTAL_RULE_MESSAGES, domainsOrFinding, judgeRule } from '../../knowledge/postal/domain-findings.js';
import { judgeEach } from '../../core/options.js';

/** What a browser makes of the answer: a response over TLS whose certificate verifies and covers `name`, or why not. */
function httpsOutcome(response: HttpResponse, name: string): { outcome: 'answered' | 'tls' | 'refused' | 'timeout' | 'error'; status?: number; detail?: string } {
  if (response.failure) {
    const { code, message } = response.failure;
    if (code === 'ECONNREFUSED') return { outcome: 'refused', detail: message };
    if (code === 'ETIMEDOUT' || code === 'ABORTED') return { outcome: 'timeout', detail: message };
    return { outcome: response.tls || /CERT|TLS|SSL/.test(code) ? 'tls' : 'error', detail: `${code}: ${message}` };
  }
  if (response.tls && !response.tls.authorized) return { outcome: 'tls', detail: response.tls.authorizationError ?? 'the chain does not verify' };
  const leaf = response.tls?.chainPem[0];
  if (!leaf || !new X509Certificate(leaf).checkHost(name)) return { outcome: 'tls', detail: `ERR_TLS_CERT_ALTNAME_INVALID: the certificate is not valid for ${name}` };
  return { outcome: 'answered', status: response.status ?? undefined };
}

/** HTTPS of a tracking domain: a GET of / on its first address, the certificate verified for its name. */
async function httpsFinding(ctx: CheckContext, fullName: string, trackDomain: string): Promise<Finding> {
  // The tracking name is a CNAME; a resolver returns the chain, an authoritative-only view may not.
  let found = await addressesOf(ctx, fullName);
  if (found.addresses.length === 0 && !found.failed) found = await addressesOf(ctx, trackDomain);
  const evidence = found.answers.map(evidenceOf);
  const data = { target: fullName, detail: '' };
  if (found.addresses.length === 0) {
    return { target: fullName, status: 'unknown', messageId: 'https-unknown', data: { ...data, detail: `neither ${fullName} nor ${trackDomain} has an address to connect to` }, evidence };
  }
  const [address] = found.addresses;
  const answer = httpsOutcome(await ctx.probes.http.get({ url: `https://${fullName}/`, address, timeoutMs: ctx.options.timeoutMs, ca: await ctx.probes.trust.roots() }), fullName);
  evidence.push({ query: `GET https://${fullName}/ via ${address}:443`, answer: answer.status === undefined ? `${answer.outcome}: ${answer.detail ?? ''}` : `HTTP ${answer.status} with a certificate valid for ${fullName}` });
  switch (answer.outcome) {
    case 'answered':
      return { target: fullName, status: 'pass', messageId: 'https-ok', data: { ...data, detail: `HTTP ${answer.status} from ${address}` }, evidence };
    case 'tls':
      return {
        target: fullName,
        status: 'fail',
        messageId: 'no-certificate',
        data: { ...data, detail: answer.detail ?? '' },
        evidence,
        fix: {
          kind: 'manual',
          summary: `Give the web server or proxy behind ${trackDomain} a certificate for ${fullName} (for example with on-demand TLS), or turn SSL off for this tracking domain in Postal`,
          commands: [],
        },
      };
    case 'refused':
      return { target: fullName, status: 'fail', messageId: 'no-https', data: { ...data, detail: answer.detail ?? '' }, evidence };
    case 'timeout':
    case 'error':
      return { target: fullName, status: 'unknown', messageId: 'https-unknown', data: { ...data, detail: answer.detail ?? '' }, evidence };
  }
}

async function judgeTrackDomain(ctx: CheckContext, track: TrackDomainRow, domain: DomainRow): Promise<Finding> {
  const fullName = `${track.name}.${domain.name}`;
  const target = ctx.config.get('dns.track_domain');
  const cname = await judgeRule(ctx, fullName, {
    what: 'tracking CNAME',
    domain: domain.name,
    name: fullName,
    type: 'CNAME',
    judge: (records) => cnameVerdict(records, fullName, target, `There is no record at ${fullName}`),
    severity: (verdict) => (verdict.status === 'OK' ? 'pass' : 'fail'),
    stored: { status: track.dnsStatus, error: track.dnsError, checkedAt: track.dnsCheckedAt },
    kind: 'track',
    fix: () => ({ kind: 'dns', summary: `Point ${fullName} at ${target}`, commands: [], records: [zoneRecord(fullName, 'CNAME', `${target}.`)] }),
  });
  // track_domain.rb:73-75: with ssl_enabled, Postal's tracking links are https://<name>/…
  if (cname.status !== 'pass' || !track.sslEnabled) return cname;
  const https = await httpsFinding(ctx, fullName, target);
  return { ...https, evidence: [...(cname.evidence ?? []), ...(https.evidence ?? [])] };
}

export const domainsTrackDomainsCheck: CheckDefinition = {
  id: 'domains.track-domains',
  group: 'domains',
  order: 60,
  title: 'Each tracking domain is a CNAME to dns.track_domain and, with SSL on, answers HTTPS with a certificate for its name',
  targets: 'tracking domain',
  probes: ['database', 'dns', 'clock', 'http', 'trust'],
  network: true,
  timeoutMs: DOMAIN_CHECK_TIMEOUT_MS,
  messages: {
    ...DOMAIN_LIST_MESSAGES,
    ...POSTAL_RULE_MESSAGES,
    'no-track-domains': { title: 'No tracking domain', message: 'None of the sending domains has a tracking domain.' },
    'https-ok': { title: '{target}: tracking CNAME OK, HTTPS OK', message: 'The CNAME is right for Postal and the public, and https://{target}/ answers ({detail}) with a certificate valid for {target}.' },
    'no-certificate': {
      title: '{target}: no valid certificate for HTTPS',
      message: 'SSL is on for this tracking domain, so Postal rewrites links and images to https://{target}/, but the TLS handshake fails ({detail}): recipients get a certificate warning instead of the page, and images do not load.',
    },
    'no-https': { title: '{target}: nothing answers HTTPS', message: 'SSL is on for this tracking domain, but {detail}: every tracked link is broken.' },
    'https-unknown': { title: '{target}: HTTPS could not be checked', message: 'The GET of https://{target}/ did not complete ({detail}).' },
  },
  async run(ctx): Promise<Finding[]> {
    const { domains, finding } = await domainsOrFinding(ctx, 'domains.track-domains');
    if (!domains) return [finding];
    const state = await postalDomains(ctx);
    const tracks = state.state === 'read' ? state.trackDomains : [];
    if (tracks.length === 0) return [{ target: null, status: 'skip', messageId: 'no-track-domains', data: {} }];
    const byId = new Map(domains.map((domain) => [domain.id, domain]));
    return judgeEach(ctx.options, tracks, (track) => judgeTrackDomain(ctx, track, byId.get(track.domainId) as DomainRow));
  },
};
