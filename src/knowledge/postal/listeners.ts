import type { PostalProcess } from '../../config/effective.js';
import type { ConfigKey } from '../../config/schema.js';
import type { Context } from '../../core/types.js';
import { processConfig } from './process-config.js';

/**
 * The variables Postal's processes read for their own listeners, outside the config library, by container service,
 * with the config key each one beats (postalserver/postal 3.3.6):
 * - web: config/puma.rb:7-8, `ENV.fetch("BIND_ADDRESS", web_server.default_bind_address)` and `ENV.fetch("PORT", web_server.default_port)`;
 * - smtp: app/lib/smtp_server/server.rb:73-74, the same two variables over smtp_server.default_bind_address / default_port;
 * - health servers: app/util/health_server.rb:55-56, `ENV.fetch("HEALTH_SERVER_PORT", default_port)` and
 *   `ENV.fetch("HEALTH_SERVER_BIND_ADDRESS", default_bind_address)`, the defaults being worker.default_health_server_*
 *   (script/worker.rb:9-13) and smtp_server.default_health_server_* (script/smtp_server.rb:9-13).
 */
export const LISTENER_VARIABLES: Readonly<Record<string, Partial<Record<PostalProcess, ConfigKey>>>> = {
  PORT: { web: 'web_server.default_port', smtp: 'smtp_server.default_port' },
  BIND_ADDRESS: { web: 'web_server.default_bind_address', smtp: 'smtp_server.default_bind_address' },
  HEALTH_SERVER_PORT: { worker: 'worker.default_health_server_port', smtp: 'smtp_server.default_health_server_port' },
  HEALTH_SERVER_BIND_ADDRESS: { worker: 'worker.default_health_server_bind_address', smtp: 'smtp_server.default_health_server_bind_address' },
};

export type ListenerId = 'web' | 'smtp' | 'worker-health' | 'smtp-health';

interface ListenerSpec {
  process: PostalProcess;
  /** What listens, for messages: "Postal's web server", "the worker's health server". */
  name: string;
  bindKey: ConfigKey;
  portKey: ConfigKey;
}

const SPECS: Record<ListenerId, ListenerSpec> = {
  web: { process: 'web', name: "Postal's web server", bindKey: 'web_server.default_bind_address', portKey: 'web_server.default_port' },
  smtp: { process: 'smtp', name: "Postal's SMTP server", bindKey: 'smtp_server.default_bind_address', portKey: 'smtp_server.default_port' },
  'worker-health': { process: 'worker', name: "the worker's health server", bindKey: 'worker.default_health_server_bind_address', portKey: 'worker.default_health_server_port' },
  'smtp-health': { process: 'smtp', name: "the SMTP server's health server", bindKey: 'smtp_server.default_health_server_bind_address', portKey: 'smtp_server.default_health_server_port' },
};

/** Where one half of a listener (its address or its port) comes from. */
export interface ListenerSetting {
  /** The config key the value is, or would be, read from. */
  key: ConfigKey;
  /** The variable that gives the value: the listener's own (HEALTH_SERVER_PORT) or the key's (WORKER_DEFAULT_HEALTH_SERVER_PORT); null for postal.yml or the default. */
  variable: string | null;
  /** The value as Postal has it. */
  text: string;
  /** The container whose environment sets `variable`; null when it is the environment the Postal containers share. */
  container: string | null;
}

export interface PostalListener {
  id: ListenerId;
  process: PostalProcess;
  name: string;
  bind: string;
  port: number;
  bindSetting: ListenerSetting;
  portSetting: ListenerSetting;
  /**
   * `read`: the process's running container and its environment were read; `no-container`: the containers were
   * read and none runs this process; `not-read`: the containers could not be read, so variables set in them are not known.
   */
  environment: 'read' | 'no-container' | 'not-read';
  /** The container running the process, when `read`. */
  container: string | null;
}

/** The listener variable that overrides `key` for `process` (HEALTH_SERVER_PORT for worker.default_health_server_port). */
export function listenerVariable(process: PostalProcess, key: ConfigKey): string | null {
  return Object.entries(LISTENER_VARIABLES).find(([, keys]) => keys[process] === key)?.[0] ?? null;
}

/**
 * Ruby's ENV.fetch hands the process any value, even an empty one; an empty or non-numeric port would make the
 * process fail to listen or listen where no one looks, which config.env-overrides reports. Here such a value is
 * left out and the config's value stands.
 */
function usable(value: string | undefined, kind: 'bind' | 'port'): string | null {
  if (value === undefined) return null;
  const text = value.trim();
  if (text === '') return null;
  if (kind === 'port' && !(/^\d{1,5}$/.test(text) && Number(text) > 0 && Number(text) <= 65535)) return null;
  return text;
}

function setting(ctx: Pick<Context, 'config'>, process: PostalProcess, key: ConfigKey, kind: 'bind' | 'port'): ListenerSetting {
  const { config, container, env } = processConfig(ctx, process);
  const variable = listenerVariable(process, key);
  const own = variable ? usable(env[variable], kind) : null;
  if (variable && own !== null) return { key, variable, text: own, container };
  const entry = config.entry(key);
  const text = String(config.get(key) ?? '').trim();
  if (entry.origin === 'env' && entry.source) return { key, variable: entry.source, text, container };
  return { key, variable: null, text, container: null };
}

/** Where one of Postal's processes listens, given its running container's environment (see LISTENER_VARIABLES). */
export function postalListener(ctx: Pick<Context, 'config'>, id: ListenerId): PostalListener {
  const spec = SPECS[id];
  const bindSetting = setting(ctx, spec.process, spec.bindKey, 'bind');
  const portSetting = setting(ctx, spec.process, spec.portKey, 'port');
  const { container } = processConfig(ctx, spec.process);
  const environment = ctx.config.processes === undefined ? 'not-read' : container === null ? 'no-container' : 'read';
  return { id, process: spec.process, name: spec.name, bind: bindSetting.text, port: Number(portSetting.text), bindSetting, portSetting, environment, container };
}

/** Every listener of Postal's processes: the web server, the SMTP server and the two health servers. */
export function postalListeners(ctx: Pick<Context, 'config'>): PostalListener[] {
  return (Object.keys(SPECS) as ListenerId[]).map((id) => postalListener(ctx, id));
}

/** `HEALTH_SERVER_PORT=9190 in postal-worker-1`, or the config key for a value from postal.yml or its default. */
export function settingText(setting: ListenerSetting): string {
  if (setting.variable === null) return setting.key;
  return `${setting.variable}=${setting.text} in ${setting.container ?? 'the Postal containers'}`;
}

/**
 * Where a listener's address comes from, for messages: the container variables that set it
 * (`HEALTH_SERVER_PORT=9190 in postal-worker-1`), else the two config keys.
 */
export function listenerOrigin(listener: PostalListener): string {
  const settings = [listener.bindSetting, listener.portSetting];
  const variables = settings.filter((entry) => entry.variable !== null);
  if (variables.length === 0) return `${listener.bindSetting.key} and ${listener.portSetting.key} in postal.yml`;
  const rest = settings.filter((entry) => entry.variable === null).map((entry) => `${entry.key} from postal.yml`);
  return [...variables.map(settingText), ...rest].join(', ');
}

/**
 * What is not known about a listener because of its container: nothing when its environment was read. Postal's
 * variables there would move it (LISTENER_VARIABLES), so a listener whose container was not read is a guess.
 */
export function environmentNote(listener: PostalListener): string {
  const variables = [listenerVariable(listener.process, listener.bindSetting.key), listenerVariable(listener.process, listener.portSetting.key)].filter(Boolean).join(' / ');
  if (listener.environment === 'not-read') return `The Postal containers could not be read (see postal.containers), so ${variables} in their environment, which would move it, are not known.`;
  if (listener.environment === 'no-container') return `No ${listener.process} container runs on this host (see postal.containers).`;
  return '';
}

/** How to make a listener take `address` instead: where its address is set, in the container's environment or in postal.yml. */
export function rebindText(listener: PostalListener, address: string): string {
  const { bindSetting } = listener;
  if (bindSetting.variable === null) return `set ${bindSetting.key}: ${address} in postal.yml`;
  return `set ${bindSetting.variable}=${address} where the environment of ${bindSetting.container ?? 'the Postal containers'} is defined and recreate it`;
}
