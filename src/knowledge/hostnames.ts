import { ipFamily, normaliseHostname } from '../util/ip.js';

/** Names Postal, the installer and the RFCs use as stand-ins, with what they are. */
export const PLACEHOLDERS: Array<{ suffix: string; what: 'default' | 'installer' | 'reserved' }> = [
  { suffix: 'postal.example.com', what: 'default' },
  { suffix: 'postal.yourdomain.com', what: 'installer' },
  { suffix: 'yourdomain.com', what: 'installer' },
  { suffix: 'example.com', what: 'reserved' },
  { suffix: 'example.net', what: 'reserved' },
  { suffix: 'example.org', what: 'reserved' },
  { suffix: 'example', what: 'reserved' },
  { suffix: 'test', what: 'reserved' },
  { suffix: 'invalid', what: 'reserved' },
  { suffix: 'localhost', what: 'reserved' },
  { suffix: 'localdomain', what: 'reserved' },
];

export const PLACEHOLDER_TEXT: Record<'default' | 'installer' | 'reserved', string> = {
  default: "Postal's built-in default",
  installer:
    "the installer's placeholder (postal bootstrap replaces postal.yourdomain.com only, and only its first occurrence on each line, so other yourdomain.com names stay behind)",
  reserved: 'a reserved example name that can never be a real mail host',
};

export function placeholderOf(name: string): { base: string; what: 'default' | 'installer' | 'reserved' } | null {
  const lower = name.toLowerCase().replace(/\.$/, '');
  const found = PLACEHOLDERS.find(({ suffix }) => lower === suffix || lower.endsWith(`.${suffix}`));
  return found ? { base: found.suffix, what: found.what } : null;
}

/** Why `name` cannot be a hostname in HELO, a banner or DNS, or null when it can. */
export function hostnameProblem(name: string): string | null {
  if (/\s/.test(name)) return 'it contains spaces';
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(name);
  if (scheme) return `it starts with ${scheme[1]}://; write the bare name`;
  if (name.includes('@')) return 'it is an e-mail address, not a hostname';
  if (ipFamily(name.replace(/^\[|\]$/g, '')) !== 0) return 'it is an IP address, not a hostname';
  if (name.includes('/')) return 'it contains a path ("/")';
  if (name.includes(':')) return 'it contains a port (":"); write the bare name';
  if (name.endsWith('.')) return 'it ends with a dot';
  if (/[^\x00-\x7f]/.test(name)) return 'it contains non-ASCII characters; write the xn-- (punycode) form';
  if (name.length > 253) return 'it is longer than 253 characters';
  const labels = name.split('.');
  if (labels.length < 2) return 'it is not a fully qualified name (it has no dot)';
  for (const label of labels) {
    if (label === '') return 'it has an empty label ("..")';
    if (label.length > 63) return `the label "${label.slice(0, 20)}…" is longer than 63 characters`;
    if (label.includes('_')) return 'it contains "_", which hostnames cannot';
    if (!/^[a-z0-9-]+$/i.test(label)) return `the label "${label}" has characters other than letters, digits and "-"`;
    if (label.startsWith('-') || label.endsWith('-')) return `the label "${label}" starts or ends with "-"`;
  }
  if (/^\d+$/.test(labels[labels.length - 1])) return 'its last label is all digits';
  return null;
}

/**
 * The bare host name inside a value written as a URL or with a port or trailing dot (`https://Mail.Acme.io:443/`
 * → `mail.acme.io`), when what is left is a valid name; null when there is no such name in it.
 */
export function bareHostname(value: string): string | null {
  const bare = value
    .trim()
    .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
    .replace(/[/?#].*$/, '')
    .replace(/:\d*$/, '')
    .replace(/\.$/, '')
    .toLowerCase();
  return bare !== value && hostnameProblem(bare) === null ? bare : null;
}

/**
 * Postal's own default or the installer's placeholder: certainly not yet replaced, so DNS checks of the name
 * are left to config.hostnames. Reserved names (example.net, .test) are still looked up: a private resolver
 * may serve them in a lab, and the answer decides.
 */
export function isTemplateDefault(name: string): boolean {
  const kind = placeholderOf(name)?.what;
  return kind === 'default' || kind === 'installer';
}

/** A syntactically usable FQDN: at least two labels of letters, digits and hyphens. */
export function isFqdn(name: string): boolean {
  const labels = normaliseHostname(name).split('.');
  return labels.length >= 2 && labels.every((label) => /^(?!-)[a-z0-9-]{1,63}(?<!-)$/.test(label)) && !/^\d+$/.test(labels.at(-1) ?? '');
}
