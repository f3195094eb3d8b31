import type { CheckDefinition, Finding } from '../../core/types.js';
import { unlessOffline } from '../../core/probe-access.js';
import { isWildcard } from '../../knowledge/firewall/nat-rules.js';
import { environmentNote, listenerOrigin, postalListener, type PostalListener } from '../../knowledge/postal/listeners.js';

/**
 * The health servers of script/worker.rb and script/smtp_server.rb (app/util/health_server.rb, postalserver/postal
 * 3.3.6): `/health` answers 200 "OK" while the process runs, `/metrics` gives its Prometheus metrics. Each listens
 * where HEALTH_SERVER_BIND_ADDRESS / HEALTH_SERVER_PORT in its container say, else where postal.yml says (listeners.ts).
 */
const HEALTH_SERVERS = [
  { listener: 'worker-health', name: 'the worker' },
  { listener: 'smtp-health', name: 'the SMTP server' },
] as const;

function baseUrl(listener: PostalListener): string {
  const host = isWildcard(listener.bind) ? (listener.bind.includes(':') ? '::1' : '127.0.0.1') : listener.bind;
  return `http://${host.includes(':') ? `[${host}]` : host}:${listener.port}`;
}

/** The metric families a Prometheus text page defines (`# TYPE name kind` lines). */
function metricFamilies(body: string): number {
  return body.split('\n').filter((line) => line.startsWith('# TYPE ')).length;
}

export const healthCheck: CheckDefinition = {
  id: 'postal.health',
  group: 'postal',
  order: 65,
  title: "The worker's and SMTP server's health servers answer",
  targets: 'URL',
  probes: ['http'],
  network: false,
  messages: {
    healthy: { title: '{name}: {url} answers OK', message: "{name}'s health server answers OK at {url} ({origin}); /metrics gives {families} metric families." },
    refused: {
      title: '{name}: no health server at {url}',
      message:
        'Nothing listens at {url} ({origin}): {name} does not run on this host, or it did not start its health server (its log says why: "health server port … is already in use" when another process holds the port).{note}',
    },
    unhealthy: { title: '{name}: {url} answers {code}', message: '{name}\'s health server answered {code} instead of 200 "OK".' },
    timeout: { title: '{name}: {url} does not answer', message: 'No answer from {url} within {ms} ms: the process is stuck or the port is filtered.' },
    error: { title: '{name}: {url} could not be asked', message: 'The request failed: {reason}.' },
    offline: { title: 'Health servers not asked (--offline)', message: 'The health servers were not asked because --offline was given.' },
  },
  async run(ctx): Promise<Finding[]> {
    const findings: Finding[] = [];
    for (const server of HEALTH_SERVERS) {
      const listener = postalListener(ctx, server.listener);
      const url = `${baseUrl(listener)}/health`;
      const response = await unlessOffline(() => ctx.probes.http.get({ url, timeoutMs: ctx.options.timeoutMs }));
      if (response === null) return [{ target: null, status: 'skip', messageId: 'offline', data: {} }];
      const evidence = [{ query: `GET ${url}`, answer: { status: response.status, body: response.body.slice(0, 200), failure: response.failure, ms: response.ms } }];
      const data = { name: server.name, url, origin: listenerOrigin(listener), note: environmentNote(listener) ? ` ${environmentNote(listener)}` : '' };
      if (response.failure) {
        const { code, message } = response.failure;
        if (code === 'ECONNREFUSED') findings.push({ target: url, status: 'warn', messageId: 'refused', data, evidence });
        else if (code === 'ETIMEDOUT' || code === 'ABORTED') findings.push({ target: url, status: 'unknown', messageId: 'timeout', data: { ...data, ms: ctx.options.timeoutMs }, evidence });
        else findings.push({ target: url, status: 'unknown', messageId: 'error', data: { ...data, reason: `${code}: ${message}` }, evidence });
        continue;
      }
      if (response.status !== 200) {
        findings.push({ target: url, status: 'warn', messageId: 'unhealthy', data: { ...data, code: response.status ?? 0 }, evidence, fix: { kind: 'manual', summary: `Read ${server.name}'s log`, commands: [`postal logs --tail 100 ${listener.process}`] } });
        continue;
      }
      const metricsUrl = `${baseUrl(listener)}/metrics`;
      const metrics = await ctx.probes.http.get({ url: metricsUrl, timeoutMs: ctx.options.timeoutMs });
      evidence.push({ query: `GET ${metricsUrl}`, answer: { status: metrics.status, body: `${metricFamilies(metrics.body)} metric families`, failure: metrics.failure, ms: metrics.ms } });
      findings.push({ target: url, status: 'pass', messageId: 'healthy', data: { ...data, families: metrics.status === 200 ? metricFamilies(metrics.body) : 0 }, evidence });
    }
    return findings;
  },
};
