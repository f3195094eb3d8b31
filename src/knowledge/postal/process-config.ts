import type { EffectiveConfig, PostalProcess } from '../../config/effective.js';
import type { ConfigKey } from '../../config/schema.js';
import type { Context } from '../../core/types.js';

/**
 * The config one Postal process runs with: its own container's environment on top of postal.yml (the worker's
 * decides the HELO name, the smtp server's the banner, the web server's the links), and that container's whole
 * environment. The shared view, with no environment, when the containers were not read or none of them runs the process.
 */
export function processConfig(ctx: Pick<Context, 'config'>, process: PostalProcess): { config: EffectiveConfig; container: string | null; env: Record<string, string> } {
  const own = ctx.config.processes?.[process];
  return own ? { config: own.config, container: own.container, env: own.env ?? {} } : { config: ctx.config, container: null, env: {} };
}

/** Where a process's value of `key` is set, for fixes: the variable and its container, or the config file. */
export function whereSet(ctx: Pick<Context, 'config'>, process: PostalProcess, key: ConfigKey): { variable: string; container: string | null } | null {
  const { config, container } = processConfig(ctx, process);
  const entry = config.entry(key);
  return entry.origin === 'env' && entry.source ? { variable: entry.source, container } : null;
}
