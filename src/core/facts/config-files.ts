import type { CheckContext } from '../types.js';
import type { EffectiveConfig } from '../../config/effective.js';
import { CONFIG_FILE_ROOT, keySpec, type ConfigKey } from '../../config/schema.js';
import { LEGACY_SOURCES } from '../../config/legacy.js';
import { CONTAINER_CONFIG_DIR } from '../../config/load.js';

/**
 * A host path as the files probe wants it. The probe prefixes `--host-root` itself, so a config path
 * that was already resolved under the host root (`<root>/opt/postal/config/postal.yml`) loses that prefix.
 */
export function probePath(ctx: CheckContext, hostPath: string): string {
  const root = ctx.options.hostRoot.replace(/\/+$/, '');
  return root !== '' && hostPath.startsWith(`${root}/`) ? hostPath.slice(root.length) : hostPath;
}

/** postal.yml itself, for the files probe. */
export function configFilePath(ctx: CheckContext): string {
  return probePath(ctx, ctx.config.path);
}

/** Where Postal reads a key from in this file's format: the key itself (v2) or its legacy path (v1). */
export function writtenPathOf(config: EffectiveConfig, key: ConfigKey): string | undefined {
  return config.format === 1 ? LEGACY_SOURCES[key] : key;
}

export type FileValue = { written: true; path: string; line: number; text: string } | { written: false; text: string | null };

/**
 * What postal.yml alone makes of a key, before any environment variable: the written value as text
 * (lists joined with commas, as Postal splits list variables), or the schema default when the file is silent.
 */
export function fileValue(config: EffectiveConfig, key: ConfigKey): FileValue {
  const path = writtenPathOf(config, key);
  const written = path === undefined ? undefined : config.writtenKeys().find((entry) => entry.path === path);
  if (written && written.value !== null && written.value !== '') {
    return { written: true, path: written.path, line: written.line, text: valueText(written.value) };
  }
  const spec = keySpec(key);
  const fallback = spec?.default ?? null;
  if (fallback === null) return { written: false, text: null };
  return { written: false, text: typeof fallback === 'string' ? fallback.replace(CONFIG_FILE_ROOT, CONTAINER_CONFIG_DIR) : valueText(fallback) };
}

function valueText(value: unknown): string {
  return Array.isArray(value) ? value.map(String).join(',') : String(value);
}
