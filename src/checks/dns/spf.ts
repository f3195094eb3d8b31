import { configEdit } from '../../knowledge/postal/config-values.js';
import { isTemplateDefault } from '../../knowledge/hostnames.js';
import type { CheckDefinition, Finding, Fix } from '../../core/types.js';
import { outboundIps } from '../../knowledge/postal/outbound-ips.js';
import { isGlobalAddress, normaliseHostname } from '../../util/ip.js';
import { PER_IP_MESSAGES, joinList, zoneRecord } from '../../knowledge/dns/lookups.js';
import { withAddresses, type SpfOutcome } from '../../knowledge/dns/spf.js';
import { evaluateAll, spfEvidence } from '../../knowledge/dns/spf-at-ips.js';

const POSTAL_CHECK =
  "Postal's own domain check only looks for the text {include} in a sending domain's SPF record, so each domain should publish e.g. \"{suggested}\".";

export const spfCheck: CheckDefinition = {
  id: 'dns.spf',
  group: 'dns',
  order: 70,
  title: 'The spf_include domain publishes SPF that authorises every outbound IP',
  targets: 'domain',
  probes: ['dns', 'host', 'database'],
  network: true,
  messages: {
    'no-ips': PER_IP_MESSAGES['no-ips'],
    authorised: { title: 'SPF of {domain} authorises every outbound IP', message: `The SPF record of {domain} authorises {ips}. ${POSTAL_CHECK}` },
    'too-permissive': {
      title: 'SPF of {domain} authorises every address on the internet',
      message: `The SPF record of {domain} ends in "{all}", so it authorises any sender, not just this server; receivers give it no weight and some treat it as a spam sign. ${POSTAL_CHECK}`,
    },
    'not-authorised': {
      title: 'SPF of {domain} does not authorise every outbound IP',
      message: `The SPF record of {domain} does not give "pass" for {failing}. Mail from those IPs does not pass SPF for any domain that includes {domain}. ${POSTAL_CHECK}`,
    },
    missing: {
      title: '{domain} publishes no SPF record',
      message: `{domain} has no SPF record, so include:{domain} authorises nothing and mail from this server fails SPF. ${POSTAL_CHECK}`,
    },
    permerror: {
      title: 'SPF of {domain} is broken (permerror)',
      message: `Receivers cannot evaluate the SPF record of {domain}: {reason}. They treat that as a failure. ${POSTAL_CHECK}`,
    },
    'lookup-failed': { title: 'Could not evaluate SPF of {domain}', message: 'A lookup failed while evaluating the SPF record ({failure}); nothing can be said about it.' },
    placeholder: {
      title: 'dns.spf_include is still the placeholder {domain}',
      message: `dns.spf_include is {domain}, which does not exist: customers told to include it authorise nothing. ${POSTAL_CHECK}`,
    },
  },
  async run(ctx): Promise<Finding[]> {
    const domain = normaliseHostname(ctx.config.get('dns.spf_include'));
    const ips = (await outboundIps(ctx)).map((entry) => entry.ip).filter(isGlobalAddress);
    const data = { domain, include: `include:${domain}`, suggested: `v=spf1 a mx include:${domain} ~all`, ips: joinList(ips), failing: '', reason: '', failure: '', all: '' };
    const freshRecord = (name: string) => zoneRecord(name, 'TXT', withAddresses(null, ips));

    if (isTemplateDefault(domain)) {
      const smtp = normaliseHostname(ctx.config.get('postal.smtp_hostname'));
      const fix: Fix | undefined = isTemplateDefault(smtp)
        ? undefined
        : {
            kind: 'config',
            summary: `Set dns.spf_include to spf.${smtp}, publish its SPF record, then restart Postal`,
            commands: ['postal restart'],
            configChanges: [configEdit(ctx.config, 'dns.spf_include', `spf.${smtp}`)],
            records: [freshRecord(`spf.${smtp}`)],
          };
      return [{ target: domain, status: 'fail', messageId: 'placeholder', data, ...(fix ? { fix } : {}) }];
    }
    if (ips.length === 0) return [{ target: domain, status: 'skip', messageId: 'no-ips', data }];

    const outcomes = await evaluateAll(ctx, domain, ips);
    const evidence = spfEvidence(domain, outcomes);
    const base = { target: domain, evidence };
    const first = (result: SpfOutcome['result']) => outcomes.find(({ outcome }) => outcome.result === result)?.outcome;
    const ownRecord = outcomes.flatMap(({ outcome }) => outcome.records).find((record) => record.domain === domain)?.record ?? null;

    const temporary = first('temperror');
    if (temporary) return [{ ...base, status: 'unknown', messageId: 'lookup-failed', data: { ...data, failure: temporary.reason } }];
    if (first('none')) {
      return [
        {
          ...base,
          status: 'fail',
          messageId: 'missing',
          data,
          fix: { kind: 'dns', summary: `Publish an SPF record at ${domain} that lists this server's outbound IPs`, commands: [], records: [freshRecord(domain)] },
        },
      ];
    }
    const broken = first('permerror');
    if (broken) {
      return [
        {
          ...base,
          status: 'fail',
          messageId: 'permerror',
          data: { ...data, reason: broken.reason },
          fix: {
            kind: 'dns',
            summary: `Correct the SPF record of ${domain} (${broken.reason}); a record that authorises exactly this server's outbound IPs is below`,
            commands: [],
            records: [freshRecord(domain)],
          },
        },
      ];
    }
    const failing = outcomes.filter(({ outcome }) => outcome.result !== 'pass');
    if (failing.length > 0) {
      return [
        {
          ...base,
          status: 'fail',
          messageId: 'not-authorised',
          data: { ...data, failing: failing.map(({ ip, outcome }) => `${ip} (${outcome.result})`).join(', ') },
          fix: {
            kind: 'dns',
            summary: `Add ${failing.map(({ ip }) => ip).join(', ')} to the SPF record of ${domain}`,
            commands: [],
            records: [zoneRecord(domain, 'TXT', withAddresses(ownRecord, failing.map(({ ip }) => ip)))],
          },
        },
      ];
    }
    const permissiveAll = ownRecord?.split(/\s+/).find((term) => /^\+?all$/i.test(term));
    if (permissiveAll) {
      const tightened = (ownRecord ?? '').replace(/(^|\s)\+?all(?=\s|$)/i, '$1~all');
      return [
        {
          ...base,
          status: 'warn',
          messageId: 'too-permissive',
          data: { ...data, all: permissiveAll },
          fix: { kind: 'dns', summary: `End the SPF record of ${domain} with ~all instead of ${permissiveAll}`, commands: [], records: [zoneRecord(domain, 'TXT', tightened)] },
        },
      ];
    }
    return [{ ...base, status: 'pass', messageId: 'authorised', data }];
  },
};
