import type { CheckContext, CheckDefinition, Evidence, Finding, Status } from '../../core/types.js';
import { unlessOffline } from '../../core/probe-access.js';
import { readGreeting, tcpAnswer } from '../../knowledge/postal/smtp-banner.js';
import {
  describeOutcome,
  hostView,
  listenerFamilies,
  natRules,
  redirectCommands,
  routeLocalnet,
  smtpListener,
  trace,
  type HostView,
  type MissingRule,
  type NatView,
} from '../../knowledge/firewall/nat-rules.js';
import type { Family, Hook, HookOutcome, Listener } from '../../knowledge/firewall/nat-model.js';
import { postalListener, settingText } from '../../knowledge/postal/listeners.js';

/** The ports mail clients and apps try when 25 is filtered; Postal listens on one port only. */
export const ALTERNATIVE_PORTS = [587, 2525];

const FAMILY_NAME: Record<Family, string> = { 4: 'IPv4', 6: 'IPv6' };
const CLIENTS: Record<Hook, string> = { prerouting: 'remote clients (PREROUTING)', output: 'clients on this host (OUTPUT)' };

interface Traced {
  family: Family;
  hook: Hook;
  outcome: HookOutcome;
}

type RuleVerdict =
  | { status: Status; messageId: 'redirected' | 'half-done' | 'incomplete' | 'missing'; missing: MissingRule[]; missingText: string }
  | { status: 'fail'; messageId: 'elsewhere'; rule: string; destination: string }
  | { status: 'unknown'; messageId: 'unreadable'; command: string; reason: string };

/** Every (family, chain) a connection to `port` must be redirected in, traced through the rules. */
async function traceAll(ctx: CheckContext, view: NatView, host: HostView, listener: Listener, port: number, families: Family[]): Promise<Traced[]> {
  const traced: Traced[] = [];
  for (const family of families) {
    for (const hook of ['prerouting', 'output'] as const) {
      let outcome = trace(view, host, listener, family, hook, port);
      // IPv4 DNAT to 127.0.0.1 from PREROUTING is delivered only with route_localnet on.
      if (outcome.kind === 'loopback-dnat' && family === 4 && (await routeLocalnet(ctx)) === true) {
        outcome = { kind: 'redirected', rule: outcome.rule, via: outcome.via };
      }
      traced.push({ family, hook, outcome });
    }
  }
  return traced;
}

function judgeRules(view: NatView, traced: Traced[], families: Family[]): RuleVerdict {
  const unreadable = families.map((family) => view.unreadable[family]).find((entry) => entry !== undefined);
  if (unreadable) return { status: 'unknown', messageId: 'unreadable', ...unreadable };
  const conflict = traced.find((entry) => entry.outcome.kind === 'elsewhere' || entry.outcome.kind === 'dropped');
  if (conflict && (conflict.outcome.kind === 'elsewhere' || conflict.outcome.kind === 'dropped')) {
    const destination = conflict.outcome.kind === 'elsewhere' ? conflict.outcome.destination : 'a DROP';
    return { status: 'fail', messageId: 'elsewhere', rule: conflict.outcome.rule, destination };
  }
  const missing: MissingRule[] = traced
    .filter((entry) => entry.outcome.kind !== 'redirected')
    .map((entry) => ({
      family: entry.family,
      hook: entry.hook,
      insert: entry.outcome.kind === 'loopback-dnat' || (entry.outcome.kind === 'missing' && entry.outcome.shadowedBy !== null),
    }));
  const missingText = missing.map((rule) => `${FAMILY_NAME[rule.family]} ${CLIENTS[rule.hook]}`).join(', ');
  const remoteOk = traced.filter((entry) => entry.hook === 'prerouting').map((entry) => entry.outcome.kind === 'redirected');
  if (missing.length === 0) return { status: 'pass', messageId: 'redirected', missing, missingText };
  if (remoteOk.every(Boolean)) return { status: 'warn', messageId: 'half-done', missing, missingText };
  if (remoteOk.some(Boolean)) return { status: 'warn', messageId: 'incomplete', missing, missingText };
  return { status: 'fail', messageId: 'missing', missing, missingText };
}

function tracedEvidence(port: number, traced: Traced[]): Evidence[] {
  return traced.map(({ family, hook, outcome }) => ({
    query: `${FAMILY_NAME[family]} nat ${hook === 'prerouting' ? 'PREROUTING' : 'OUTPUT'}: new TCP connection to port ${port}${hook === 'output' ? ` on ${family === 4 ? '127.0.0.1' : '::1'}` : ''}`,
    answer: describeOutcome(outcome),
  }));
}

async function checkPort(ctx: CheckContext, view: NatView, host: HostView, listener: Listener, families: Family[], port: number): Promise<Finding> {
  const target = String(port);
  const smtpPort = listener.port;
  if (port === smtpPort) return { target, status: 'pass', messageId: 'listen-port', data: { port, setting: settingText(postalListener(ctx, 'smtp').portSetting) } };

  const traced = await traceAll(ctx, view, host, listener, port, families);
  const verdict = judgeRules(view, traced, families);
  const evidence: Evidence[] = [...view.evidence, ...tracedEvidence(port, traced)];
  const data = { port, smtpPort, families: families.map((family) => FAMILY_NAME[family]).join(' and ') };

  const live = await unlessOffline(() => ctx.probes.tcp.connect({ host: '127.0.0.1', port, readBanner: true, timeoutMs: ctx.options.timeoutMs }));
  if (live) evidence.push({ query: `TCP 127.0.0.1:${port}`, answer: tcpAnswer(live) });
  const greeting = live?.outcome === 'banner' ? readGreeting(live.banner) : null;
  if (greeting?.postal) {
    if (verdict.messageId === 'redirected') return { target, status: 'pass', messageId: 'redirected', data, evidence };
    return { target, status: 'pass', messageId: 'answers-live', data, evidence };
  }
  if (greeting) return { target, status: 'fail', messageId: 'other-server', data, evidence };

  switch (verdict.messageId) {
    case 'unreadable':
      return { target, status: 'unknown', messageId: 'unreadable', data: { ...data, command: verdict.command, reason: verdict.reason }, evidence };
    case 'elsewhere':
      return {
        target,
        status: 'fail',
        messageId: 'elsewhere',
        data: { ...data, rule: verdict.rule, destination: verdict.destination },
        evidence,
        fix: {
          kind: 'manual',
          summary: `Port ${port} is sent to ${verdict.destination} by "${verdict.rule}": remove or narrow that rule if Postal should have the port, then run postal-doctor again for the redirect rules`,
          commands: [],
        },
      };
    case 'redirected':
      if (live) return { target, status: 'warn', messageId: 'rules-but-silent', data, evidence };
      return { target, status: 'pass', messageId: 'redirected', data, evidence };
    default:
      return {
        target,
        status: verdict.status,
        messageId: verdict.messageId,
        data: { ...data, missing: verdict.missingText },
        evidence,
        fix: {
          kind: 'firewall',
          summary: `Add the missing nat rules that redirect port ${port} to ${smtpPort}, then save them so they survive a reboot`,
          commands: redirectCommands(view.flavour, port, verdict.missing, listener),
        },
      };
  }
}

export const altPorts: CheckDefinition = {
  id: 'network.alt-ports',
  group: 'network',
  order: 30,
  title: "Ports 587 and 2525 are redirected to Postal's SMTP port",
  targets: 'port',
  probes: ['commands', 'tcp', 'host'],
  // The rules are read locally; the live connection to 127.0.0.1 is left out under --offline.
  network: false,
  messages: {
    redirected: {
      title: "Port {port} reaches Postal's SMTP server",
      message: 'nat PREROUTING and OUTPUT redirect port {port} to {smtpPort} ({families}), for remote clients and for clients on this host.',
    },
    'answers-live': {
      title: "Port {port} reaches Postal's SMTP server",
      message: "127.0.0.1:{port} answers with Postal's banner, although the nat rules read here do not redirect it everywhere (a second listener, or rules this check cannot see).",
    },
    'listen-port': {
      title: "Port {port} is Postal's own SMTP port",
      message: "Postal's SMTP server listens on port {port} itself ({setting}), so no redirect is needed.",
    },
    'half-done': {
      title: 'Port {port} is redirected for remote clients only',
      message:
        "Remote clients reach Postal on port {port}, but nothing redirects it in the nat OUTPUT chain: clients on this host (such as Postal's own mail with smtp.port: {port}) connecting to 127.0.0.1:{port} get no answer. Missing: {missing}.",
    },
    incomplete: {
      title: 'Port {port} is redirected for some clients only',
      message: 'Port {port} reaches Postal ({smtpPort}) for some clients but not for: {missing}.',
    },
    missing: {
      title: "Port {port} does not reach Postal's SMTP server",
      message: 'Postal listens on port {smtpPort} only, and no nat rule redirects port {port} to it for remote clients. Missing: {missing}.',
    },
    elsewhere: {
      title: 'Port {port} is sent somewhere other than Postal',
      message: 'The rule "{rule}" sends port {port} to {destination}, before any redirect to {smtpPort} could apply.',
    },
    'rules-but-silent': {
      title: "Port {port} is redirected, but Postal's banner does not come back",
      message: "The nat rules redirect port {port} to {smtpPort}, yet 127.0.0.1:{port} does not answer with Postal's banner: is Postal's SMTP server running (see network.smtp-listen)?",
    },
    'other-server': {
      title: 'Another server answers on port {port}',
      message: "127.0.0.1:{port} answers, but not with Postal's banner (see evidence): another program holds port {port} or the redirect leads elsewhere.",
    },
    unreadable: {
      title: 'Port {port}: the nat rules could not be read',
      message: '{command} failed: {reason}. Run postal-doctor as root to read the firewall.',
    },
  },
  async run(ctx) {
    const listener = smtpListener(ctx);
    const [view, host] = await Promise.all([natRules(ctx), hostView(ctx)]);
    const families = listenerFamilies(listener, host);
    return Promise.all(ALTERNATIVE_PORTS.map((port) => checkPort(ctx, view, host, listener, families, port)));
  },
};
