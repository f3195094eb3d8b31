import { configEdit } from '../../knowledge/postal/config-values.js';
import { isTemplateDefault } from '../../knowledge/hostnames.js';
import type { CheckDefinition, Finding, Fix } from '../../core/types.js';
import { normaliseHostname } from '../../util/ip.js';
import { addressRecords, addressesOf, evidenceOf, failureText, joinList, publishedAddresses } from '../../knowledge/dns/lookups.js';

export const trackDomainCheck: CheckDefinition = {
  id: 'dns.track-domain',
  group: 'dns',
  order: 100,
  title: 'track_domain resolves',
  targets: 'domain',
  probes: ['dns', 'host', 'database'],
  network: true,
  messages: {
    resolves: { title: '{domain} resolves', message: '{domain} has {addresses}; tracking domains that customers point at it (CNAME) work.' },
    missing: {
      title: '{domain} does not resolve',
      message: 'Customers point their tracking domains at {domain} with a CNAME, but it has no A or AAAA record: tracked links and open pixels in their mail break.',
    },
    'lookup-failed': { title: 'Could not resolve {domain}', message: 'The A/AAAA lookup of {domain} failed ({failure}); nothing can be said about it.' },
    placeholder: {
      title: 'dns.track_domain is still the placeholder {domain}',
      message: '{domain} does not exist, so click and open tracking cannot work. This only matters if you use tracking.',
    },
  },
  async run(ctx): Promise<Finding[]> {
    const domain = normaliseHostname(ctx.config.get('dns.track_domain'));
    const smtp = normaliseHostname(ctx.config.get('postal.smtp_hostname'));
    const data = { domain, addresses: '', failure: '' };
    if (isTemplateDefault(domain)) {
      const fix: Fix | undefined = isTemplateDefault(smtp)
        ? undefined
        : {
            kind: 'config',
            summary: `Set dns.track_domain to track.${smtp}, publish its address records, then restart Postal`,
            commands: ['postal restart'],
            configChanges: [configEdit(ctx.config, 'dns.track_domain', `track.${smtp}`)],
            records: addressRecords(`track.${smtp}`, await publishedAddresses(ctx)),
          };
      return [{ target: domain, status: 'warn', messageId: 'placeholder', data, ...(fix ? { fix } : {}) }];
    }
    const found = await addressesOf(ctx, domain);
    const base = { target: domain, data: { ...data, addresses: joinList(found.addresses), failure: failureText(found.answers) }, evidence: found.answers.map(evidenceOf) };
    if (found.failed) return [{ ...base, status: 'unknown', messageId: 'lookup-failed' }];
    if (found.addresses.length > 0) return [{ ...base, status: 'pass', messageId: 'resolves' }];
    return [
      {
        ...base,
        status: 'warn',
        messageId: 'missing',
        fix: { kind: 'dns', summary: `Publish address records for ${domain} (this server's web addresses)`, commands: [], records: addressRecords(domain, await publishedAddresses(ctx)) },
      },
    ];
  },
};
