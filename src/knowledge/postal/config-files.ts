import type { EffectiveConfig } from '../../config/effective.js';
import { CONFIG_FILE_ROOT, keySpec, type ConfigKey } from '../../config/schema.js';
import { writtenPathFor } from '../../config/keys.js';
import { CONTAINER_CONFIG_DIR } from '../../config/load.js';

export type FileValue = { written: true; path: string; line: number; text: string } | { written: false; text: string | null };

/**
 * What postal.yml alone makes of a key, before any environment variable: the written value as text
 * (lists joined with commas, as Postal splits list variables), or the schema default when the file is silent.
 */
export function fileValue(config: EffectiveConfig, key: ConfigKey): FileValue {
  const path = writtenPathFor(config, key);
  const written = path === null ? undefined : config.writtenKeys().find((entry) => entry.path === path);
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
