import type { CheckDefinition, Finding } from '../../core/types.js';
import { sh } from '../../util/shell.js';
import { readKeyFile } from '../../knowledge/tls/certificates.js';
import { POSTAL_GID } from '../../knowledge/postal/user.js';

/** Larger files are not keys. */
const MAX_KEY_BYTES = 64 * 1024;

export const signingKeyCheck: CheckDefinition = {
  id: 'postal.signing-key',
  group: 'postal',
  order: 45,
  title: 'The signing key is an RSA private key Postal can read',
  targets: 'file',
  probes: ['files'],
  network: false,
  messages: {
    rsa: { title: 'The signing key is an RSA key', message: '{file} holds an {description} private key ({format}), which Postal signs with.' },
    'not-rsa': {
      title: 'The signing key is not an RSA key',
      message:
        '{file} holds an {description} key. Postal reads it with OpenSSL::PKey::RSA.new, which accepts only RSA, so the worker cannot DKIM-sign with the default key and the web interface cannot show its DNS record.',
    },
    unusable: {
      title: 'The signing key cannot be read as a key',
      message: '{file}: {problem}. Postal reads it with OpenSSL::PKey::RSA.new and no passphrase, so the worker cannot DKIM-sign with the default key.',
    },
    'not-here': { title: 'Signing key: skipped', message: '{file} could not be read here ({reason}); config.paths and config.secrets report where it is and who may read it.' },
  },
  async run(ctx): Promise<Finding[]> {
    const value = String(ctx.config.get('postal.signing_key_path'));
    const path = ctx.config.hostPath(value);
    if (path === null) return [{ target: value, status: 'skip', messageId: 'not-here', data: { file: value, reason: 'outside the mounted config directory' } }];
    const file = await ctx.probes.files.read(path, MAX_KEY_BYTES);
    if (!file.ok) return [{ target: path, status: 'skip', messageId: 'not-here', data: { file: path, reason: file.message } }];
    const content = readKeyFile(file.value);
    // A new key changes the return path's DKIM record, and the worker reads the key only when it starts.
    const fix = {
      kind: 'file' as const,
      summary: `Create a new RSA signing key as postal bootstrap does, let Postal's group read it, restart the worker and the web server (they read it once, at start), then publish the new DKIM record of the return path domain (postal default-dkim-record)`,
      commands: [sh`openssl genrsa -out ${path} 2048`, sh`chgrp ${POSTAL_GID} ${path}`, sh`chmod 640 ${path}`, 'postal restart', 'postal default-dkim-record'],
    };
    // lib/postal/config.rb:111 at 3.3.6: OpenSSL::PKey::RSA.new(File.read(signing_key_path)).
    if (content.kind === 'key' && content.key.asymmetricKeyType === 'rsa') {
      return [{ target: path, status: 'pass', messageId: 'rsa', data: { file: path, description: content.description, format: content.format } }];
    }
    if (content.kind === 'key') return [{ target: path, status: 'fail', messageId: 'not-rsa', data: { file: path, description: content.description }, fix }];
    const problem =
      content.kind === 'encrypted' ? `the key is encrypted (${content.format}) and Postal gives no passphrase`
      : content.kind === 'invalid' ? `the ${content.format} block does not decode (${content.error})`
      : content.labels.length > 0 ? `it holds ${content.labels.join(', ')}, no private key`
      : 'it holds no PEM or DER private key';
    return [{ target: path, status: 'fail', messageId: 'unusable', data: { file: path, problem }, fix }];
  },
};
