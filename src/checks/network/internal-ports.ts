import type { CheckContext, CheckDefinition, Finding } from '../../core/types.js';
import { sh } from '../../util/shell.js';
import { ipFamily, isGlobalAddress } from '../../util/ip.js';
import { reachableHostAddresses } from '../../knowledge/postal/outbound-ips.js';
import { hostPort, tcpAnswer } from '../../knowledge/postal/smtp-banner.js';
import { inputRules, remoteConnectionVerdict } from '../../knowledge/firewall/input-rules.js';
import { postalListener, rebindText, settingText } from '../../knowledge/postal/listeners.js';
import { judgeEach } from '../../core/options.js';

interface InternalPort {
  port: number;
  service: string;
  /** ` (HEALTH_SERVER_PORT=9190 in postal-worker-1)` when a container variable places it; empty otherwise. */
  origin: string;
  /** How to make the service listen on loopback only. */
  bind: string;
}

/**
 * Ports only Postal itself should reach: the database, the web server behind the proxy and the health servers of
 * the worker and the SMTP server, each where its container's environment or postal.yml puts it (listeners.ts:
 * 5000, 9090 and 9091 on 127.0.0.1 by default).
 */
function internalPorts(ctx: CheckContext): InternalPort[] {
  const listened = (['web', 'worker-health', 'smtp-health'] as const).map((id): InternalPort => {
    const listener = postalListener(ctx, id);
    const origin = [listener.bindSetting, listener.portSetting].filter((setting) => setting.variable !== null).map(settingText);
    return { port: listener.port, service: listener.name, origin: origin.length > 0 ? ` (${origin.join(', ')})` : '', bind: rebindText(listener, '127.0.0.1') };
  });
  const ports: InternalPort[] = [
    { port: ctx.config.get('main_db.port'), service: 'the database (main_db)', origin: '', bind: "bind MariaDB to 127.0.0.1 (the installer's container: -p 127.0.0.1:3306:3306)" },
    ...listened,
  ];
  return ports.filter((entry, index) => ports.findIndex((other) => other.port === entry.port) === index);
}

export const internalPortsCheck: CheckDefinition = {
  id: 'network.internal-ports',
  group: 'network',
  order: 50,
  title: 'The database, web server and health ports do not listen on a public address',
  targets: 'address:port',
  probes: ['tcp', 'host', 'commands'],
  network: true,
  messages: {
    closed: { title: 'Internal ports are not open on {addresses}', message: 'Nothing answers on {ports} at {addresses}: {services} are reachable from this host only.' },
    open: {
      title: '{service} answers on {endpoint}',
      message: '{service}{origin} accepts connections on port {port} of {address}, an address other machines reach: unless a firewall in front of this host drops them, anyone can connect to it.',
    },
    firewalled: {
      title: '{service} answers on {endpoint} for this host only',
      message: '{service} accepts connections on port {port} of {address} from this host, and this host\'s firewall drops them from other machines: "{rule}" ({via}).',
    },
    'no-address': { title: 'Internal ports: no address to try', message: 'This host has no address other than loopback.' },
  },
  async run(ctx): Promise<Finding[]> {
    const addresses = await reachableHostAddresses(ctx);
    if (addresses.length === 0) return [{ target: null, status: 'skip', messageId: 'no-address', data: {} }];
    const ports = internalPorts(ctx);
    const attempts = await judgeEach(
      ctx.options,
      addresses.flatMap((address) => ports.map((entry) => ({ address, entry }))),
      async ({ address, entry }) => ({ address, entry, attempt: await ctx.probes.tcp.connect({ host: address, port: entry.port, readBanner: false, timeoutMs: ctx.options.timeoutMs }) }),
    );
    const open = attempts.filter(({ attempt }) => attempt.outcome === 'connected' || attempt.outcome === 'banner');
    const evidence = attempts.map(({ address, entry, attempt }) => ({ query: `TCP ${hostPort(address, entry.port)}`, answer: tcpAnswer(attempt) }));
    if (open.length === 0) {
      return [
        {
          target: null,
          status: 'pass',
          messageId: 'closed',
          data: { addresses: addresses.join(', '), ports: ports.map((entry) => entry.port).join(', '), services: ports.map((entry) => entry.service).join(', ') },
          evidence,
        },
      ];
    }
    return Promise.all(
      open.map(async ({ address, entry, attempt }): Promise<Finding> => {
        const endpoint = hostPort(address, entry.port);
        const data = { service: entry.service, origin: entry.origin, endpoint, port: entry.port, address };
        const verdict = await remoteConnectionVerdict(ctx, address, entry.port);
        const rules = (await inputRules(ctx)).evidence;
        const tcp = { query: `TCP ${endpoint}`, answer: tcpAnswer(attempt) };
        if (verdict.kind === 'dropped') {
          return { target: endpoint, status: 'pass', messageId: 'firewalled', data: { ...data, rule: verdict.rule, via: verdict.via }, evidence: [tcp, ...rules] };
        }
        const firewall = ipFamily(address) === 6 ? 'ip6tables' : 'iptables';
        const rule = sh`-d ${address} -p tcp --dport ${entry.port} ! -i lo -j DROP`;
        const judged = { query: `new TCP connection from another machine to ${endpoint}`, answer: verdict.acceptedBy ? `accepted by "${verdict.acceptedBy}"` : 'no rule of this host drops it' };
        return {
          target: endpoint,
          status: 'warn',
          messageId: 'open',
          data,
          evidence: [tcp, judged, ...rules],
          fix: {
            kind: 'firewall',
            summary: `Drop outside connections to ${endpoint}${isGlobalAddress(address) ? '' : ' (a private address: other machines of its network reach it)'} (a port Docker publishes needs the same rule in the DOCKER-USER chain), and ${entry.bind}`,
            // Added at the top of INPUT only when `-C` does not find it already: run twice, the fix leaves one copy.
            commands: [`${firewall} -C INPUT ${rule} 2>/dev/null || ${firewall} -I INPUT ${rule}`],
          },
        };
      }),
    );
  },
};
