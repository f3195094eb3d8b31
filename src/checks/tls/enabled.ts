import type { CheckDefinition, Finding } from '../../core/types.js';
import { smtpRestart } from './smtp-container.js';

export const tlsEnabled: CheckDefinition = {
  id: 'tls.enabled',
  group: 'tls',
  title: 'STARTTLS is switched on (smtp_server.tls_enabled)',
  targets: 'none',
  probes: [],
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
    const origin = entry.origin === 'default' ? 'the default' : entry.origin === 'env' ? `environment ${entry.source}` : `postal.yml${entry.line ? ` line ${entry.line}` : ''}`;
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
            summary: `Remove ${variable} from the Postal containers' environment (or set it to true), set smtp_server.tls_enabled: true in postal.yml, then recreate the containers`,
            commands: [],
            kind: 'config',
            configChanges: [{ path: 'smtp_server.tls_enabled', from: entry.value, to: true }],
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
          configChanges: [{ path: 'smtp_server.tls_enabled', from: entry.value, to: true }],
        },
      },
    ];
  },
};
