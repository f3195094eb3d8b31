import type { Evidence } from '../../core/types.js';
import { defineFact } from '../../core/facts.js';
import type { CommandRun } from '../../probes/types.js';

/** The long-running services of Postal's compose project, in the order reports list them (cron and requeuer are Postal 2 only). */
export const POSTAL_SERVICES = ['web', 'smtp', 'worker', 'cron', 'requeuer'] as const;

/** Services every Postal 3 installation runs. */
export const REQUIRED_SERVICES = ['web', 'smtp', 'worker'] as const;

const COMPOSE_PROJECT_LABEL = 'com.docker.compose.project';
const COMPOSE_SERVICE_LABEL = 'com.docker.compose.service';
const COMPOSE_ONEOFF_LABEL = 'com.docker.compose.oneoff';

/** `postal-smtp-1` (Compose v2) or `postal_smtp_1` (docker-compose v1): project, service, replica number. */
const COMPOSE_NAME = /^postal([-_])([a-z0-9]+)\1(\d+)$/;

export interface PostalContainer {
  name: string;
  id: string;
  /** Compose service: web, smtp, worker … */
  service: string;
  /** Replica number from the name (`postal-worker-2` → 2); 1 when the name does not say. */
  replica: number;
  /** `-` for Compose v2 names (`postal-smtp-1`), `_` for docker-compose v1 names (`postal_smtp_1`). */
  separator: '-' | '_';
  /** State.Status: created, running, paused, restarting, removing, exited or dead. */
  status: string;
  running: boolean;
  restarting: boolean;
  exitCode: number | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  restartCount: number;
  /** Config.Image as the container was created from, e.g. ghcr.io/postalserver/postal:3.3.4. */
  image: string;
  /** State.Health.Status when the image or compose file defines a health check. */
  health: string | null;
  /** Config.Env: the image's and the container's environment. */
  env: Record<string, string>;
}

export type DockerProblem = 'not-installed' | 'no-daemon' | 'permission' | 'timeout' | 'error';

export type ContainersFact =
  | { ok: true; containers: PostalContainer[]; evidence: Evidence[] }
  | { ok: false; problem: DockerProblem; reason: string; evidence: Evidence[] };

function firstLine(text: string): string {
  return text.trim().split('\n')[0]?.trim() ?? '';
}

/** docker's warning that it cannot read its own client config (a user whose HOME is another user's, e.g. `sudo` keeping HOME=/root). */
const CONFIG_FILE_WARNING = /^WARNING: Error loading config file:?\s*(\S+?):? .*$/im;

/** Why a docker command did not give an answer, in words an operator acts on; null when it did. */
export function dockerFailure(run: CommandRun, timeoutMs: number): { problem: DockerProblem; reason: string } | null {
  if (run.outcome === 'ok') return null;
  if (run.outcome === 'not-found') return { problem: 'not-installed', reason: 'the docker command is not installed on this host' };
  if (run.outcome === 'timeout') return { problem: 'timeout', reason: `docker did not answer within ${timeoutMs} ms` };
  // The config-file warning says "permission denied" too, but about docker's own config, not the socket.
  const warning = CONFIG_FILE_WARNING.exec(run.stderr);
  const stderr = run.stderr.replace(CONFIG_FILE_WARNING, '');
  const note = warning ? `; docker also cannot read its config file ${warning[1]} (HOME points at another user's home: run as root with sudo -H, or with your own HOME)` : '';
  const said = firstLine(stderr);
  if (/cannot connect to the docker daemon/i.test(said)) return { problem: 'no-daemon', reason: `the Docker daemon is not reachable (${said})${note}` };
  if (/permission denied/i.test(stderr)) {
    return { problem: 'permission', reason: `permission denied on the Docker socket (run as root or as a member of the docker group)${note}` };
  }
  return { problem: 'error', reason: `docker exited with code ${run.exitCode ?? '?'}${said ? ` (${said})` : ''}${note}` };
}

/** `docker ps --format` prints labels as `a=b,c=d`; a value may itself contain commas (config file lists). */
function parseLabelList(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  let last: string | null = null;
  for (const piece of text.split(',')) {
    const equals = piece.indexOf('=');
    if (equals > 0) {
      last = piece.slice(0, equals);
      labels[last] = piece.slice(equals + 1);
    } else if (last !== null) {
      labels[last] += `,${piece}`;
    }
  }
  return labels;
}

function isPostalCandidate(name: string, labels: Record<string, string>): boolean {
  if (labels[COMPOSE_ONEOFF_LABEL]?.toLowerCase() === 'true') return false;
  const project = labels[COMPOSE_PROJECT_LABEL];
  if (project !== undefined) return project === 'postal' && labels[COMPOSE_SERVICE_LABEL] !== 'runner';
  const match = COMPOSE_NAME.exec(name);
  return match !== null && match[2] !== 'runner';
}

/**
 * Container names from `docker ps -a --format '{{json .}}'` (one JSON object per line) that belong to Postal.
 * Docker prints Names and Labels as comma-separated text; Podman's docker command prints a list and an object.
 */
function candidateNames(stdout: string): string[] {
  const names: string[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    const row = JSON.parse(line) as { Names?: string | string[]; Labels?: string | Record<string, string> | null };
    const name = (Array.isArray(row.Names) ? (row.Names[0] ?? '') : (row.Names ?? '').split(',')[0]).trim();
    const labels = typeof row.Labels === 'string' ? parseLabelList(row.Labels) : (row.Labels ?? {});
    if (name && isPostalCandidate(name, labels)) names.push(name);
  }
  return names;
}

interface InspectObject {
  Id?: string;
  Name?: string;
  RestartCount?: number;
  State?: {
    Status?: string;
    Running?: boolean;
    Restarting?: boolean;
    ExitCode?: number;
    StartedAt?: string;
    FinishedAt?: string;
    Health?: { Status?: string };
  };
  Config?: { Image?: string; Env?: string[] | null; Labels?: Record<string, string> | null };
}

/** Docker writes `0001-01-01T00:00:00Z` for "never". */
function dockerTime(text: string | undefined): Date | null {
  if (!text) return null;
  const time = new Date(text);
  return Number.isNaN(time.getTime()) || time.getUTCFullYear() < 1970 ? null : time;
}

function parseEnv(list: string[] | null | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const item of list ?? []) {
    const equals = item.indexOf('=');
    if (equals > 0) env[item.slice(0, equals)] = item.slice(equals + 1);
  }
  return env;
}

function toContainer(object: InspectObject): PostalContainer | null {
  const name = (object.Name ?? '').replace(/^\//, '');
  const labels = object.Config?.Labels ?? {};
  if (!isPostalCandidate(name, labels)) return null;
  const match = COMPOSE_NAME.exec(name);
  const service = labels[COMPOSE_SERVICE_LABEL] ?? match?.[2];
  if (!service) return null;
  const state = object.State ?? {};
  return {
    name,
    id: object.Id ?? '',
    service,
    replica: match ? Number(match[3]) : 1,
    separator: match?.[1] === '_' ? '_' : '-',
    status: state.Status ?? 'unknown',
    running: state.Running === true,
    restarting: state.Restarting === true || state.Status === 'restarting',
    exitCode: typeof state.ExitCode === 'number' ? state.ExitCode : null,
    startedAt: dockerTime(state.StartedAt),
    finishedAt: dockerTime(state.FinishedAt),
    restartCount: object.RestartCount ?? 0,
    image: object.Config?.Image ?? '',
    health: state.Health?.Status ?? null,
    env: parseEnv(object.Config?.Env),
  };
}

/** Position of a service in report order; services Postal does not define come last. */
export function serviceRank(service: string): number {
  const index = (POSTAL_SERVICES as readonly string[]).indexOf(service);
  return index === -1 ? POSTAL_SERVICES.length : index;
}

/** Services in report order, then replicas in order, then names. */
export function byServiceOrder(a: PostalContainer, b: PostalContainer): number {
  return serviceRank(a.service) - serviceRank(b.service) || a.service.localeCompare(b.service) || a.replica - b.replica || a.name.localeCompare(b.name);
}

/**
 * Postal's containers as Docker reports them, read once per run: `docker ps -a` to find them (compose labels
 * `com.docker.compose.project=postal`, or the names `postal-<service>-N` / legacy `postal_<service>_N`),
 * then `docker inspect` for state, start time, restart count, image and environment. Transient `runner`
 * containers are left out. Never throws: a missing docker, a stopped daemon or a denied socket is a reason.
 */
export const postalContainers = defineFact({
  name: 'Postal containers',
  probes: ['commands'],
  async compute(ctx): Promise<ContainersFact> {
    const timeoutMs = ctx.options.timeoutMs;
    const listArgs = ['ps', '-a', '--no-trunc', '--format', '{{json .}}'];
    const list = await ctx.probes.commands.run('docker', listArgs, { timeoutMs });
    const evidence: Evidence[] = [{ query: `docker ${listArgs.join(' ')}`, answer: list.outcome === 'ok' ? 'ok' : { outcome: list.outcome, exitCode: list.exitCode, stderr: firstLine(list.stderr) } }];
    const listFailure = dockerFailure(list, timeoutMs);
    if (listFailure) return { ok: false, ...listFailure, evidence };

    let names: string[];
    try {
      names = candidateNames(list.stdout);
    } catch {
      return { ok: false, problem: 'error', reason: 'docker ps printed something that is not JSON', evidence };
    }
    evidence[0].answer = names;
    if (names.length === 0) return { ok: true, containers: [], evidence };

    const inspect = await ctx.probes.commands.run('docker', ['inspect', ...names], { timeoutMs });
    evidence.push({ query: `docker inspect ${names.join(' ')}`, answer: inspect.outcome === 'ok' ? 'ok' : { outcome: inspect.outcome, exitCode: inspect.exitCode, stderr: firstLine(inspect.stderr) } });
    // A container removed between the two calls makes inspect exit 1 while still printing the others.
    let objects: InspectObject[] | null = null;
    try {
      const parsed: unknown = JSON.parse(inspect.stdout || 'null');
      if (Array.isArray(parsed) && (parsed.length > 0 || inspect.outcome === 'ok')) objects = parsed as InspectObject[];
    } catch {
      objects = null;
    }
    if (objects === null) {
      const failure = dockerFailure(inspect, timeoutMs) ?? { problem: 'error' as const, reason: 'docker inspect printed something that is not a JSON array' };
      return { ok: false, ...failure, evidence };
    }
    const containers = objects.map(toContainer).filter((container): container is PostalContainer => container !== null);
    containers.sort(byServiceOrder);
    return { ok: true, containers, evidence };
  },
});

/** The containers of one service (all replicas), in order. */
export function containersOf(containers: readonly PostalContainer[], service: string): PostalContainer[] {
  return containers.filter((container) => container.service === service);
}

/**
 * The name a service's first container has or would have: the existing one, else `postal-<service>-1`
 * (or `postal_<service>_1` when this host's other Postal containers use docker-compose v1 names).
 */
export function containerNameFor(containers: readonly PostalContainer[], service: string): string {
  const existing = containersOf(containers, service)[0];
  if (existing) return existing.name;
  const separator = containers.some((container) => container.separator === '_') ? '_' : '-';
  return `postal${separator}${service}${separator}1`;
}

/**
 * The environment every running web, smtp and worker container shares (same name, same value): what
 * Postal's config sees on top of postal.yml. Variables that differ between containers are left out;
 * config.env-overrides reports them container by container.
 */
export function sharedEnvironment(containers: readonly PostalContainer[]): Record<string, string> {
  const postal = containers.filter((container) => container.running && (REQUIRED_SERVICES as readonly string[]).includes(container.service));
  if (postal.length === 0) return {};
  const [first, ...rest] = postal;
  return Object.fromEntries(Object.entries(first.env).filter(([name, value]) => rest.every((container) => container.env[name] === value)));
}
