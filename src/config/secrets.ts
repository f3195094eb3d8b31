import type { ConfigEntry, EffectiveConfig, Origin } from './effective.js';
import { keySpec, type ConfigKey } from './schema.js';
import { editDistance } from '../util/suggest.js';

/** What every secret is replaced with in any output. */
export const REDACTED = '[redacted]';

/** Shorter values are not redacted: replacing every "a" or "12" in a report would destroy it and hide nothing. */
export const MIN_SECRET_LENGTH = 3;

/**
 * Passwords everyone knows because installers and examples ship them (the installer's MariaDB
 * password is `postal`). Redacting every occurrence of such a word would wreck the report (every
 * "postal" in it) and protect nothing; like every secret setting, checks and commands still show
 * these values only as `[redacted]`.
 */
const PUBLIC_DEFAULT_PASSWORDS: ReadonlySet<string> = new Set(['postal', 'password', 'changeme', 'root', 'guest', 'admin', 'secret']);

/** The installer's template text for `rails.secret_key`: public, so never treated as a secret. */
export const SECRET_KEY_PLACEHOLDER = '{{secretkey}}';

/**
 * Fields of a report whose values are the doctor's own identifiers (check ids, groups, message ids),
 * never taken from the config: redacting them would break the stable ids machines key on.
 */
const IDENTIFIER_FIELDS: ReadonlySet<string> = new Set(['check', 'group', 'messageId', 'key']);

const SECRET_NAME = /pass|pwd|secret|token|dsn|credential|api_?key|auth_?key|private_?key/;
const SECRET_WORDS: Array<[string, number]> = [
  ['password', 2],
  ['passwd', 1],
  ['secret', 1],
  ['token', 1],
];

/**
 * True when a key's name says its value is a secret: `password`, `secret_key`, `sentry_dsn`,
 * `exception_url`, `token`, and typos of them (`pasword`), but not paths to key files.
 */
export function looksSecret(path: string): boolean {
  const name = path.slice(path.lastIndexOf('.') + 1).toLowerCase();
  if (/(_path|_file)$/.test(name)) return false;
  if (name === 'key' || name === 'exception_url' || SECRET_NAME.test(name)) return true;
  return name.split(/[_-]/).some((word) => SECRET_WORDS.some(([secret, allowance]) => word.length >= 4 && editDistance(word, secret) <= allowance));
}

function isSecretKey(key: string): boolean {
  return keySpec(key)?.secret === true || looksSecret(key);
}

const URL_USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)([^@/?#]*)@/i;

/** The user name and password in `smtp://user:pass@host:port?…`, as written and percent-decoded. */
export function relayCredentials(url: string): string[] {
  const userinfo = URL_USERINFO.exec(url.trim())?.[2];
  if (!userinfo) return [];
  const colon = userinfo.indexOf(':');
  const parts = colon === -1 ? [userinfo] : [userinfo.slice(0, colon), userinfo.slice(colon + 1), userinfo];
  const decoded = parts.map((part) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return part;
    }
  });
  return [...parts, ...decoded].filter((part) => part !== '');
}

/** `smtp://user:pass@host:25?ssl_mode=Auto` → `smtp://[redacted]@host:25?ssl_mode=Auto`. */
export function redactRelayUrl(url: string): string {
  return url.replace(URL_USERINFO, `$1${REDACTED}@`);
}

/** Strings inside a value: a secret written as a number (`password: 12345`) is still a secret. */
function stringsIn(value: unknown, out: string[]): void {
  if (typeof value === 'string') out.push(value);
  else if (typeof value === 'number' || typeof value === 'bigint') out.push(String(value));
  else if (Array.isArray(value)) value.forEach((item) => stringsIn(item, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((item) => stringsIn(item, out));
}

/** Secrets nested in a written value: legacy relay entries `{hostname, username, password}`, mappings under odd keys. */
function nestedSecrets(value: unknown, relay: boolean, out: string[]): void {
  if (typeof value === 'string') {
    if (relay) out.push(...relayCredentials(value));
  } else if (Array.isArray(value)) {
    value.forEach((item) => nestedSecrets(item, relay, out));
  } else if (value && typeof value === 'object') {
    for (const [name, item] of Object.entries(value)) {
      if (looksSecret(name) || (relay && /^user(name)?$/i.test(name))) stringsIn(item, out);
      else nestedSecrets(item, relay, out);
    }
  }
}

const isRelayPath = (path: string) => path === 'smtp_relays' || path === 'postal.smtp_relays' || path === 'POSTAL_SMTP_RELAYS';

/**
 * Every value that must never be printed: effective values of secret settings, the value of any
 * written key whose name looks secret (typos included), environment values of those, and the
 * credentials inside SMTP relay URLs and legacy relay entries. Longest first.
 */
export function secretValues(config: EffectiveConfig): string[] {
  const found: string[] = [];
  for (const entry of config.entries()) {
    if (isSecretKey(entry.key)) stringsIn(entry.value, found);
  }
  for (const written of config.writtenKeys()) {
    if (looksSecret(written.path)) {
      stringsIn(written.value, found);
      if (written.source && written.source !== SECRET_KEY_PLACEHOLDER) found.push(written.source.replace(/^(["'])([\s\S]*)\1$/, '$2'));
    } else {
      nestedSecrets(written.value, isRelayPath(written.path), found);
    }
  }
  for (const [name, value] of Object.entries(config.env)) {
    if (looksSecret(name)) found.push(value);
    if (isRelayPath(name)) value.split(',').forEach((url) => found.push(...relayCredentials(url)));
  }
  for (const url of config.get('postal.smtp_relays') ?? []) found.push(...relayCredentials(url));
  const unique = [...new Set(found.map((value) => value.trim()).filter((value) => value !== ''))];
  return unique.sort((a, b) => b.length - a.length || a.localeCompare(b));
}

/** Replaces every occurrence of each secret (of at least MIN_SECRET_LENGTH characters, not a public default) with `[redacted]`. */
export function redactText(text: string, secrets: readonly string[]): string {
  const spans: Array<[number, number]> = [];
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH || PUBLIC_DEFAULT_PASSWORDS.has(secret)) continue;
    // Overlapping occurrences count too: no character of any occurrence may survive.
    for (let at = text.indexOf(secret); at !== -1; at = text.indexOf(secret, at + 1)) spans.push([at, at + secret.length]);
  }
  if (spans.length === 0) return text;
  spans.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  let out = '';
  let position = 0;
  let open: [number, number] | null = null;
  for (const span of spans) {
    if (open && span[0] <= open[1]) {
      open[1] = Math.max(open[1], span[1]);
      continue;
    }
    if (open) {
      out += REDACTED;
      position = open[1];
    }
    out += text.slice(position, span[0]);
    open = [span[0], span[1]];
  }
  out += REDACTED + text.slice(open![1]);
  return out;
}

/**
 * Any JSON-like value with every secret in every string (object keys included) redacted. The doctor's own
 * identifier fields (`check`, `group`, `messageId`, and `key`: a setting's name) are kept as they are. Parts that
 * hold no secret are the input's own, not copies: a report of thousands of results holds one in few places, if any.
 */
export function redactDeep<T>(value: T, secrets: readonly string[]): T {
  const usable = secrets.filter((secret) => secret.length >= MIN_SECRET_LENGTH && !PUBLIC_DEFAULT_PASSWORDS.has(secret));
  if (usable.length === 0) return value;
  // Plain loops: a report of thousands of results is walked string by string, and copies are made only on a hit.
  const walk = (item: unknown): unknown => {
    if (typeof item === 'string') return redactText(item, usable);
    if (Array.isArray(item)) {
      let copy: unknown[] | null = null;
      for (let index = 0; index < item.length; index++) {
        const redacted = walk(item[index]);
        if (redacted !== item[index]) (copy ??= item.slice())[index] = redacted;
      }
      return copy ?? item;
    }
    if (item instanceof Error) return new Error(redactText(item.message, usable));
    if (item && typeof item === 'object' && (Object.getPrototypeOf(item) === Object.prototype || Object.getPrototypeOf(item) === null)) {
      const record = item as Record<string, unknown>;
      let copy: Record<string, unknown> | null = null;
      for (const key in record) {
        const child = record[key];
        const redactedKey = redactText(key, usable);
        const redacted = IDENTIFIER_FIELDS.has(key) && typeof child === 'string' ? child : walk(child);
        if (!copy && (redactedKey !== key || redacted !== child)) {
          copy = {};
          for (const earlier in record) {
            if (earlier === key) break;
            copy[earlier] = record[earlier];
          }
        }
        if (copy) copy[redactedKey] = redacted;
      }
      return copy ?? item;
    }
    return item;
  };
  return walk(value) as T;
}

/** One setting as the `config` command shows it. */
export interface DisplayEntry {
  key: ConfigKey;
  /** The value as text: `[redacted]` for secrets, `(not set)` for no value, relay credentials hidden. */
  value: string;
  origin: Origin;
  source?: string;
  line?: number;
  secret: boolean;
}

export const NOT_SET = '(not set)';

/** The effective value of a setting as text safe to print. */
export function displayValue(entry: ConfigEntry): string {
  const { key, value } = entry;
  if (value === null || value === undefined) return NOT_SET;
  if (isSecretKey(key)) return REDACTED;
  if (Array.isArray(value)) {
    const items = key === 'postal.smtp_relays' ? value.map((url) => redactRelayUrl(String(url))) : value.map(String);
    return `[${items.join(', ')}]`;
  }
  return String(value);
}

export function describeForDisplay(entry: ConfigEntry): DisplayEntry {
  return {
    key: entry.key,
    value: displayValue(entry),
    origin: entry.origin,
    ...(entry.source !== undefined ? { source: entry.source } : {}),
    ...(entry.line !== undefined ? { line: entry.line } : {}),
    secret: isSecretKey(entry.key),
  };
}
