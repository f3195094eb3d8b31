import type { ConfigEntry, EffectiveConfig } from '../../config/effective.js';
import type { ConfigChange } from '../../core/types.js';
import { keySpec, type ConfigKey } from '../../config/schema.js';
import { writtenPathFor } from '../../config/keys.js';
import { looksSecret, NOT_SET, REDACTED, redactRelayUrl } from '../../config/secrets.js';

/** True for settings whose values never appear in results. */
export function isSecretPath(path: string): boolean {
  return keySpec(path)?.secret === true || looksSecret(path);
}

/** A written value with what is secret inside it masked: secret-named fields, user names of relays, URL credentials. */
function masked(value: unknown): unknown {
  if (typeof value === 'string') return redactRelayUrl(value);
  if (Array.isArray(value)) return value.map(masked);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, looksSecret(name) || /^user(name)?$/i.test(name) ? REDACTED : masked(item)]));
  }
  return value;
}

/** A value as results show it: never a secret, lists as `[a, b]`, nothing as `(not set)`. */
export function shownValue(path: string, value: unknown): string {
  if (value === null || value === undefined || value === '') return NOT_SET;
  if (isSecretPath(path)) return REDACTED;
  const safe = masked(value);
  if (Array.isArray(safe)) return `[${safe.map((item) => (typeof item === 'object' && item !== null ? JSON.stringify(item) : String(item))).join(', ')}]`;
  if (typeof safe === 'object') return JSON.stringify(safe);
  return String(safe);
}

/** A value for a ConfigChange: as is, except secrets and what is secret inside it. */
export function changeValue(path: string, value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  return isSecretPath(path) ? REDACTED : masked(value);
}

/** The `from` of a change to `key`: the value postal.yml gives it, absent when the file does not set it (a default or the environment). */
export function writtenValue(config: EffectiveConfig, key: ConfigKey): unknown {
  const path = writtenPathFor(config, key);
  const written = path === null ? undefined : config.writtenKeys().find((entry) => entry.path === path);
  return written ? changeValue(path!, written.value) : undefined;
}

/**
 * A change of postal.yml: `key` as this file's format spells it (the legacy path in a version 1 file),
 * from the value written there (absent when the key is not written), to `to`.
 */
export function configEdit(config: EffectiveConfig, key: ConfigKey, to: unknown): ConfigChange {
  return { path: writtenPathFor(config, key) ?? key, from: writtenValue(config, key), to };
}

/** Where an effective value came from, in words: `postal.yml line 4`, `the default`, `environment DNS_HELO_HOSTNAME`. */
export function originText(entry: ConfigEntry): string {
  switch (entry.origin) {
    case 'default':
      return 'the default';
    case 'env':
      return `environment ${entry.source ?? ''}`.trim();
    case 'legacy':
      return `postal.yml${entry.line ? ` line ${entry.line}` : ''}${entry.source && entry.source !== entry.key ? `, as ${entry.source}` : ''}`;
    case 'file':
      return entry.line ? `postal.yml line ${entry.line}` : 'postal.yml';
  }
}
