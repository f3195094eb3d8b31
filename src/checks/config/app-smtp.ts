import { isIP } from 'node:net';
import { configEdit } from '../../knowledge/postal/config-values.js';
import { unlessOffline } from '../../core/probe-access.js';
import type { CheckContext, CheckDefinition, Evidence, Finding } from '../../core/types.js';
import type { TcpAttempt } from '../../probes/types.js';
import { canonicalIp } from '../../util/ip.js';
import { describeOutcome, hostView, isLoopbackAddress, natRules, smtpListener, trace } from '../../knowledge/firewall/nat-rules.js';
import { hostPort, readGreeting } from '../../knowledge/postal/smtp-banner.js';
import type { Family, HookOutcome } from '../../knowledge/firewall/nat-model.js';

/** What the config and the nat rules say, before anything is connected to. */
type StaticView =
  | { kind: 'remote' }
  | { kind: 'direct' }
  | { kind: 'redirected'; outcome: HookOutcome }
  | { kind: 'missing'; outcome: HookOutcome }
  | { kind: 'unreadable'; command: string; reason: string };

async function staticView(ctx: CheckContext, host: string, port: number): Promise<StaticView> {
  const listener = smtpListener(ctx);
  const view = await hostView(ctx);
  const own = [...view.localAddresses[4], ...view.localAddresses[6]].map(canonicalIp);
  // Ruby tries each address of "localhost" in turn; the IPv4 one is the one that can always answer.
  const address = host === 'localhost' ? '127.0.0.1' : isIP(host) ? canonicalIp(host) : null;
  if (!address || !(isLoopbackAddress(address) || own.includes(address))) return { kind: 'remote' };
  if (port === listener.port) return { kind: 'direct' };
  const family = isIP(address) as Family;
  const rules = await natRules(ctx);
  const unreadable = rules.unreadable[family];
  if (unreadable) return { kind: 'unreadable', ...unreadable };
  const outcome = trace(rules, view, listener, family, 'output', port, address);
  return outcome.kind === 'redirected' ? { kind: 'redirected', outcome } : { kind: 'missing', outcome };
}

const OUTCOME_WORDS: Record<TcpAttempt['outcome'], string> = {
  banner: 'answered',
  connected: 'accepted but sent no greeting',
  refused: 'connection refused',
  timeout: 'timed out',
  unreachable: 'unreachable',
  error: 'failed',
};

export const appSmtp: CheckDefinition = {
  id: 'config.app-smtp',
  group: 'config',
  order: 60,
  title: "Postal's own mail (smtp.host:smtp.port) reaches the SMTP server",
  targets: 'none',
  probes: ['commands', 'tcp', 'host'],
  // The static half (config and nat rules) runs offline too; only the live connection is left out.
  network: false,
  messages: {
    ok: {
      title: "Postal's own mail reaches the SMTP server",
      message: "smtp.host {host}:{port} answers with Postal's banner.",
    },
    relay: {
      title: "Postal's own mail reaches an SMTP server",
      message: 'smtp.host {host}:{port} answers with an SMTP greeting (another server than this Postal, used as relay for its own mail).',
    },
    direct: {
      title: "Postal's own mail goes straight to the SMTP server",
      message: "smtp.host {host} is this host and smtp.port {port} is the port Postal's SMTP server listens on (not connected to: --offline).",
    },
    redirected: {
      title: "Postal's own mail reaches the SMTP server through a redirect",
      message: 'smtp.port {port} is redirected to {smtpPort} in the nat OUTPUT chain (not connected to: --offline).',
    },
    remote: {
      title: "Postal's own mail goes to another host",
      message: 'smtp.host {host} is not this host; under --offline it is not connected to.',
    },
    'needs-redirect': {
      title: "Postal's own mail does not reach the SMTP server",
      message:
        "smtp.host {host}:{port} is this host, but Postal's SMTP server listens on {smtpPort} and nothing redirects {port} to it in the nat OUTPUT chain, so invitations, password resets and test-app-smtp fail (the installer's smtp.port: 2525 needs that redirect).",
    },
    'not-answering': {
      title: "Postal's own mail cannot reach {host}:{port}",
      message: 'smtp.host {host}:{port}: {outcome}.',
    },
    'not-postal': {
      title: 'Another server answers for Postal\'s own mail on {host}:{port}',
      message: "smtp.host {host}:{port} is this host, but the greeting is not Postal's (see evidence).",
    },
    unreadable: {
      title: "Postal's own mail: whether {port} is redirected could not be determined",
      message: '{command} failed: {reason}. Run postal-doctor as root to read the firewall.',
    },
  },
  async run(ctx): Promise<Finding[]> {
    const host = String(ctx.config.get('smtp.host') ?? '127.0.0.1').trim().toLowerCase().replace(/\.$/, '');
    const port = ctx.config.get('smtp.port');
    const smtpPort = smtpListener(ctx).port;
    const data = { host, port, smtpPort };
    const known = await staticView(ctx, host, port);
    const evidence: Evidence[] = [];
    if (known.kind === 'redirected' || known.kind === 'missing') {
      evidence.push({ query: `nat OUTPUT: new TCP connection to ${hostPort(host, port)}`, answer: describeOutcome(known.outcome) });
    }
    const needsRedirect: Finding = {
      target: null,
      status: 'fail',
      messageId: 'needs-redirect',
      data,
      evidence,
      fix: {
        kind: 'config',
        summary: `Set smtp.port to ${smtpPort} so Postal's own mail goes straight to its SMTP server (or add the nat OUTPUT redirect that network.alt-ports prints), then postal restart`,
        commands: ['postal restart'],
        // `from` is left out (undefined) when smtp.port is not set anywhere.
        configChanges: [configEdit(ctx.config, 'smtp.port', smtpPort)],
      },
    };

    const attempt = await unlessOffline(() => ctx.probes.tcp.connect({ host, port, readBanner: true, timeoutMs: ctx.options.timeoutMs }));
    if (attempt === null) {
      switch (known.kind) {
        case 'missing':
          return [needsRedirect];
        case 'unreadable':
          return [{ target: null, status: 'unknown', messageId: 'unreadable', data: { ...data, command: known.command, reason: known.reason } }];
        case 'remote':
          return [{ target: null, status: 'skip', messageId: 'remote', data }];
        default:
          return [{ target: null, status: 'pass', messageId: known.kind, data, evidence }];
      }
    }

    evidence.push({
      query: `TCP ${hostPort(host, port)}`,
      answer: { outcome: attempt.outcome, ms: attempt.ms, ...(attempt.code ? { code: attempt.code } : {}), ...(attempt.banner ? { banner: attempt.banner } : {}) },
    });
    const greeting = attempt.outcome === 'banner' ? readGreeting(attempt.banner) : null;
    if (greeting?.postal) return [{ target: null, status: 'pass', messageId: 'ok', data, evidence }];
    if (greeting?.hostname) {
      if (known.kind === 'remote') return [{ target: null, status: 'pass', messageId: 'relay', data, evidence }];
      return [{ target: null, status: 'fail', messageId: 'not-postal', data, evidence }];
    }
    if (known.kind === 'missing') return [needsRedirect];
    if (known.kind === 'unreadable') {
      return [{ target: null, status: 'unknown', messageId: 'unreadable', data: { ...data, command: known.command, reason: known.reason }, evidence }];
    }
    const outcome = attempt.outcome === 'banner' ? 'the greeting is not SMTP (see evidence)' : OUTCOME_WORDS[attempt.outcome];
    return [{ target: null, status: 'fail', messageId: 'not-answering', data: { ...data, outcome }, evidence }];
  },
};
