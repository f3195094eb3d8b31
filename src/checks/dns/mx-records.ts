import type { CheckDefinition, Finding } from '../../core/types.js';
import { isTemplateDefault } from '../../knowledge/hostnames.js';
import { configEdit } from '../../knowledge/postal/config-values.js';
import { normaliseHostname } from '../../util/ip.js';
import { POINTING_MESSAGES, pointingFinding } from '../../knowledge/dns/lookups.js';

export const mxRecordsCheck: CheckDefinition = {
  id: 'dns.mx-records',
  group: 'dns',
  order: 30,
  title: 'Each dns.mx_records host resolves to this server',
  targets: 'hostname',
  probes: ['dns', 'host', 'database'],
  network: true,
  messages: {
    ...POINTING_MESSAGES,
    uppercase: {
      title: '{name} points at this server, but is not written as {name}',
      message:
        '{name} has {addresses}, all of them addresses of this server. dns.mx_records has "{written}": Postal compares the MX records of customer domains with it letter for letter (they arrive lower case, without a trailing dot), so their MX check never passes. Write it as {name}.',
    },
    placeholder: {
      title: 'dns.mx_records still lists the placeholder {name}',
      message: 'Postal tells customers to point their MX records at {name}, a placeholder that never reaches this server.',
    },
    empty: { title: 'dns.mx_records is empty', message: 'No MX host is configured, so there is nothing to check.' },
  },
  async run(ctx): Promise<Finding[]> {
    const written = ctx.config.get('dns.mx_records') ?? [];
    if (written.length === 0) return [{ target: null, status: 'skip', messageId: 'empty', data: {} }];
    const smtp = normaliseHostname(ctx.config.get('postal.smtp_hostname'));
    const unique = written.filter((entry, index) => written.findIndex((other) => normaliseHostname(String(other)) === normaliseHostname(String(entry))) === index);
    return Promise.all(
      unique.map(async (entry): Promise<Finding> => {
        const name = normaliseHostname(String(entry));
        if (isTemplateDefault(name)) {
          const fix = isTemplateDefault(smtp)
            ? undefined
            : {
                kind: 'config' as const,
                summary: `List the real MX host names in dns.mx_records, e.g. ${smtp}, then restart Postal`,
                commands: ['postal restart'],
                configChanges: [configEdit(ctx.config, 'dns.mx_records', [smtp])],
              };
          return { target: name, status: 'warn', messageId: 'placeholder', data: { name }, ...(fix ? { fix } : {}) };
        }
        const finding = await pointingFinding(ctx, name, 'the MX host');
        if (finding.status === 'pass' && String(entry) !== name) {
          return {
            ...finding,
            status: 'warn',
            messageId: 'uppercase',
            data: { ...finding.data, written: String(entry) },
            fix: {
              kind: 'config',
              summary: `Write ${name} in dns.mx_records exactly so (lower case, no trailing dot), then restart Postal`,
              commands: ['postal restart'],
              configChanges: [configEdit(ctx.config, 'dns.mx_records', written.map((item) => normaliseHostname(String(item))))],
            },
          };
        }
        return finding;
      }),
    );
  },
};
