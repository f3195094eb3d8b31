import { configEdit } from '../../knowledge/postal/config-values.js';
import { isTemplateDefault } from '../../knowledge/hostnames.js';
import type { CheckDefinition, Finding, Fix } from '../../core/types.js';
import { normaliseHostname } from '../../util/ip.js';
import { evidenceOf, failureText, joinList, lookup, pointing, recordsOf, zoneRecord } from '../../knowledge/dns/lookups.js';

export const routeDomainCheck: CheckDefinition = {
  id: 'dns.route-domain',
  group: 'dns',
  order: 90,
  title: 'route_domain has an MX record pointing at this server',
  targets: 'domain',
  probes: ['dns', 'host', 'database'],
  network: true,
  messages: {
    here: { title: 'MX of {domain} points at this server', message: 'MX {domain} -> {exchanges}, which reach this server; mail for routes arrives.' },
    partly: {
      title: 'MX of {domain} partly points away from this server',
      message: 'MX {domain} -> {exchanges}; {elsewhere} do not lead to this server, so some route mail goes elsewhere.',
    },
    elsewhere: {
      title: 'MX of {domain} does not point at this server',
      message: 'MX {domain} -> {exchanges}; none of them leads to this server ({detail}), so mail sent to routes never arrives.',
    },
    'no-mx': { title: '{domain} has no MX record', message: 'Postal gives routes addresses at {domain}, but it has no usable MX record, so mail to routes cannot be delivered.' },
    'behind-nat': {
      title: 'Cannot tell whether the MX of {domain} points at this server',
      message: 'MX {domain} -> {exchanges}, but this host only has private addresses (NAT). Pass its public address with --ip to compare.',
    },
    'lookup-failed': { title: 'Could not check the MX of {domain}', message: 'A lookup failed ({failure}); nothing can be said about it.' },
    placeholder: {
      title: 'dns.route_domain is still the placeholder {domain}',
      message: '{domain} does not exist, so addresses of routes cannot receive mail. This only matters if you use routes.',
    },
  },
  async run(ctx): Promise<Finding[]> {
    const domain = normaliseHostname(ctx.config.get('dns.route_domain'));
    const smtp = normaliseHostname(ctx.config.get('postal.smtp_hostname'));
    const data = { domain, exchanges: '', elsewhere: '', detail: '', failure: '' };
    const mxFix: Fix = { kind: 'dns', summary: `Publish an MX record for ${domain} pointing at ${smtp}`, commands: [], records: [zoneRecord(domain, 'MX', `10 ${smtp}.`)] };
    if (isTemplateDefault(domain)) {
      const fix: Fix | undefined = isTemplateDefault(smtp)
        ? undefined
        : {
            kind: 'config',
            summary: `Set dns.route_domain to routes.${smtp}, publish its MX record, then restart Postal`,
            commands: ['postal restart'],
            configChanges: [configEdit(ctx.config, 'dns.route_domain', `routes.${smtp}`)],
            records: [zoneRecord(`routes.${smtp}`, 'MX', `10 ${smtp}.`)],
          };
      return [{ target: domain, status: 'warn', messageId: 'placeholder', data, ...(fix ? { fix } : {}) }];
    }

    const mx = await lookup(ctx, domain, 'MX');
    if (mx.status === 'error') return [{ target: domain, status: 'unknown', messageId: 'lookup-failed', data: { ...data, failure: failureText([mx]) }, evidence: [evidenceOf(mx)] }];
    const exchanges = recordsOf(mx).map((record) => record.slice(record.indexOf(' ') + 1)).filter((name) => name !== '.');
    if (exchanges.length === 0) return [{ target: domain, status: 'fail', messageId: 'no-mx', data, evidence: [evidenceOf(mx)], fix: mxFix }];

    const verdicts = await Promise.all(exchanges.map(async (name) => ({ name, result: await pointing(ctx, name) })));
    const evidence = [evidenceOf(mx), ...verdicts.flatMap(({ result }) => result.lookup.answers.map(evidenceOf))];
    const here = verdicts.filter(({ result }) => result.verdict === 'here');
    const undecided = verdicts.filter(({ result }) => result.verdict === 'lookup-failed' || result.verdict === 'behind-nat');
    const away = verdicts.filter(({ result }) => !['here', 'lookup-failed', 'behind-nat'].includes(result.verdict));
    const found = {
      ...data,
      exchanges: joinList(exchanges),
      elsewhere: joinList(away.map(({ name }) => name)),
      detail: away.map(({ name, result }) => (result.lookup.addresses.length > 0 ? `${name} has ${joinList(result.lookup.addresses)}` : `${name} does not resolve`)).join('; '),
      failure: failureText(verdicts.flatMap(({ result }) => result.lookup.answers)),
    };
    const base = { target: domain, data: found, evidence };
    if (here.length === exchanges.length) return [{ ...base, status: 'pass', messageId: 'here' }];
    if (here.length > 0 && away.length > 0) return [{ ...base, status: 'warn', messageId: 'partly', fix: mxFix }];
    if (undecided.length > 0) {
      const nat = undecided.every(({ result }) => result.verdict === 'behind-nat');
      return [{ ...base, status: 'unknown', messageId: nat ? 'behind-nat' : 'lookup-failed' }];
    }
    return [{ ...base, status: 'fail', messageId: 'elsewhere', fix: mxFix }];
  },
};
