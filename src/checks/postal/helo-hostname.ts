import type { CheckContext, CheckDefinition, ConfigChange, Evidence, Fix, Status } from '../../core/types.js';
import { placeholderOf } from '../../knowledge/hostnames.js';
import { sh, shellComment } from '../../util/shell.js';
import { isGlobalAddress, normaliseHostname, reverseName } from '../../util/ip.js';
import { unlessOffline } from '../../core/probe-access.js';
import { defaultHelo, heloSharers, ipPools, outboundIps, type SendingIp } from '../../knowledge/postal/outbound-ips.js';
import { containerNameFor, containersOf, postalContainers, type PostalContainer } from '../../knowledge/postal/containers.js';
import { fileValue } from '../../knowledge/postal/config-files.js';
import { writtenPathFor } from '../../config/keys.js';
import { COMPOSE_FILE, parseVersion, postalVersion } from '../../knowledge/postal/version.js';
import { mainDbCommand, poolHostnameSql } from '../../knowledge/postal/pool-hostname-fix.js';
import { lookup } from '../../knowledge/dns/lookups.js';
import { judgeEach } from '../../core/options.js';

type CauseId =
  | 'env-override'
  | 'legacy-key'
  | 'pools-ignore-helo'
  | 'pool-hostname-not-ptr'
  | 'helo-not-ptr'
  | 'restart-needed'
  | 'pools-unread';

interface Cause {
  id: CauseId;
  status: Status;
  text: string;
}

/** The name the worker sends when no pool IP is chosen, and why. */
interface DefaultHelo {
  name: string;
  why: string;
  /** The environment variable that decides it, when one does. */
  variable: string | null;
}

type PoolMode = 'off' | 'on' | 'on-empty' | 'on-unread';

/** PTR names of a public IP: [] when it has none, null when that is not known (a private IP, --offline, a failed lookup). */
async function ptrNames(ctx: CheckContext, ip: string): Promise<string[] | null> {
  if (!isGlobalAddress(ip)) return null;
  const answer = await unlessOffline(() => lookup(ctx, reverseName(ip), 'PTR'));
  if (answer === null || answer.status === 'error') return null;
  return answer.status === 'answer' ? answer.records : [];
}

function nonEmpty(value: string | undefined): string | null {
  return value !== undefined && value.trim() !== '' ? value.trim() : null;
}

/** The worker whose environment and start time decide the HELO: the first running one. */
function sendingWorker(workers: PostalContainer[]): PostalContainer | null {
  return workers.find((worker) => worker.running) ?? workers[0] ?? null;
}

/**
 * dns.helo_hostname → postal.smtp_hostname → default, with the worker's environment on top of the file
 * (Postal gives environment variables precedence). Without the containers' environment, the config's own view.
 */
function defaultHeloOf(ctx: CheckContext, worker: PostalContainer | null): DefaultHelo {
  const env = worker?.env ?? null;
  const inEnv = (variable: string, key: 'dns.helo_hostname' | 'postal.smtp_hostname') =>
    env ? nonEmpty(env[variable]) : ctx.config.entry(key).origin === 'env' ? nonEmpty(String(ctx.config.get(key) ?? '')) : null;
  const where = worker ? `the environment of ${worker.name}` : 'the environment';
  const envHelo = inEnv('DNS_HELO_HOSTNAME', 'dns.helo_hostname');
  if (envHelo) return { name: normaliseHostname(envHelo), why: `DNS_HELO_HOSTNAME in ${where}`, variable: 'DNS_HELO_HOSTNAME' };
  const fileHelo = fileValue(ctx.config, 'dns.helo_hostname');
  if (fileHelo.written) return { name: normaliseHostname(fileHelo.text), why: `dns.helo_hostname in postal.yml, line ${fileHelo.line}`, variable: null };
  const envSmtp = inEnv('POSTAL_SMTP_HOSTNAME', 'postal.smtp_hostname');
  if (envSmtp) return { name: normaliseHostname(envSmtp), why: `POSTAL_SMTP_HOSTNAME in ${where}, as dns.helo_hostname is not set`, variable: 'POSTAL_SMTP_HOSTNAME' };
  const fileSmtp = fileValue(ctx.config, 'postal.smtp_hostname');
  if (fileSmtp.written) return { name: defaultHelo(ctx), why: `${fileSmtp.path} in postal.yml, line ${fileSmtp.line}, as dns.helo_hostname is not set`, variable: null };
  return { name: defaultHelo(ctx), why: 'the built-in default of postal.smtp_hostname, as neither dns.helo_hostname nor postal.smtp_hostname is set', variable: null };
}

function poolMode(pools: Awaited<ReturnType<typeof ipPools>>): PoolMode {
  if (pools.state === 'disabled') return 'off';
  if (pools.state === 'read' && pools.result.ok) return pools.result.addresses.length > 0 ? 'on' : 'on-empty';
  return 'on-unread';
}

/** `helo_hostname` written anywhere but `dns.helo_hostname`: Postal never reads it there. */
function misplacedHeloKeys(ctx: CheckContext) {
  return ctx.config.writtenKeys().filter((entry) => /(^|\.)helo_hostname$/.test(entry.path) && entry.path !== 'dns.helo_hostname' && typeof entry.value === 'string' && entry.value.trim() !== '');
}

/** The smtp hostname under the other format's key: `dns.smtp_server_hostname` in a version 2 file, `postal.smtp_hostname` in a legacy one. */
function otherFormatSmtpKey(ctx: CheckContext) {
  const other = ctx.config.format === 2 ? 'dns.smtp_server_hostname' : 'postal.smtp_hostname';
  if (fileValue(ctx.config, 'postal.smtp_hostname').written) return null;
  return ctx.config.writtenKeys().find((entry) => entry.path === other && typeof entry.value === 'string' && entry.value.trim() !== '') ?? null;
}

interface Sending {
  entry: SendingIp;
  helo: string | null;
  why: string;
  ptr: string[] | null;
}

function sendingText(rows: Sending[], mode: PoolMode, fallback: DefaultHelo): string {
  const lines = rows.map(({ entry, helo, why, ptr }) => {
    const ptrText = ptr === null ? '' : ptr.length === 0 ? '; it has no PTR' : `; PTR ${ptr.join(', ')}`;
    return `From ${entry.ip} Postal says HELO ${helo === '' ? '"" (an empty name)' : (helo ?? '?')} (${why}${ptrText}).`;
  });
  if (mode === 'on') lines.push(`Mail sent without a pool IP (a server without a pool, mail forwarded by routes) says HELO ${fallback.name} (${fallback.why}).`);
  if (mode === 'on-unread') lines.unshift(`IP pools are on but were not read, so the HELO of each pool IP (its own hostname) is unknown; without a pool IP Postal says HELO ${fallback.name} (${fallback.why}).`);
  if (rows.length === 0 && mode !== 'on-unread') lines.push(`No outbound IP is known; Postal says HELO ${fallback.name} (${fallback.why}).`);
  return lines.join(' ');
}

export const postalHeloHostnameCheck: CheckDefinition = {
  id: 'postal.helo-hostname',
  group: 'postal',
  order: 30,
  title: 'dns.helo_hostname takes effect: right place, not ignored for pool IPs, not overridden, loaded',
  targets: 'none',
  probes: ['commands', 'files', 'database', 'host', 'dns'],
  network: false,
  messages: {
    ok: { title: 'Postal says HELO with the intended name', message: '{sending}{also}' },
    'env-override': { title: "The worker's environment decides the HELO name", message: '{cause} {sending}{also}' },
    'misplaced-key': { title: 'helo_hostname is misplaced: see config.unknown-keys', message: '{cause} {sending}{also}' },
    'legacy-key': { title: 'The SMTP hostname is under a key this file format ignores', message: '{cause} {sending}{also}' },
    'pools-ignore-helo': { title: 'dns.helo_hostname is ignored for pool IPs', message: '{cause} {sending}{also}' },
    'pool-hostname-not-ptr': { title: "A pool IP's hostname is not its PTR name", message: '{cause} {sending}{also}' },
    'placeholder-name': { title: 'Postal says HELO with a placeholder name: see config.hostnames', message: '{cause} {sending}{also}' },
    'helo-not-ptr': { title: 'The HELO name is not the PTR name of the sending IP', message: '{cause} {sending}{also}' },
    'restart-needed': { title: 'The worker started before postal.yml last changed', message: '{cause} {sending}{also}' },
    'pools-unread': { title: 'HELO names of the pool IPs: could not be determined', message: '{cause} {sending}{also}' },
  },
  async run(ctx) {
    const [containers, pools, ips, version] = await Promise.all([postalContainers(ctx), ipPools(ctx), outboundIps(ctx), postalVersion(ctx)]);
    const evidence: Evidence[] = [];
    const all = containers.ok ? containers.containers : [];
    const workers = containersOf(all, 'worker');
    const worker = sendingWorker(workers);
    const fallback = defaultHeloOf(ctx, worker);
    const mode = poolMode(pools);
    if (!containers.ok) evidence.push({ query: 'docker', answer: containers.reason });
    if (worker) {
      const relevant = Object.entries(worker.env).filter(([name]) => name === 'DNS_HELO_HOSTNAME' || name === 'POSTAL_SMTP_HOSTNAME');
      evidence.push({ query: `docker inspect ${worker.name} Config.Env (HELO variables)`, answer: relevant.map(([name, value]) => `${name}=${value}`) });
    }

    const ptrs = await judgeEach(ctx.options, ips, (entry) => ptrNames(ctx, entry.ip));
    const rows: Sending[] = ips.map((entry, index) => {
      const ptr = ptrs[index];
      if (entry.source === 'db') {
        const why = entry.hostname === null ? `the pool row has no hostname (NULL), so Net::SMTP says localhost` : `the hostname of this IP in pool ${entry.pool ?? '?'}`;
        return { entry, helo: entry.helo, why, ptr };
      }
      return { entry, helo: fallback.name, why: fallback.why, ptr };
    });
    const poolRows = rows.filter(({ entry }) => entry.source === 'db');
    const plainRows = rows.filter(({ entry }) => entry.source !== 'db');
    for (const row of rows) evidence.push({ query: `HELO from ${row.entry.ip}`, answer: { helo: row.helo, because: row.why, ptr: row.ptr } });
    // Without pool IPs in play, the default HELO is what every message says.
    const defaultMatters = mode !== 'on';

    const causes: Cause[] = [];
    const fileHelo = fileValue(ctx.config, 'dns.helo_hostname');
    const fileSmtp = fileValue(ctx.config, 'postal.smtp_hostname');

    if (fallback.variable) {
      const fileSide =
        fallback.variable === 'DNS_HELO_HOSTNAME'
          ? fileHelo.written
            ? `dns.helo_hostname: ${fileHelo.text} in postal.yml`
            : 'postal.yml, which does not set dns.helo_hostname'
          : `postal.smtp_hostname: ${fileSmtp.text ?? '(not set)'} in postal.yml`;
      const fileName = fallback.variable === 'DNS_HELO_HOSTNAME' ? (fileHelo.written ? normaliseHostname(fileHelo.text) : null) : fileSmtp.text && normaliseHostname(fileSmtp.text);
      if (fileName !== fallback.name) {
        causes.push({ id: 'env-override', status: 'warn', text: `${fallback.variable}=${fallback.name} in ${worker ? `the environment of ${worker.name}` : 'the environment'} overrides ${fileSide}: Postal gives the environment precedence.` });
      }
    }
    // A misplaced key is config.unknown-keys' finding, with the move that fixes it: here it is only pointed to,
    // and what the move will fix (a placeholder or non-PTR HELO) is not reported a second time.
    const misplaced = fallback.variable === 'DNS_HELO_HOSTNAME' || fileHelo.written ? [] : misplacedHeloKeys(ctx);
    const pointer =
      misplaced.length > 0
        ? `${misplaced.map((entry) => `${entry.path} (line ${entry.line})`).join(', ')} ${misplaced.length === 1 ? 'is' : 'are'} where Postal does not read the HELO name: config.unknown-keys reports it with the move to dns.helo_hostname; until then Postal says HELO ${fallback.name}.`
        : null;
    const otherKey = fallback.variable || fileHelo.written || misplaced.length > 0 ? null : otherFormatSmtpKey(ctx);
    if (otherKey) {
      const format = ctx.config.format === 2 ? 'a version 2 file, which reads postal.smtp_hostname' : 'a legacy (version 1) file, which reads dns.smtp_server_hostname';
      causes.push({ id: 'legacy-key', status: 'warn', text: `${otherKey.path} (line ${otherKey.line}) is ignored in ${format}; with dns.helo_hostname unset, the HELO falls back to ${fallback.name}.` });
    }

    const configured = fallback.variable === 'DNS_HELO_HOSTNAME' || fileHelo.written ? fallback.name : null;
    const ignoredFor = poolRows.filter(({ helo }) => configured !== null && helo !== configured);
    if (configured && ignoredFor.length > 0) {
      causes.push({ id: 'pools-ignore-helo', status: 'warn', text: `IP pools are on: a message that gets a pool IP says HELO with that IP's hostname, and dns.helo_hostname (${configured}) is not used for ${ignoredFor.map(({ entry }) => entry.ip).join(', ')}.` });
    }
    const poolMismatch = poolRows.filter(({ helo, ptr }) => ptr !== null && ptr.length > 0 && (helo === null || !ptr.includes(helo)));
    if (poolMismatch.length > 0) {
      const list = poolMismatch.map(({ entry, helo, ptr }) => `${entry.ip} has hostname ${helo ?? '(none)'} but PTR ${ptr!.join(', ')}`).join('; ');
      causes.push({ id: 'pool-hostname-not-ptr', status: 'warn', text: `${list}. Postal says HELO with the pool row's hostname, so it must be the PTR name.` });
    }
    const wantedPtr = defaultMatters ? singlePtr(plainRows) : null;
    // A placeholder HELO is config.hostnames' finding (the key is a placeholder there too): pointed to, with the PTR name when known.
    const placeholder =
      !pointer && defaultMatters && placeholderOf(fallback.name) !== null
        ? `${fallback.name} is a placeholder, not this server's name: config.hostnames reports it with the change to make${wantedPtr ? ` (the PTR name of the sending IP is ${wantedPtr})` : ''}.`
        : null;
    const pointers = [pointer, placeholder].filter((text): text is string => text !== null);
    const heloNotPtr = defaultMatters && pointers.length === 0 ? plainRows.filter(({ ptr }) => ptr !== null && ptr.length > 0 && !ptr.includes(fallback.name)) : [];
    if (heloNotPtr.length > 0) {
      causes.push({ id: 'helo-not-ptr', status: 'warn', text: `${heloNotPtr.map(({ entry, ptr }) => `PTR ${entry.ip} -> ${ptr!.join(', ')}`).join('; ')}, but the HELO is ${fallback.name}.` });
    }
    // Last: a restart only helps once the file says the right thing.
    const stale = await staleWorkers(ctx, workers, evidence);
    if (stale.length > 0) {
      causes.push({ id: 'restart-needed', status: 'warn', text: `postal.yml changed after ${stale.map(({ name }) => name).join(', ')} started; the worker reads it only at start, so it still sends the HELO of the old file.` });
    }

    if (mode === 'on-unread') causes.push({ id: 'pools-unread', status: 'unknown', text: 'The HELO names of the pool IPs could not be read from the database (see postal.ip-pools).' });

    const sending = sendingText(rows, mode, fallback);
    const unchecked = containers.ok ? '' : ` The worker's environment and start time were not checked: ${containers.reason}.`;
    if (causes.length === 0 && pointers.length > 0) {
      return [{ target: null, status: 'skip', messageId: pointer ? 'misplaced-key' : 'placeholder-name', data: { cause: pointers[0]!, sending, also: unchecked }, evidence }];
    }
    if (causes.length === 0) return [{ target: null, status: 'pass', messageId: 'ok', data: { sending, also: unchecked }, evidence }];

    const primary = causes.find((cause) => cause.status === 'warn') ?? causes[0];
    const others = causes.filter((cause) => cause !== primary).map((cause) => cause.text);
    const also = [...others, ...pointers].map((text) => ` Also: ${text}`).join('') + unchecked;
    const status: Status = causes.some((cause) => cause.status === 'warn') ? 'warn' : 'unknown';
    const workerNames = workers.length > 0 ? workers.map(({ name }) => name) : [containerNameFor(all, 'worker')];
    // A row's hostname is the HELO of both its addresses: rename it only when that suits every one of them.
    const poolRenames: Array<Sending & { sameRow: string[] }> = [];
    const poolPtrRequests: Sending[] = [];
    for (const row of poolMismatch) {
      const sameRow = (await heloSharers(ctx, row.entry)).map((mate) => mate.ip);
      const suits = sameRow.every((ip) => poolMismatch.some((other) => other.entry.ip === ip && other.ptr![0] === row.ptr![0]));
      if (suits) poolRenames.push({ ...row, sameRow });
      else poolPtrRequests.push(row);
    }
    const fix = buildFix(ctx, { causes, all, workerNames, fallback, mode, otherKey, poolRenames, poolPtrRequests, wantedPtr, stale, version: version.version });
    return [{ target: null, status, messageId: primary.id, data: { cause: primary.text, sending, also }, evidence, ...(fix ? { fix } : {}) }];
  },
};

/** The one PTR name the non-pool IPs share, when they share exactly one. */
function singlePtr(rows: Sending[]): string | null {
  const names = new Set(rows.flatMap(({ ptr }) => (ptr && ptr.length > 0 ? [ptr[0]] : [])));
  return names.size === 1 ? [...names][0] : null;
}

async function staleWorkers(ctx: CheckContext, workers: PostalContainer[], evidence: Evidence[]): Promise<PostalContainer[]> {
  const running = workers.filter((worker) => worker.running && worker.startedAt);
  if (running.length === 0) return [];
  const info = await ctx.probes.files.stat(ctx.config.path);
  if (!info.ok) return [];
  const modified = info.value.mtime;
  evidence.push({ query: `mtime ${ctx.config.path}`, answer: modified.toISOString() });
  return running.filter((worker) => worker.startedAt!.getTime() < modified.getTime());
}

interface FixInput {
  causes: Cause[];
  all: PostalContainer[];
  /** The worker containers (all replicas), or the name the worker would have. */
  workerNames: string[];
  fallback: DefaultHelo;
  mode: PoolMode;
  otherKey: ReturnType<typeof otherFormatSmtpKey>;
  /** Pool IPs whose row can take the PTR name as hostname, with the other addresses of that row. */
  poolRenames: Array<Sending & { sameRow: string[] }>;
  /** Pool IPs whose row's hostname also names another address: their PTR must change instead. */
  poolPtrRequests: Sending[];
  wantedPtr: string | null;
  stale: PostalContainer[];
  version: string | null;
}

function has(input: FixInput, id: CauseId): boolean {
  return input.causes.some((cause) => cause.id === id);
}

/**
 * The proper fix (the key where Postal reads it, each pool IP's hostname set to its PTR name, the variable
 * removed, the worker restarted) and, as comments beside it, the restart workaround operators pass around.
 */
function buildFix(ctx: CheckContext, input: FixInput): Fix | null {
  const summary: string[] = [];
  const configChanges: ConfigChange[] = [];
  const commands: string[] = [];
  const { workerNames } = input;
  const fileHelo = fileValue(ctx.config, 'dns.helo_hostname');
  // The name the default HELO should be: the shared PTR name of the sending IPs.
  const wanted = input.wantedPtr;

  if (has(input, 'env-override') && input.fallback.variable) {
    summary.push(`Remove ${input.fallback.variable} from the environment of ${workerNames.join(', ')} (the worker's environment: in ${COMPOSE_FILE}) and recreate it with postal start, so that postal.yml decides`);
    // A restart keeps a container's environment; only recreating it from the edited compose file drops the variable.
    commands.push('postal start');
  }
  if (input.otherKey) {
    const right = ctx.config.format === 2 ? 'postal.smtp_hostname' : 'dns.smtp_server_hostname';
    configChanges.push({ path: input.otherKey.path, from: input.otherKey.value }, { path: right, to: input.otherKey.value });
    summary.push(`Write the SMTP hostname as ${right}, the key this file format reads`);
  }
  const heloProblem = has(input, 'helo-not-ptr');
  const writtenHelo = fileHelo.written ? normaliseHostname(fileHelo.text) : null;
  if (heloProblem && wanted && writtenHelo !== wanted) {
    configChanges.push({ path: writtenPathFor(ctx.config, 'dns.helo_hostname') ?? 'dns.helo_hostname', from: fileHelo.written ? fileHelo.text : undefined, to: wanted });
    summary.push(`Set dns.helo_hostname to ${wanted}, the PTR name of the sending IP`);
  } else if (heloProblem && !wanted) {
    summary.push('Set dns.helo_hostname to the PTR name of the sending IP (ask the provider for a PTR first: see dns.ptr)');
  }

  if (input.poolRenames.length > 0) {
    // One statement per row: its addresses share the hostname, and all of them want the same name here.
    const renamed = new Set<string>();
    for (const { entry, ptr, sameRow } of input.poolRenames) {
      if (sameRow.some((ip) => renamed.has(ip))) continue;
      renamed.add(entry.ip);
      commands.push(mainDbCommand(ctx, poolHostnameSql(entry.ip, ptr![0])));
    }
    const changes = input.poolRenames.map(({ entry, helo, ptr }) => `${entry.ip} → ${ptr![0]} (now ${helo ?? 'empty'})`).join(', ');
    const pools = [...new Set(input.poolRenames.map(({ entry }) => entry.pool ?? '?'))].join(', ');
    summary.push(`Set each pool IP's hostname to its PTR name: ${changes} — in the web interface under IP Pools → ${pools} → the IP → Hostname, or with the SQL shown (it asks for the main_db password)`);
  }
  if (input.poolPtrRequests.length > 0) {
    const requests = input.poolPtrRequests.map(({ entry, helo }) => `${entry.ip} → ${helo ?? '?'}`).join(', ');
    summary.push(`Ask the provider to change the PTR of ${requests}: the pool row's hostname is the HELO of its other address too, which it suits`);
  }

  if (configChanges.length > 0 || input.stale.length > 0) {
    commands.push(sh`docker restart ${workerNames}`);
    summary.push(configChanges.length > 0 ? 'then restart the worker, which reads postal.yml only at start' : 'Restart the worker so that it reads the current postal.yml');
  }
  if (has(input, 'pools-ignore-helo') && input.poolRenames.length + input.poolPtrRequests.length === 0) {
    summary.push("For pool IPs, the HELO name is each IP's hostname in the pool (IP Pools in the web interface); dns.helo_hostname applies only to mail sent without a pool IP");
  }

  // The workaround needs a name to send; the file's own dns.helo_hostname is the operator's intent when nothing better is known.
  const heloName = wanted ?? (fileHelo.written ? normaliseHostname(fileHelo.text) : null);
  // Shown also when pools make it pointless: that is exactly when operators reach for it and wonder why it fails.
  const publicName = normaliseHostname(fileValue(ctx.config, 'postal.smtp_hostname').text ?? '');
  if (heloName && heloName !== publicName && (heloName !== input.fallback.name || input.mode === 'on')) commands.push(...workaround(ctx, input, heloName));
  if (summary.length === 0 && commands.length === 0) return null;
  // An edit of the compose file is work for a person: as a restart fix it would show only its restart commands.
  const byHand = has(input, 'env-override');
  const kind = configChanges.length > 0 ? 'config' : input.poolRenames.length > 0 ? 'database' : input.poolPtrRequests.length > 0 ? 'provider' : !byHand && input.stale.length > 0 ? 'restart' : 'manual';
  const sentence = summary.map((part, index) => (index === 0 ? part : part.charAt(0).toLowerCase() + part.slice(1))).join('; ');
  return { summary: sentence, commands, kind, ...(configChanges.length > 0 ? { configChanges } : {}) };
}

/**
 * The workaround, as comments in the order it must be done: postal.yml names the HELO host while the
 * sending container (the worker) restarts, then the public name again for the others.
 */
function workaround(ctx: CheckContext, input: FixInput, heloName: string): string[] {
  const key = ctx.config.format === 1 ? 'dns.smtp_server_hostname' : 'postal.smtp_hostname';
  const fileSmtp = fileValue(ctx.config, 'postal.smtp_hostname');
  const publicName = fileSmtp.text ?? '<your-hostname>';
  const workers = input.workerNames;
  const found = input.all.filter((container) => container.service !== 'worker').map(({ name }) => name);
  const others = found.length > 0 ? found : [containerNameFor(input.all, 'smtp'), containerNameFor(input.all, 'web')];
  const smtp = containerNameFor(input.all, 'smtp');
  const web = containerNameFor(input.all, 'web');
  const major = input.version ? parseVersion(input.version)?.[0] : null;
  const release = major ? `Postal ${major}` : 'Postal 3 (and 2)';
  const lines = [
    `Restart workaround operators use instead (undone by the next restart of the worker: postal restart, an upgrade, a reboot):`,
    `  1. In postal.yml set ${key}: ${heloName} (now ${publicName})`,
    `  2. ${sh`docker restart ${workers}`}  -> the worker sends outbound mail in ${release}; it now says EHLO ${heloName}`,
    `  3. In postal.yml set ${key} back to ${publicName}`,
    `  4. ${sh`docker restart ${others}`}  -> the SMTP banner and the web interface name ${publicName} again (needed only if they restarted in between)`,
    `  Restarting ${smtp} and then ${web} instead, as some guides say, does not change the HELO: the smtp container only receives mail, and its banner would name ${heloName}.`,
  ];
  if (input.mode === 'on') lines.push('  Pointless here: IP pools are on, and a message sent from a pool IP says HELO with that IP\'s hostname.');
  if (input.fallback.variable === 'DNS_HELO_HOSTNAME') lines.push(`  Pointless here: DNS_HELO_HOSTNAME in the worker's environment takes precedence over ${key}.`);
  else if (input.fallback.variable === 'POSTAL_SMTP_HOSTNAME') lines.push(`  Pointless here: POSTAL_SMTP_HOSTNAME in the worker's environment overrides ${key} in the file.`);
  else if (fileValue(ctx.config, 'dns.helo_hostname').written) lines.push(`  Pointless here: dns.helo_hostname is set, and it takes precedence over ${key}.`);
  return lines.map(shellComment);
}
