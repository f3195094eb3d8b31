import type { EffectiveConfig, PostalProcess } from '../../config/effective.js';
import type { ConfigKey } from '../../config/schema.js';
import type { Context } from '../../core/types.js';

/**
 * The config one Postal process runs with: its own container's environment on top of postal.yml (the worker's
 * decides the HELO name, the smtp server's the banner, the web server's the links). The shared view when the
 * containers were not read.
 */
export function processConfig(ctx: Pick<Context, 'config'>, process: PostalProcess): { config: EffectiveConfig; container: string | null } {
  const own = ctx.config.processes?.[process];
  return own ?? { config: ctx.config, container: null };
}

/** Where a process's value of `key` is set, for fixes: the variable and its container, or the config file. */
export function whereSet(ctx: Pick<Context, 'config'>, process: PostalProcess, key: ConfigKey): { variable: string; container: string | null } | null {
  const { config, container } = processConfig(ctx, process);
  const entry = config.entry(key);
  return entry.origin === 'env' && entry.source ? { variable: entry.source, container } : null;
}
