import { posix } from 'node:path';
import type { CheckContext, CheckDefinition, Finding } from '../../core/types.js';
import { sh } from '../../util/shell.js';
import { postalContainers, type PostalContainer } from '../../knowledge/postal/containers.js';
import { fileValue } from '../../knowledge/postal/config-files.js';
import { BAKED_PATH_VARIABLES, COMPOSE_FILE } from '../../knowledge/postal/version.js';
import { CONFIG_KEYS, envVarName, keySpec, type ConfigKey } from '../../config/schema.js';
import { LEGACY_SOURCES } from '../../config/legacy.js';
import { writtenPathFor } from '../../config/keys.js';
import { CONTAINER_CONFIG_DIR } from '../../config/load.js';
import { isSecretPath, shownValue } from '../../knowledge/postal/config-values.js';
import { LISTENER_VARIABLES } from '../../knowledge/postal/listeners.js';
import type { PostalProcess } from '../../config/effective.js';

const CONFIG_PATH_VARIABLE = 'POSTAL_CONFIG_FILE_PATH';

const KEY_BY_VARIABLE = new Map<string, ConfigKey>(CONFIG_KEYS.map((key) => [envVarName(key), key]));

/**
 * Variables named after Postal 2 settings (the legacy key paths, e.g. dns.smtp_server_hostname → DNS_SMTP_SERVER_HOSTNAME,
 * and POSTAL_HOST for the web host name): Postal 3's environment source looks up only its own keys
 * (Konfig's SchemaGroup#create_hash), so they are ignored. Each with the Postal 3 key it was meant for.
 */
const POSTAL2_VARIABLES = new Map<string, ConfigKey>([
  ...Object.entries(LEGACY_SOURCES)
    .map(([key, path]) => [path!.toUpperCase().replace(/\./g, '_'), key as ConfigKey] as const)
    .filter(([variable]) => !KEY_BY_VARIABLE.has(variable) && !(variable in LISTENER_VARIABLES)),
  ['POSTAL_HOST', 'postal.web_hostname'],
]);

interface Setting {
  container: PostalContainer;
  variable: string;
  value: string;
}

/** The config key a container's variable sets, if any: its own, or the one a process's listener variable beats (LISTENER_VARIABLES). */
function keyOf(variable: string, service: string): ConfigKey | undefined {
  return KEY_BY_VARIABLE.get(variable) ?? LISTENER_VARIABLES[variable]?.[service as PostalProcess];
}

/** Env values and file values compared as Postal casts them: list items trimmed, booleans and numbers as written. */
function normalise(key: ConfigKey, text: string): string {
  const spec = keySpec(key);
  if (spec?.type === 'array') return text.split(',').map((part) => part.trim()).join(',');
  return text.trim();
}

/** `VAR=value in postal-web-1, postal-smtp-1; VAR=other in postal-worker-1` */
function settingsText(settings: Setting[], key?: ConfigKey): string {
  const byAssignment = new Map<string, string[]>();
  for (const { container, variable, value } of settings) {
    const assignment = `${variable}=${key ? shownValue(key, value) : value}`;
    byAssignment.set(assignment, [...(byAssignment.get(assignment) ?? []), container.name]);
  }
  return [...byAssignment].map(([assignment, names]) => `${assignment} in ${names.join(', ')}`).join('; ');
}

function overrideFinding(ctx: CheckContext, key: ConfigKey, settings: Setting[]): Finding | null {
  const inFile = fileValue(ctx.config, key);
  const baseline = inFile.text === null ? null : normalise(key, inFile.text);
  const effective = settings.filter(({ value }) => value.trim() !== '' && normalise(key, value) !== baseline);
  if (effective.length === 0) return null;

  const variables = [...new Set(effective.map(({ variable }) => variable))];
  const names = [...new Set(effective.map(({ container }) => container.name))];
  const data = {
    key,
    variables: variables.join(', '),
    settings: settingsText(effective, key),
    containers: names.join(', '),
    fileValue: shownValue(key, inFile.text),
    line: inFile.written ? inFile.line : 0,
  };
  const evidence = effective.map(({ container, variable, value }) => ({ query: `docker inspect ${container.name} Config.Env ${variable}`, answer: shownValue(key, value) }));

  const baked = BAKED_PATH_VARIABLES.find((entry) => entry.key === key);
  if (baked && effective.every(({ variable, value }) => variable === baked.variable && value === baked.value)) {
    return {
      target: key,
      status: 'warn',
      messageId: 'image-path',
      data,
      evidence,
      fix: {
        summary: `Upgrade Postal to 3.1.1 or later (postal upgrade), whose image no longer sets ${baked.variable}; or remove ${key} from postal.yml and keep the file at ${baked.value}, which is /opt/postal/config/${posix.basename(baked.value)} on the host`,
        commands: ['postal upgrade'],
        kind: 'manual',
      },
    };
  }

  const secret = isSecretPath(key);
  return {
    target: key,
    status: 'warn',
    messageId: inFile.written ? 'overrides-file' : 'env-only',
    data,
    evidence,
    fix: {
      summary:
        `Remove ${variables.join(' and ')} from the environment of ${names.join(', ')} (the environment: or env_file: of the service in ${COMPOSE_FILE}, or the -e of docker run) and recreate the containers with postal start` +
        (secret ? '' : `; or, if the environment has the value you want, write it in postal.yml as ${key} so that the file says what Postal uses`),
      commands: [...variables.map((variable) => sh`grep -n -- ${variable} ${COMPOSE_FILE}`), 'postal start'],
      kind: 'manual',
    },
  };
}

function configPathFinding(ctx: CheckContext, settings: Setting[]): Finding | null {
  const expected = posix.join(CONTAINER_CONFIG_DIR, posix.basename(ctx.config.path));
  const other = settings.filter(({ value }) => value.trim() !== '' && posix.normalize(value.trim()) !== expected);
  if (other.length === 0) return null;
  const value = other[0].value.trim();
  const onHost = ctx.config.hostPath(value);
  return {
    target: CONFIG_PATH_VARIABLE,
    status: 'warn',
    messageId: 'other-file',
    data: { settings: settingsText(other), file: ctx.config.path, expected },
    evidence: other.map(({ container, value: text }) => ({ query: `docker inspect ${container.name} Config.Env ${CONFIG_PATH_VARIABLE}`, answer: text })),
    fix: {
      summary: onHost
        ? `Check the file the containers read instead: postal-doctor check --config ${onHost}`
        : `The containers read ${value}, which is not in the mounted config directory; point ${CONFIG_PATH_VARIABLE} at ${expected} or remove it from their environment`,
      commands: onHost ? [sh`postal-doctor check --config ${onHost}`] : [sh`grep -n -- ${CONFIG_PATH_VARIABLE} ${COMPOSE_FILE}`],
      kind: 'manual',
    },
  };
}

export const configEnvOverridesCheck: CheckDefinition = {
  id: 'config.env-overrides',
  group: 'config',
  order: 70,
  title: 'No environment variable in the Postal containers silently overrides postal.yml',
  targets: 'key',
  probes: ['commands'],
  network: false,
  messages: {
    none: { title: 'No environment variable overrides postal.yml', message: 'The environment of {containers} sets no Postal setting that differs from postal.yml.' },
    'overrides-file': {
      title: '{variables} overrides {key} from postal.yml',
      message: '{settings}. Postal gives the environment precedence, so {key}: {fileValue} in postal.yml (line {line}) is ignored there.',
    },
    'env-only': {
      title: '{variables} sets {key} outside postal.yml',
      message: '{settings}. postal.yml does not set {key} (default {fileValue}), so the file does not show what Postal uses.',
    },
    'image-path': {
      title: 'The Postal image overrides {key} from postal.yml',
      message: '{settings}: the Postal 3.0.x image sets this variable itself, and the environment beats the file, so {key}: {fileValue} in postal.yml (line {line}) is ignored. Fixed in Postal 3.1.1.',
    },
    'other-file': {
      title: 'The Postal containers read a different config file',
      message: '{settings}: the containers read that file, not {file} ({expected} in the container), so this report does not describe the running config.',
    },
    'postal2-variable': {
      title: '{variable} is a Postal 2 name, which Postal 3 ignores',
      message: '{variable} is set in {containers}, but Postal 3 reads only its own variable names, so it has no effect: {key} is set by {replacement} (now {effective}).',
    },
    'no-containers': { title: 'Environment overrides: skipped', message: 'There are no Postal containers whose environment could be read (see postal.containers).' },
    'no-docker': { title: 'Environment overrides: could not be determined', message: 'Could not read the environment of the Postal containers: {reason}.' },
  },
  async run(ctx) {
    const fact = await postalContainers(ctx);
    if (!fact.ok) return [{ target: null, status: 'unknown', messageId: 'no-docker', data: { reason: fact.reason }, evidence: fact.evidence }];
    if (fact.containers.length === 0) return [{ target: null, status: 'skip', messageId: 'no-containers', evidence: fact.evidence }];

    const byKey = new Map<ConfigKey, Setting[]>();
    const configPaths: Setting[] = [];
    const postal2 = new Map<string, string[]>();
    for (const container of fact.containers) {
      for (const [variable, value] of Object.entries(container.env)) {
        if (variable === CONFIG_PATH_VARIABLE) configPaths.push({ container, variable, value });
        if (POSTAL2_VARIABLES.has(variable)) postal2.set(variable, [...(postal2.get(variable) ?? []), container.name]);
        const key = keyOf(variable, container.service);
        if (key) byKey.set(key, [...(byKey.get(key) ?? []), { container, variable, value }]);
      }
    }
    const findings = CONFIG_KEYS.filter((key) => byKey.has(key))
      .map((key) => overrideFinding(ctx, key, byKey.get(key)!))
      .filter((finding): finding is Finding => finding !== null);
    const otherFile = configPathFinding(ctx, configPaths);
    if (otherFile) findings.push(otherFile);
    for (const [variable, containers] of postal2) {
      const key = POSTAL2_VARIABLES.get(variable)!;
      const replacement = `${writtenPathFor(ctx.config, key) ?? key} in postal.yml or ${envVarName(key)}`;
      findings.push({
        target: variable,
        status: 'warn',
        messageId: 'postal2-variable',
        data: { variable, containers: containers.join(', '), key, replacement, effective: shownValue(key, ctx.config.get(key)) },
        fix: { kind: 'manual', summary: `Rename ${variable} to ${envVarName(key)} where the containers' environment is defined (or set ${key} in postal.yml), then recreate them (postal start)`, commands: [] },
      });
    }
    if (findings.length > 0) return findings;
    return [{ target: null, status: 'pass', messageId: 'none', data: { containers: fact.containers.map(({ name }) => name).join(', ') } }];
  },
};
