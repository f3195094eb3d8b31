import { createHash } from 'node:crypto';
import type { CheckContext, CheckDefinition, Finding, Fix } from '../../core/types.js';
import type { FileInfo } from '../../probes/types.js';
import type { ConfigKey } from '../../config/schema.js';
import { sh } from '../../util/shell.js';
import { SECRET_KEY_PLACEHOLDER } from '../../config/secrets.js';
import { writtenPathFor } from '../../config/keys.js';
import { originText } from '../../knowledge/postal/config-values.js';
import { POSTAL_GID, postalAccessBits, postalReadCommands, readableByPostal } from '../../knowledge/postal/user.js';

/** Postal's image runs every process as the user `postal`, uid 999 (group 999). */

/** Shorter secret keys are guessable; postal bootstrap writes 256 hex characters. */
const MIN_SECRET_KEY_LENGTH = 32;

/** SHA-256 of secret keys published in Postal's own repository, with where they come from. */
const PUBLISHED_KEYS = new Map<string, string>([
  ['4af8028fd404cb179f3f34b144423459aea0d9fbe2085c4a2ac4f79ce9de4ca3', 'config/examples/development.yml and test.yml'],
  ['2dce26b806284bbca0799bee5da0b795a16893ef7e7eb7f500aa8e4cf89e9a80', 'docker/ci-config/postal.test.yml'],
  ['3c449894cfdb151691244bb688ac09bbcc9cadb82b69216544b04f86c0d9cd70', 'spec/examples/full_legacy_config_file.yml'],
]);

type Role = 'config' | 'tls-key' | 'signing-key';

const ROLE_TEXT: Record<Role, { what: string; unreadable: string; readable: string }> = {
  config: {
    what: 'The config file',
    unreadable: 'Postal cannot load its config',
    readable: ' and with it the database passwords and rails.secret_key',
  },
  'tls-key': {
    what: 'The SMTP TLS private key',
    unreadable: 'STARTTLS fails for the first client that asks for it',
    readable: ' and impersonate this mail server',
  },
  'signing-key': {
    what: 'The signing key (postal.signing_key_path)',
    unreadable: 'Postal cannot sign mail or webhooks with it',
    readable: ' and sign mail as this server',
  },
};

export const configSecrets: CheckDefinition = {
  id: 'config.secrets',
  group: 'config',
  order: 40,
  title: 'rails.secret_key is set and secret; postal.yml and the private keys are readable by Postal but not by everyone',
  targets: 'key / file',
  probes: ['files'],
  network: false,
  messages: {
    'secret-key-ok': {
      title: 'rails.secret_key is set',
      message: 'rails.secret_key is set ({length} characters, {origin}) and is not a published example.',
    },
    'secret-key-placeholder': {
      title: 'rails.secret_key is still the installer placeholder',
      message:
        'rails.secret_key is written as {placeholder} (line {line}), the text postal bootstrap replaces with a random key. YAML reads it as a mapping, which Postal turns into the same fixed text on every such installation: anyone can forge session cookies for this web interface.',
    },
    'secret-key-unset': {
      title: 'rails.secret_key is not set',
      message: 'rails.secret_key has no value ({origin}): the web interface has no key to sign and encrypt sessions and cookies with, and Rails refuses to run in production without one.',
    },
    'secret-key-not-string': {
      title: 'rails.secret_key is not a string',
      message: 'rails.secret_key (line {line}) is written as {kind}, not as one string: Postal cannot use it as a key. Write one long random string.',
    },
    'secret-key-published': {
      title: "rails.secret_key is an example key from Postal's repository",
      message: "rails.secret_key ({origin}) is the key published in {source} in Postal's public repository: anyone can forge session cookies for this web interface.",
    },
    'secret-key-short': {
      title: 'rails.secret_key is short',
      message: 'rails.secret_key has only {length} characters ({origin}); a short key can be guessed, and with it session cookies forged. postal bootstrap writes 256 random hex characters.',
    },
    'file-ok': {
      title: '{file} is readable by Postal and not by other users',
      message: 'Mode {mode}, owner {uid}, group {gid}: the Postal containers (uid 999) can read it; other users cannot.',
    },
    'world-readable': {
      title: '{file} is readable by every user on the host',
      message: '{what} {file} has mode {mode} (owner {uid}, group {gid}): every local user and process can read it{readable}.',
    },
    'world-writable': {
      title: '{file} can be changed by every user on the host',
      message: '{what} {file} has mode {mode} (owner {uid}, group {gid}): every local user and process can rewrite it.',
    },
    unreadable: {
      title: 'Postal cannot read {file}',
      message: '{what} {file} has mode {mode}, owner {uid}, group {gid}. The Postal containers run as uid 999, which gets no read permission from that, so {unreadable}.',
    },
    'directory-closed': {
      title: 'Postal cannot enter the config directory {file}',
      message: 'The config directory {file} has mode {mode}, owner {uid}, group {gid}: uid 999 cannot pass through it, so the containers can read neither postal.yml nor the keys in it.',
    },
    missing: {
      title: '{file} does not exist',
      message: '{what} {file} ({key} = {value}) does not exist, so {unreadable}.',
    },
    'tls-key-missing': {
      title: '{file} does not exist',
      message: 'The SMTP TLS private key {file} ({key} = {value}) does not exist{note}.',
    },
    'not-visible': {
      title: '{key} points outside the config directory',
      message: '{key} = {value} is not inside the directory the containers see as /config; config.paths reports it.',
    },
    'stat-failed': {
      title: 'Could not look at {file}',
      message: 'Reading the permissions of {file} failed: {error}.',
    },
  },
  async run(ctx): Promise<Finding[]> {
    const findings: Finding[] = [secretKeyFinding(ctx)];
    const directory = ctx.config.directory;
    const directoryInfo = await ctx.probes.files.stat(directory);
    if (directoryInfo.ok && !canSearch(directoryInfo.value)) {
      const info = directoryInfo.value;
      findings.push({
        target: directory,
        status: 'fail',
        messageId: 'directory-closed',
        data: { file: directory, ...ownership(info) },
        fix: { summary: `Let uid 999 pass through ${directory}, then restart Postal (postal restart)`, commands: [sh`chmod o+x ${directory}`, 'postal restart'], kind: 'file' },
      });
    }
    const files: Array<{ role: Role; path: string | null; key?: ConfigKey }> = [
      { role: 'config', path: ctx.config.path },
      { role: 'tls-key', key: 'smtp_server.tls_private_key_path', path: hostPathOf(ctx, 'smtp_server.tls_private_key_path') },
      { role: 'signing-key', key: 'postal.signing_key_path', path: hostPathOf(ctx, 'postal.signing_key_path') },
    ];
    const seen = new Set<string>();
    for (const file of files) {
      if (file.path === null) {
        const key = file.key!;
        findings.push({ target: key, status: 'skip', messageId: 'not-visible', data: { key, value: String(ctx.config.get(key)) } });
        continue;
      }
      const path = file.path;
      if (seen.has(path)) continue;
      seen.add(path);
      findings.push(await fileFinding(ctx, file.role, path, file.key));
    }
    return findings;
  },
};

function hostPathOf(ctx: CheckContext, key: 'smtp_server.tls_private_key_path' | 'postal.signing_key_path'): string | null {
  const value = ctx.config.get(key);
  return ctx.config.hostPath(value);
}

function secretKeyFinding(ctx: CheckContext): Finding {
  const target = 'rails.secret_key';
  const entry = ctx.config.entry(target);
  const origin = originText(entry);
  const writtenPath = writtenPathFor(ctx.config, target) ?? target;
  const written = entry.origin === 'env' ? undefined : ctx.config.writtenKeys().find((key) => key.path === writtenPath);
  const newKey: Fix = {
    summary: 'Generate a new key with openssl rand -hex 128 and write it as rails.secret_key, then restart Postal (postal restart); everyone has to log in again',
    commands: ['openssl rand -hex 128', 'postal restart'],
    kind: 'config',
    configChanges: [{ path: writtenPath, ...(entry.value === null ? {} : { from: '[redacted]' }), to: '<the output of: openssl rand -hex 128>' }],
  };

  if (written?.source?.includes(SECRET_KEY_PLACEHOLDER)) {
    return {
      target,
      status: 'fail',
      messageId: 'secret-key-placeholder',
      data: { placeholder: SECRET_KEY_PLACEHOLDER, line: written.line },
      fix: {
        summary: `Replace the placeholder with a random key (as postal bootstrap does), then restart Postal (postal restart)`,
        commands: [sh`sed -i "s/{{secretkey}}/$(openssl rand -hex 128)/" ${ctx.config.path}`, 'postal restart'],
        kind: 'config',
      },
    };
  }
  if (written && typeof written.value === 'object' && written.value !== null) {
    return { target, status: 'fail', messageId: 'secret-key-not-string', data: { line: written.line, kind: Array.isArray(written.value) ? 'a list' : 'a mapping' }, fix: newKey };
  }
  const value = ctx.config.get(target);
  if (value === null) return { target, status: 'fail', messageId: 'secret-key-unset', data: { origin }, fix: newKey };
  const source = PUBLISHED_KEYS.get(createHash('sha256').update(value).digest('hex'));
  if (source) return { target, status: 'fail', messageId: 'secret-key-published', data: { origin, source }, fix: newKey };
  if (value.length < MIN_SECRET_KEY_LENGTH) return { target, status: 'warn', messageId: 'secret-key-short', data: { origin, length: value.length }, fix: newKey };
  return { target, status: 'pass', messageId: 'secret-key-ok', data: { origin, length: value.length } };
}

function mode(info: FileInfo): string {
  return `0${(info.mode & 0o777).toString(8).padStart(3, '0')}`;
}

function ownership(info: FileInfo): { mode: string; uid: number; gid: number } {
  return { mode: mode(info), uid: info.uid, gid: info.gid };
}

function canSearch(directory: FileInfo): boolean {
  return (postalAccessBits(directory) & 1) !== 0;
}

/** Only root and uid/gid 999 may read the file afterwards; a file Postal could not read needs a restart to be read. */
function tightenFix(path: string, info: FileInfo, summary: string, restart = false): Fix {
  return { summary, commands: [...postalReadCommands(path, info, 'private'), ...(restart ? ['postal restart'] : [])], kind: 'file' };
}

async function fileFinding(ctx: CheckContext, role: Role, path: string, key?: ConfigKey): Promise<Finding> {
  const text = ROLE_TEXT[role];
  const result = await ctx.probes.files.stat(path);
  if (!result.ok) {
    if (result.code === 'ENOENT' && key) {
      const value = String(ctx.config.get(key));
      if (role === 'tls-key') {
        const note = ctx.config.get('smtp_server.tls_enabled') ? '; tls.files reports what that breaks' : ' (STARTTLS is switched off, so Postal does not need it yet)';
        return { target: path, status: 'skip', messageId: 'tls-key-missing', data: { file: path, key, value, note } };
      }
      return {
        target: path,
        status: 'fail',
        messageId: 'missing',
        data: { file: path, key, value, what: text.what, unreadable: text.unreadable },
        fix: {
          summary: `Create the signing key (as postal bootstrap does), let uid 999 read it, then restart Postal (postal restart)`,
          commands: [sh`openssl genrsa -out ${path} 2048`, sh`chgrp ${POSTAL_GID} ${path}`, sh`chmod 640 ${path}`, 'postal restart'],
          kind: 'file',
        },
      };
    }
    return { target: path, status: 'unknown', messageId: 'stat-failed', data: { file: path, error: result.message }, evidence: [{ query: `stat ${path}`, answer: result.code }] };
  }
  const info = result.value;
  const data = { file: path, what: text.what, readable: text.readable, unreadable: text.unreadable, ...ownership(info) };
  const evidence = [{ query: `stat ${path}`, answer: { mode: mode(info), uid: info.uid, gid: info.gid } }];
  const otherBits = info.mode & 7;
  if (!readableByPostal(info)) {
    return { target: path, status: 'fail', messageId: 'unreadable', data, evidence, fix: tightenFix(path, info, `Let the Postal containers (uid/gid 999) read ${path}, and nobody else but root, then restart Postal (postal restart)`, true) };
  }
  if (otherBits & 2) {
    return { target: path, status: 'fail', messageId: 'world-writable', data, evidence, fix: tightenFix(path, info, `Let only root and the Postal containers (uid/gid 999) read ${path}`) };
  }
  if (otherBits & 4) {
    // Mail still flows (postal bootstrap itself leaves signing.key at 644): a risk to fix, not a breakage.
    return { target: path, status: 'warn', messageId: 'world-readable', data, evidence, fix: tightenFix(path, info, `Let only root and the Postal containers (uid/gid 999) read ${path}`) };
  }
  return { target: path, status: 'pass', messageId: 'file-ok', data, evidence };
}
