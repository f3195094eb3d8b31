import type { CheckDefinition } from '../../core/types.js';
import { isTemplateDefault } from '../../knowledge/hostnames.js';
import { normaliseHostname } from '../../util/ip.js';
import { POINTING_MESSAGES, pointingFinding } from '../../knowledge/dns/lookups.js';

export const smtpHostnameCheck: CheckDefinition = {
  id: 'dns.smtp-hostname',
  group: 'dns',
  order: 10,
  title: 'smtp_hostname has A/AAAA records pointing at this server',
  targets: 'hostname',
  probes: ['dns', 'host', 'database'],
  network: true,
  messages: {
    ...POINTING_MESSAGES,
    placeholder: {
      title: 'smtp_hostname is still a placeholder',
      message: 'postal.smtp_hostname is {name}, a placeholder that never points at this server (see config.hostnames).',
    },
  },
  async run(ctx) {
    const name = normaliseHostname(ctx.config.get('postal.smtp_hostname'));
    if (isTemplateDefault(name)) return [{ target: name, status: 'skip', messageId: 'placeholder', data: { name } }];
    return [await pointingFinding(ctx, name, 'the SMTP host name')];
  },
};
