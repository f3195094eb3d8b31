import type { CheckDefinition, Finding } from '../../core/types.js';
import { smtpRestart } from '../../knowledge/tls/smtp-container.js';
import { configEdit, originText, writtenValue } from '../../knowledge/postal/config-values.js';

export const tlsEnabled: CheckDefinition = {
  id: 'tls.enabled',
  group: 'tls',
  order: 10,
  title: 'STARTTLS is switched on (smtp_server.tls_enabled)',
  targets: 'none',
  probes: ['commands'],
  network: false,
  messages: {
    enabled: {
      title: 'STARTTLS is switched on',
      message: 'smtp_server.tls_enabled is true ({origin}): Postal offers STARTTLS to every client.',
    },
    disabled: {
      title: 'STARTTLS is switched off: mail arrives in clear',
      message:
        'smtp_server.tls_enabled is false ({origin}). Postal does not offer STARTTLS and answers "502 TLS not available" to it, so every message and every SMTP password reaches this server unencrypted.',
    },
    'disabled-by-env': {
      title: 'STARTTLS is switched off by an environment variable',
      message:
        'The container environment sets {variable}={value}, which overrides postal.yml: Postal does not offer STARTTLS and mail arrives in clear.',
    },
  },
  async run(ctx): Promise<Finding[]> {
    const smtp = await smtpRestart(ctx);
    const entry = ctx.config.entry('smtp_server.tls_enabled');
    const origin = originText(entry);
    const key = 'smtp_server.tls_enabled';
    const inFile = writtenValue(ctx.config, key);
    // The edit that switches it on in postal.yml; none when the file says true already.
    const configChanges = inFile === true ? [] : [configEdit(ctx.config, key, true)];
    const evidence = [{ query: 'smtp_server.tls_enabled', answer: { value: entry.value, origin: entry.origin, source: entry.source ?? null, line: entry.line ?? null } }];
    if (ctx.config.get('smtp_server.tls_enabled')) return [{ target: null, status: 'pass', messageId: 'enabled', data: { origin }, evidence }];
    if (entry.origin === 'env') {
      const variable = entry.source ?? 'SMTP_SERVER_TLS_ENABLED';
      return [
        {
          target: null,
          status: 'fail',
          messageId: 'disabled-by-env',
          data: { variable, value: String(ctx.config.env[variable] ?? entry.value) },
          evidence,
          fix: {
            summary: `Remove ${variable} from the Postal containers' environment (or set it to true)${configChanges.length > 0 ? ', set smtp_server.tls_enabled: true in postal.yml' : ''}, then recreate the containers (postal start)`,
            commands: [],
            kind: 'config',
            configChanges,
          },
        },
      ];
    }
    return [
      {
        target: null,
        status: 'fail',
        messageId: 'disabled',
        data: { origin },
        evidence,
        fix: {
          summary: 'Set smtp_server.tls_enabled: true in postal.yml (with a certificate that covers smtp_hostname and every MX name), then restart the SMTP server',
          commands: [smtp.command],
          kind: 'config',
          configChanges,
        },
      },
    ];
  },
};
