import type { CheckContext, CheckDefinition, ConfigChange, Finding, Fix, Status } from '../../core/types.js';
import type { ConfigKey } from '../../config/schema.js';
import { PLACEHOLDER_TEXT, bareHostname, hostnameProblem, placeholderOf } from '../../knowledge/hostnames.js';
import { misplacedKeysFor, writtenPathFor } from '../../config/keys.js';
import { configEdit, originText } from '../../knowledge/postal/config-values.js';

interface Subject {
  key: ConfigKey;
  /** The server's own names: a placeholder there is a failure, elsewhere a warning. */
  own: boolean;
}

const SUBJECTS: Subject[] = [
  { key: 'postal.smtp_hostname', own: true },
  { key: 'postal.web_hostname', own: true },
  { key: 'dns.helo_hostname', own: true },
  { key: 'dns.mx_records', own: false },
  { key: 'dns.spf_include', own: false },
  { key: 'dns.return_path_domain', own: false },
  { key: 'dns.route_domain', own: false },
  { key: 'dns.track_domain', own: false },
  { key: 'smtp.from_address', own: false },
];

export const configHostnames: CheckDefinition = {
  id: 'config.hostnames',
  group: 'config',
  order: 30,
  title: 'smtp_hostname, web_hostname and the DNS names in postal.yml are real, valid host names',
  targets: 'key',
  probes: [],
  network: false,
  messages: {
    ok: {
      title: '{key} is a valid name',
      message: '{key} = {value} ({origin}).',
    },
    invalid: {
      title: '{key} is not a valid host name',
      message: '{key} = {value} ({origin}): {problem}. Postal uses it as it is, in {use}.',
    },
    placeholder: {
      title: '{key} is still a placeholder',
      message: '{key} = {value} ({origin}) is {what}. Postal uses it in {use}.',
    },
    'placeholder-misplaced': {
      title: '{key} is still a placeholder because the setting was written in the wrong place',
      message: '{key} = {value}, {what}: {misplaced} is ignored by Postal (see config.unknown-keys), so the default applies. Postal uses it in {use}.',
    },
    'mx-case': {
      title: '{key} has upper-case names',
      message: '{key} = {value}: Postal compares each domain\'s MX records with these names letter for letter after lower-casing only the DNS side, so write them in lower case.',
    },
  },
  async run(ctx): Promise<Finding[]> {
    const findings: Finding[] = [];
    for (const subject of SUBJECTS) {
      const value = ctx.config.get(subject.key);
      if (value === null) continue;
      findings.push(subject.key === 'dns.mx_records' ? mxFinding(ctx, value as string[]) : nameFinding(ctx, subject, String(value)));
    }
    return findings;
  },
};

const USES: Partial<Record<ConfigKey, string>> = {
  'postal.smtp_hostname': 'the SMTP banner, the server name it tells SMTP clients to connect to, and the HELO of mail sent without an IP pool (unless dns.helo_hostname is set)',
  'postal.web_hostname': 'the links of the web interface and of its own mail (invitations, password resets)',
  'dns.helo_hostname': 'the HELO/EHLO of every message it sends without an IP pool',
  'dns.mx_records': 'the MX records it tells domain owners to publish and checks for',
  'dns.spf_include': 'the SPF include it tells domain owners to publish and checks for',
  'dns.return_path_domain': 'the MAIL FROM (envelope sender) of outgoing mail',
  'dns.route_domain': 'the addresses of routes',
  'dns.track_domain': 'the CNAME that tracking domains must point at',
  'smtp.from_address': 'the From address of its own mail (invitations, password resets)',
};

/** The server's real name, when one is set: the base for replacing placeholders in the other names. */
function realBase(ctx: CheckContext): string | null {
  for (const key of ['postal.smtp_hostname', 'postal.web_hostname'] as const) {
    const name = ctx.config.get(key);
    if (name && !hostnameProblem(name) && !placeholderOf(name)) return name.toLowerCase();
  }
  return null;
}

function nameFinding(ctx: CheckContext, subject: Subject, value: string): Finding {
  const { key } = subject;
  const entry = ctx.config.entry(key);
  const name = key === 'smtp.from_address' ? value.slice(value.lastIndexOf('@') + 1) : value;
  const data = { key, value, origin: originText(entry), use: USES[key] ?? 'its configuration' };
  const placeholder = placeholderOf(name);
  // `localhost` is a stand-in, not a typo: it is reported as a placeholder although it has no dot.
  const problem = key === 'smtp.from_address' && !value.includes('@') ? 'it is not an e-mail address' : placeholder && !name.includes('.') ? null : hostnameProblem(name);
  if (problem) {
    const bare = key === 'smtp.from_address' ? null : bareHostname(value);
    const fix = bare
      ? replaceFix(ctx, key, bare, `Write ${key} as the bare name ${bare}`)
      : replaceFix(ctx, key, unknownName(ctx, key, value, placeholder), `Set ${key} to a valid fully qualified host name`);
    return { target: key, status: 'fail', messageId: 'invalid', data: { ...data, problem }, fix };
  }
  if (!placeholder) return { target: key, status: 'pass', messageId: 'ok', data };

  const status: Status = subject.own ? 'fail' : 'warn';
  const base = realBase(ctx);
  const suggestion = key === 'postal.smtp_hostname' || key === 'postal.web_hostname' || key === 'dns.helo_hostname' ? null : base ? replaceBase(value, placeholder.base, base) : null;
  const misplaced = entry.origin === 'default' ? misplacedKeysFor(ctx.config, key) : [];
  if (misplaced.length > 0) {
    const first = misplaced[0];
    const intended = typeof first.value === 'string' ? first.value : null;
    return {
      target: key,
      status,
      messageId: 'placeholder-misplaced',
      data: { ...data, what: PLACEHOLDER_TEXT[placeholder.what], misplaced: misplaced.map((written) => `${written.path} (line ${written.line})`).join(', ') },
      fix: replaceFix(ctx, key, intended, `Move ${first.path} to ${writtenPathFor(ctx.config, key) ?? key}`, { path: first.path, from: first.value }),
    };
  }
  const summary =
    key === 'postal.smtp_hostname'
      ? "Set postal.smtp_hostname to this server's public name: the name the PTR record of its IP gives, which resolves back to that IP"
      : key === 'postal.web_hostname'
        ? 'Set postal.web_hostname to the name users open the web interface at'
        : key === 'dns.helo_hostname'
          ? 'Set dns.helo_hostname to the PTR name of the sending IP, or remove it to use postal.smtp_hostname'
          : key === 'smtp.from_address'
            ? `Set smtp.from_address to an address of your own domain${suggestion ? ` (${suggestion})` : ''}`
            : `Set ${key} to a name under your own domain${suggestion ? ` (${suggestion}, following the installer's naming)` : ''} and publish its DNS records`;
  return { target: key, status, messageId: 'placeholder', data: { ...data, what: PLACEHOLDER_TEXT[placeholder.what] }, fix: replaceFix(ctx, key, suggestion ?? unknownName(ctx, key, value, placeholder), summary) };
}

/** What a name is written as when the right one cannot be known here: the value's shape with a visible placeholder, never an example name. */
const OWN_NAME_PLACEHOLDERS: Partial<Record<ConfigKey, string>> = {
  'postal.smtp_hostname': '<your-hostname>',
  'postal.web_hostname': '<your-web-hostname>',
  'dns.helo_hostname': '<ptr-name-of-the-sending-ip>',
};

function unknownName(ctx: CheckContext, key: ConfigKey, value: string, placeholder: ReturnType<typeof placeholderOf>): string {
  const own = OWN_NAME_PLACEHOLDERS[key];
  if (own) return own;
  if (!placeholder) return key === 'smtp.from_address' ? 'postal@<your-hostname>' : '<your-hostname>';
  // Following the installer's naming, under the server's own name: `spf.postal.example.com` → `spf.<your-hostname>`
  // when postal.example.com is smtp_hostname, `postal@example.com` → `postal@<your-hostname>`.
  const server = String(ctx.config.get('postal.smtp_hostname') ?? '').toLowerCase();
  const base = server && value.toLowerCase().endsWith(`.${server}`) ? server : placeholder.base;
  return replaceBase(value, base, '<your-hostname>');
}

function mxFinding(ctx: CheckContext, names: string[]): Finding {
  const key: ConfigKey = 'dns.mx_records';
  const entry = ctx.config.entry(key);
  const value = names.join(', ');
  const data = { key, value, origin: originText(entry), use: USES[key]! };
  const invalid = names.map((name) => ({ name, problem: hostnameProblem(name) })).filter(({ problem }) => problem !== null);
  if (invalid.length > 0) {
    const problem = invalid.map(({ name, problem }) => `${name}: ${problem}`).join('; ');
    const bare = names.map((name) => (hostnameProblem(name) ? bareHostname(name) : name));
    const replacement = bare.every((name) => name !== null) ? bare : names.map((name) => (hostnameProblem(name) ? '<your-mx-hostname>' : name));
    return { target: key, status: 'fail', messageId: 'invalid', data: { ...data, problem }, fix: replaceFix(ctx, key, replacement, 'Write each MX host as a bare, fully qualified host name') };
  }
  const placeholders = names.map((name) => ({ name, placeholder: placeholderOf(name) })).filter(({ placeholder }) => placeholder !== null);
  if (placeholders.length > 0) {
    const base = realBase(ctx);
    const suggestion = base ? names.map((name) => { const found = placeholderOf(name); return found ? replaceBase(name, found.base, base) : name; }) : null;
    const what = PLACEHOLDER_TEXT[placeholders[0].placeholder!.what];
    const misplaced = entry.origin === 'default' ? misplacedKeysFor(ctx.config, key) : [];
    if (misplaced.length > 0) {
      const first = misplaced[0];
      return {
        target: key,
        status: 'warn',
        messageId: 'placeholder-misplaced',
        data: { ...data, what, misplaced: misplaced.map((written) => `${written.path} (line ${written.line})`).join(', ') },
        fix: replaceFix(ctx, key, Array.isArray(first.value) ? first.value : null, `Move ${first.path} to ${writtenPathFor(ctx.config, key) ?? key}`, { path: first.path, from: first.value }),
      };
    }
    return {
      target: key,
      status: 'warn',
      messageId: 'placeholder',
      data: { ...data, what },
      fix: replaceFix(
        ctx,
        key,
        suggestion ?? names.map((name) => (placeholderOf(name) ? unknownName(ctx, key, name, placeholderOf(name)) : name)),
        `List the MX hosts of this server under your own domain${suggestion ? ` (${suggestion.join(', ')})` : ''}`,
      ),
    };
  }
  if (names.some((name) => name !== name.toLowerCase())) {
    return { target: key, status: 'warn', messageId: 'mx-case', data, fix: replaceFix(ctx, key, names.map((name) => name.toLowerCase()), 'Write the MX host names in lower case') };
  }
  return { target: key, status: 'pass', messageId: 'ok', data };
}

/** `mx.postal.yourdomain.com` with base `mail.acme.io` → `mx.mail.acme.io`. */
function replaceBase(value: string, placeholder: string, base: string): string {
  const at = value.toLowerCase().lastIndexOf(placeholder);
  return `${value.slice(0, at)}${base}${value.slice(at + placeholder.length)}`;
}

/** The fix: the config change when the right value is known, in the file or the environment variable that set the value. */
function replaceFix(ctx: CheckContext, key: ConfigKey, replacement: unknown, summary: string, extra?: ConfigChange): Fix {
  const entry = ctx.config.entry(key);
  if (entry.origin === 'env') {
    return { summary: `${summary}: the value comes from the environment variable ${entry.source} of the Postal containers, so change it there and recreate them (postal start)`, commands: [], kind: 'manual' };
  }
  const changes: ConfigChange[] = [...(extra ? [extra] : []), ...(replacement !== null ? [configEdit(ctx.config, key, replacement)] : [])];
  return { summary: `${summary}, then restart Postal (postal restart)`, commands: ['postal restart'], kind: 'config', ...(changes.length > 0 ? { configChanges: changes } : {}) };
}
