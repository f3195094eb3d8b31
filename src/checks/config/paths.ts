import { posix } from 'node:path';
import type { CheckContext, CheckDefinition, Finding, Fix, Status } from '../../core/types.js';
import type { ConfigKey } from '../../config/schema.js';
import { sh } from '../../util/shell.js';
import { CONTAINER_CONFIG_DIR } from '../../config/load.js';
import { configEdit, originText } from '../../knowledge/postal/config-values.js';
import { POSTAL_GID } from '../../knowledge/postal/user.js';

/** Where the installer puts postal.yml and its files on the host. */
const INSTALLER_CONFIG_DIR = '/opt/postal/config';

/** The working directory of Postal's processes inside the image: relative paths resolve against it. */
const APP_DIR = '/opt/postal/app';

const PATH_KEYS: Array<{ key: ConfigKey; file: string; tls: boolean; private: boolean }> = [
  { key: 'smtp_server.tls_certificate_path', file: 'smtp.cert', tls: true, private: false },
  { key: 'smtp_server.tls_private_key_path', file: 'smtp.key', tls: true, private: true },
  { key: 'postal.signing_key_path', file: 'signing.key', tls: false, private: true },
];

export const configPaths: CheckDefinition = {
  id: 'config.paths',
  group: 'config',
  order: 50,
  title: 'File paths in postal.yml are container paths under /config, which the Postal containers can see',
  targets: 'key',
  probes: [],
  network: false,
  messages: {
    ok: {
      title: '{key} is inside the mounted config directory',
      message: '{key} = {value} ({origin}): the containers see it; on the host it is {hostPath}.',
    },
    'outside-mount': {
      title: '{key} points outside the config directory the containers see',
      message:
        '{key} = {value} ({origin}) is read inside the Postal containers, which see only the host directory {directory}, mounted at /config. {value} does not exist in the container, so {consequence}.',
    },
    'host-path': {
      title: '{key} is written as a host path',
      message: '{key} = {value} ({origin}) is where the file is on the host; inside the containers that directory is /config, so Postal must be told {corrected}. As written, {consequence}.',
    },
    relative: {
      title: '{key} is a relative path',
      message: '{key} = {value} ({origin}) is resolved against the working directory of Postal inside the container, so Postal looks for {resolved}, inside the image, not in the config directory. So {consequence}.',
    },
  },
  async run(ctx): Promise<Finding[]> {
    return PATH_KEYS.map((spec) => pathFinding(ctx, spec));
  },
};

function pathFinding(ctx: CheckContext, spec: (typeof PATH_KEYS)[number]): Finding {
  const { key } = spec;
  const entry = ctx.config.entry(key);
  const value = String(ctx.config.get(key));
  const tlsOff = spec.tls && !ctx.config.get('smtp_server.tls_enabled');
  const status: Status = tlsOff ? 'warn' : 'fail';
  const consequence = !spec.tls
    ? 'Postal cannot sign with its signing key'
    : tlsOff
      ? 'STARTTLS will fail as soon as smtp_server.tls_enabled is switched on'
      : 'STARTTLS fails for every client that asks for it';
  const directory = ctx.config.directory;
  const data = { key, value, origin: originText(entry), directory, consequence };
  const containerPath = posix.join(CONTAINER_CONFIG_DIR, spec.file);
  const hostDestination = posix.join(directory, spec.file);

  const hostPath = ctx.config.hostPath(value);
  if (hostPath !== null) return { target: key, status: 'pass', messageId: 'ok', data: { ...data, hostPath } };

  if (!posix.isAbsolute(value)) {
    const resolved = posix.join(APP_DIR, value);
    const corrected = posix.join(CONTAINER_CONFIG_DIR, posix.basename(value));
    return {
      target: key,
      status,
      messageId: 'relative',
      data: { ...data, resolved },
      fix: changeFix(ctx, key, corrected, `Point ${key} at ${corrected}, the same file name in the config directory (${posix.join(directory, posix.basename(value))} on the host)`),
    };
  }

  const normalised = posix.normalize(value);
  const hostDirectory = [directory, INSTALLER_CONFIG_DIR].find((dir) => normalised.startsWith(`${dir}/`));
  if (hostDirectory) {
    const corrected = posix.join(CONTAINER_CONFIG_DIR, normalised.slice(hostDirectory.length + 1));
    return { target: key, status, messageId: 'host-path', data: { ...data, corrected }, fix: changeFix(ctx, key, corrected, `Write ${key} as the container path ${corrected}`) };
  }

  // The copy belongs to root: a private file gets Postal's group, as postal bootstrap leaves it readable to the containers.
  const permissions = spec.private ? [sh`chgrp ${POSTAL_GID} ${hostDestination}`, sh`chmod 640 ${hostDestination}`] : [sh`chmod 644 ${hostDestination}`];
  const mount = value.startsWith('/etc/letsencrypt/') ? '/etc/letsencrypt' : posix.dirname(normalised);
  const fix = changeFix(
    ctx,
    key,
    containerPath,
    `Copy ${value} to ${hostDestination} and point ${key} at ${containerPath}; copy it again after every renewal (for example from a certbot --deploy-hook that also runs postal restart). Or instead add the volume ${mount}:${mount}:ro to every service in /opt/postal/install/docker-compose.yml${mount === '/etc/letsencrypt' ? " (the whole of /etc/letsencrypt: the live/ files are links into archive/)" : ''} and keep the path`,
  );
  return { target: key, status, messageId: 'outside-mount', data, fix: { ...fix, commands: [sh`cp ${value} ${hostDestination}`, ...permissions, ...fix.commands] } };
}

/** The config change, made in the file or, when the value comes from the environment, there. */
function changeFix(ctx: CheckContext, key: ConfigKey, to: string, summary: string): Fix {
  const entry = ctx.config.entry(key);
  if (entry.origin === 'env') {
    return { summary: `${summary}: the value comes from the environment variable ${entry.source} of the Postal containers, so change it there and recreate them (postal start)`, commands: [], kind: 'manual' };
  }
  return { summary: `${summary}, then restart Postal (postal restart)`, commands: ['postal restart'], kind: 'config', configChanges: [configEdit(ctx.config, key, to)] };
}
