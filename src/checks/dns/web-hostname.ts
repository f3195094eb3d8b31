import type { CheckDefinition, Finding } from '../../core/types.js';
import { isTemplateDefault } from '../../knowledge/hostnames.js';
import { configEdit } from '../../knowledge/postal/config-values.js';
import { normaliseHostname } from '../../util/ip.js';
import { addressRecords, addressesOf, evidenceOf, failureText, joinList, proxyOf, publishedAddresses } from '../../knowledge/dns/lookups.js';

export const webHostnameCheck: CheckDefinition = {
  id: 'dns.web-hostname',
  group: 'dns',
  order: 20,
  title: 'web_hostname resolves, and does not share a proxied name with smtp_hostname',
  targets: 'hostname',
  probes: ['dns', 'host', 'database'],
  network: true,
  messages: {
    resolves: { title: '{name} resolves', message: '{name} has {addresses}.' },
    proxied: {
      title: '{name} resolves (behind {provider})',
      message: '{name} has {addresses}, addresses of the {provider} HTTP proxy; that is fine for the web interface because SMTP uses {smtp}.',
    },
    'shared-with-proxy': {
      title: '{name} is behind an HTTP proxy and is also smtp_hostname',
      message:
        '{name} has {addresses}, addresses of the {provider} HTTP proxy, which carries only HTTP(S): mail servers connecting to {name} on port 25 never reach Postal. Use a separate, unproxied name for SMTP.',
    },
    missing: { title: '{name} has no A or AAAA record', message: '{name} does not resolve, so the web interface and the links in the mail Postal sends about itself cannot be reached.' },
    'lookup-failed': { title: 'Could not resolve {name}', message: 'The A/AAAA lookup of {name} failed ({failure}); nothing can be said about it.' },
    placeholder: {
      title: 'web_hostname is still a placeholder',
      message: 'postal.web_hostname is {name}, a placeholder that never points at this server (see config.hostnames).',
    },
  },
  async run(ctx): Promise<Finding[]> {
    const name = normaliseHostname(ctx.config.get('postal.web_hostname'));
    const smtp = normaliseHostname(ctx.config.get('postal.smtp_hostname'));
    if (isTemplateDefault(name)) return [{ target: name, status: 'skip', messageId: 'placeholder', data: { name } }];
    const found = await addressesOf(ctx, name);
    const proxied = found.addresses.filter((ip) => proxyOf(ip) !== undefined);
    const data = {
      name,
      smtp,
      addresses: joinList(found.addresses),
      provider: proxied.length > 0 ? (proxyOf(proxied[0]) ?? '') : '',
      failure: failureText(found.answers),
    };
    const evidence = found.answers.map(evidenceOf);
    const base = { target: name, data, evidence };
    if (found.failed) return [{ ...base, status: 'unknown', messageId: 'lookup-failed' }];
    if (found.addresses.length === 0) {
      const published = await publishedAddresses(ctx);
      return [
        {
          ...base,
          status: 'fail',
          messageId: 'missing',
          fix: { kind: 'dns', summary: `Publish A/AAAA records for ${name}`, commands: [], records: addressRecords(name, published) },
        },
      ];
    }
    if (proxied.length === 0) return [{ ...base, status: 'pass', messageId: 'resolves' }];
    if (name !== smtp) return [{ ...base, status: 'pass', messageId: 'proxied' }];
    const separate = `smtp.${name}`;
    const published = await publishedAddresses(ctx);
    return [
      {
        ...base,
        status: 'fail',
        messageId: 'shared-with-proxy',
        fix: {
          kind: 'config',
          summary: `Give SMTP its own DNS-only name (not proxied), e.g. ${separate}, publish it with this server's addresses, set postal.smtp_hostname to it and restart Postal`,
          commands: ['postal restart'],
          configChanges: [configEdit(ctx.config, 'postal.smtp_hostname', separate)],
          records: addressRecords(separate, published),
        },
      },
    ];
  },
};
