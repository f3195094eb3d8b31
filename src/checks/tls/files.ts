import type { CheckContext, CheckDefinition, Evidence, Finding, Fix } from '../../core/types.js';
import { sh } from '../../util/shell.js';
import { certificatesOf, describeKey, formatSan, keyMatches, misplacedLeaf, subjectAltNames, summarize, type CertificateFileContent, type KeyFileContent } from '../../knowledge/tls/certificates.js';
import { fileTarget, latentWhileTlsOff, tlsFiles, type LoadedFile } from '../../knowledge/tls/material.js';
import { smtpRestart, type SmtpRestart } from '../../knowledge/tls/smtp-container.js';
import { POSTAL_GID, POSTAL_UID, postalReadCommands, readableByPostal } from '../../knowledge/postal/user.js';

function statEvidence(file: LoadedFile<unknown>): Evidence[] {
  if (file.state !== 'read' || !file.info) return [];
  const { mode, uid, gid, size } = file.info;
  return [{ query: `stat ${file.hostPath}`, answer: { mode: (mode & 0o7777).toString(8).padStart(4, '0'), uid, gid, size } }];
}

const restartNote = 'then restart the SMTP server: Postal reads the files once, at the first STARTTLS';

/** Said of a file that passed: whether its owner and mode let the Postal user read it. */
function accessText(file: ReadFile<unknown>): string {
  return file.info ? `readable by the Postal user (uid ${POSTAL_UID})` : 'its owner and mode could not be read';
}

type UnreadFile = Exclude<LoadedFile<unknown>, { state: 'read' }>;
type ReadFile<T> = Extract<LoadedFile<T>, { state: 'read' }>;

const KEY_PATHS = { certificate: 'smtp_server.tls_certificate_path', key: 'smtp_server.tls_private_key_path' } as const;

/** A file Postal cannot use because it is out of its sight or cannot be read. */
function unreadFinding(ctx: CheckContext, smtp: SmtpRestart, file: UnreadFile, kind: 'certificate' | 'key', tlsOn: boolean): Finding {
  const target = fileTarget(file);
  const key = KEY_PATHS[kind];
  if (file.state === 'outside-mount') {
    return {
      target,
      status: 'fail',
      messageId: 'outside-mount',
      data: { kind, key, path: file.containerPath, mount: ctx.config.directory },
      fix: {
        summary: `Copy the ${kind} into ${ctx.config.directory} (mounted at /config) and point ${key} at /config/…`,
        commands: [],
        kind: 'config',
      },
    };
  }
  const data = { kind, key, path: file.containerPath, file: file.hostPath, reason: file.message };
  if (file.code === 'ENOENT' && !tlsOn) return { target, status: 'skip', messageId: 'tls-off', data };
  if (file.code === 'EACCES' || file.code === 'OTHER') return { target, status: 'unknown', messageId: 'unreadable', data };
  return {
    target,
    status: 'fail',
    messageId: 'missing',
    data,
    fix: { summary: `Put the ${kind} at ${file.hostPath} (or point ${key} at where it is, as a /config/… path), ${restartNote}`, commands: [smtp.command], kind: 'file' },
  };
}

/** A file the doctor can read but uid 999 cannot; null when Postal can read it. */
function permissionFinding(smtp: SmtpRestart, file: ReadFile<unknown>, kind: 'certificate' | 'key'): Finding | null {
  if (!file.info || readableByPostal(file.info)) return null;
  return {
    target: file.hostPath,
    status: 'fail',
    messageId: 'not-readable-by-postal',
    data: { kind, file: file.hostPath, mode: (file.info.mode & 0o777).toString(8).padStart(4, '0'), uid: file.info.uid, gid: file.info.gid },
    evidence: statEvidence(file),
    fix: {
      summary: `Let the Postal user (uid ${POSTAL_UID}) read the ${kind}, ${restartNote}`,
      commands: [...postalReadCommands(file.hostPath, file.info, kind === 'key' ? 'private' : 'public'), smtp.command],
      kind: 'file',
    },
  };
}

function certificateFinding(ctx: CheckContext, smtp: SmtpRestart, file: LoadedFile<CertificateFileContent>, key: LoadedFile<KeyFileContent>, tlsOn: boolean): Finding {
  if (file.state !== 'read') return unreadFinding(ctx, smtp, file, 'certificate', tlsOn);
  const unreadable = permissionFinding(smtp, file, 'certificate');
  if (unreadable) return unreadable;
  const target = file.hostPath;
  const content = file.content;
  const evidence = statEvidence(file);
  const pemFix = (summary: string): Fix => ({ summary: `${summary}, ${restartNote}`, commands: [smtp.command], kind: 'file' });
  if (content.kind === 'der') {
    return {
      target,
      status: 'fail',
      messageId: 'der',
      data: { file: target },
      evidence: [...evidence, { query: `certificate in ${target} (DER)`, answer: summarize(content.certificate) }],
      fix: {
        summary: `Convert the certificate to PEM (and append the intermediate certificates), ${restartNote}`,
        commands: [sh`openssl x509 -inform der -in ${target} -out ${target + '.pem'}`, sh`mv ${target + '.pem'} ${target}`, smtp.command],
        kind: 'file',
      },
    };
  }
  if (content.kind === 'invalid-block') {
    return {
      target,
      status: 'fail',
      messageId: 'bad-certificate',
      data: { file: target, index: content.index + 1, error: content.error },
      evidence,
      fix: pemFix('Replace the file with the certificate chain your CA issued (e.g. certbot\'s fullchain.pem)'),
    };
  }
  if (content.kind === 'no-certificate') {
    const found = content.binary ? 'binary data' : content.otherLabels.length > 0 ? content.otherLabels.join(', ') : 'no PEM block';
    return {
      target,
      status: 'fail',
      messageId: 'no-certificate',
      data: { file: target, found },
      evidence,
      fix: pemFix('Put the PEM certificate chain (leaf first, then intermediates) in the file'),
    };
  }
  const certificates = content.certificates;
  const blocks = { query: `certificates in ${target}`, answer: certificates.map((certificate) => ({ ...summarize(certificate), ca: certificate.ca })) };
  const data = { file: target, count: certificates.length, subject: certificates[0].subject.replace(/\n/g, ', '), access: accessText(file) };
  if (key.state === 'read' && key.content.kind === 'key') {
    const keyContent = key.content;
    const matching = certificates.findIndex((certificate) => keyMatches(certificate, keyContent.key));
    if (matching > 0) {
      return {
        target,
        status: 'fail',
        messageId: 'leaf-not-first',
        data: { ...data, position: matching + 1 },
        evidence: [...evidence, blocks],
        fix: pemFix(`Reorder the file so the server certificate (block ${matching + 1}) comes first and its intermediates follow`),
      };
    }
  }
  const leafIndex = misplacedLeaf(certificates);
  if (leafIndex !== null) {
    return {
      target,
      status: 'fail',
      messageId: 'leaf-not-first',
      data: { ...data, position: leafIndex + 1 },
      evidence: [...evidence, blocks],
      fix: pemFix('Put the server certificate first in the file, then its intermediates'),
    };
  }
  return {
    target,
    status: 'pass',
    messageId: 'certificate-ok',
    data,
    evidence: [...evidence, blocks, { query: `subjectAltName of ${target}`, answer: subjectAltNames(certificates[0]).map(formatSan) }],
  };
}

function keyFinding(ctx: CheckContext, smtp: SmtpRestart, file: LoadedFile<KeyFileContent>, certificate: LoadedFile<CertificateFileContent>, tlsOn: boolean): Finding {
  if (file.state !== 'read') return unreadFinding(ctx, smtp, file, 'key', tlsOn);
  const unreadable = permissionFinding(smtp, file, 'key');
  if (unreadable) return unreadable;
  const target = file.hostPath;
  const content = file.content;
  const evidence = statEvidence(file);
  if (content.kind === 'encrypted') {
    return {
      target,
      status: 'fail',
      messageId: 'key-encrypted',
      data: { file: target, format: content.format },
      evidence,
      fix: {
        summary: `Store the key without a passphrase (Postal has no setting for one), readable only by the Postal user, ${restartNote}`,
        commands: [sh`openssl pkey -in ${target} -out ${target + '.clear'}`, sh`chown ${POSTAL_UID}:${POSTAL_GID} ${target + '.clear'}`, sh`chmod 0600 ${target + '.clear'}`, sh`mv ${target + '.clear'} ${target}`, smtp.command],
        kind: 'file',
      },
    };
  }
  if (content.kind === 'invalid' || content.kind === 'no-key') {
    const found = content.kind === 'invalid' ? `a ${content.format} block that does not parse (${content.error})` : content.labels.length > 0 ? content.labels.join(', ') : 'no private key';
    return {
      target,
      status: 'fail',
      messageId: 'no-key',
      data: { file: target, found },
      evidence,
      fix: { summary: `Put the private key of the certificate (PEM) in ${target}, ${restartNote}`, commands: [smtp.command], kind: 'file' },
    };
  }
  const data = { file: target, format: content.format, description: content.description, access: accessText(file) };
  const certificates = certificate.state === 'read' ? certificatesOf(certificate.content) : null;
  if (!certificates) return { target, status: 'unknown', messageId: 'key-unchecked', data, evidence };
  if (certificates.some((candidate) => keyMatches(candidate, content.key))) {
    // A key matching a later block is reported on the certificate file (leaf not first).
    return { target, status: keyMatches(certificates[0], content.key) ? 'pass' : 'fail', messageId: keyMatches(certificates[0], content.key) ? 'key-ok' : 'key-matches-later-block', data, evidence };
  }
  return {
    target,
    status: 'fail',
    messageId: 'key-mismatch',
    data: { ...data, certificate: certificate.state === 'read' ? certificate.hostPath : '', subject: certificates[0].subject.replace(/\n/g, ', ') },
    evidence: [...evidence, { query: 'leaf public key', answer: describeKey(certificates[0].publicKey) }],
    fix: {
      summary: `Install the key that belongs to this certificate (or the certificate issued for this key), ${restartNote}`,
      commands: [smtp.command],
      kind: 'file',
    },
  };
}

export const tlsFilesCheck: CheckDefinition = {
  id: 'tls.files',
  group: 'tls',
  order: 20,
  title: 'TLS certificate and key exist, parse, can be read by Postal and belong together',
  targets: 'file',
  probes: ['files', 'commands'],
  network: false,
  messages: {
    'certificate-ok': {
      title: 'Certificate file holds the server certificate first',
      message: '{file}: {count} certificate(s) in PEM, the first (the one Postal serves) for {subject}; {access}.',
    },
    'key-ok': {
      title: 'Private key matches the certificate',
      message: '{file}: {description} key ({format}), the key of the first certificate; {access}.',
    },
    'tls-off': {
      title: 'No {kind} file (STARTTLS is off)',
      message: '{file} ({key}: {path}) does not exist; it is needed only when smtp_server.tls_enabled is true.',
    },
    'outside-mount': {
      title: 'The {kind} path is outside the config directory Postal can see',
      message:
        '{key} is {path}, but the Postal containers only see {mount} (mounted at /config). Postal cannot read the {kind} and every STARTTLS handshake fails.',
    },
    missing: {
      title: 'The {kind} file does not exist',
      message: '{file} ({key}: {path}): {reason}. Postal fails every STARTTLS handshake without it.',
    },
    unreadable: {
      title: 'The {kind} file could not be read',
      message: '{file}: {reason}. Run the doctor as root (or as a user that can read it) to check it.',
    },
    'not-readable-by-postal': {
      title: 'Postal cannot read the {kind} file',
      message:
        '{file} has mode {mode}, owner {uid}:{gid}; Postal runs as uid 999 and cannot read it, so every STARTTLS handshake fails. (config.secrets checks the permissions in depth.)',
    },
    der: {
      title: 'Certificate file is DER, which Postal does not read',
      message: '{file} holds a certificate in DER (binary) form. Postal reads only PEM "BEGIN CERTIFICATE" blocks, so it finds no certificate.',
    },
    'bad-certificate': {
      title: 'A certificate in the file does not parse',
      message: '{file}: certificate block {index} cannot be read ({error}); Postal fails at the first STARTTLS.',
    },
    'no-certificate': {
      title: 'Certificate file holds no certificate',
      message: '{file} has no PEM "BEGIN CERTIFICATE" block (found: {found}).',
    },
    'leaf-not-first': {
      title: 'The server certificate is not the first block of the file',
      message:
        '{file}: Postal serves the first certificate as its own, but the first block is a CA certificate ({subject}); the server certificate is block {position}.',
    },
    'key-encrypted': {
      title: 'Private key is encrypted with a passphrase',
      message: '{file} is an encrypted {format} key. Postal has no passphrase setting and cannot read it: every STARTTLS handshake fails.',
    },
    'no-key': {
      title: 'Key file holds no usable private key',
      message: '{file}: found {found}.',
    },
    'key-mismatch': {
      title: 'Private key does not belong to the certificate',
      message: '{file} ({description}, {format}) is not the key of the certificate in {certificate} ({subject}); every STARTTLS handshake fails.',
    },
    'key-matches-later-block': {
      title: 'Private key belongs to a later certificate in the file',
      message: '{file} ({description}, {format}) is not the key of the first certificate, which Postal serves (see the certificate file result).',
    },
    'key-unchecked': {
      title: 'Private key parses; not compared with the certificate',
      message: '{file}: {description} key ({format}). The certificate could not be read, so the pair was not compared.',
    },
  },
  async run(ctx) {
    const smtp = await smtpRestart(ctx);
    const { certificate, key } = await tlsFiles(ctx);
    const tlsOn = ctx.config.get('smtp_server.tls_enabled');
    return latentWhileTlsOff(ctx, [certificateFinding(ctx, smtp, certificate, key, tlsOn), keyFinding(ctx, smtp, key, certificate, tlsOn)]);
  },
};
