import type { CheckContext, CheckDefinition, ConfigChange, Finding, Status } from '../../core/types.js';
import type { WrittenKey } from '../../config/effective.js';
import type { ConfigKey } from '../../config/schema.js';
import { classifyWrittenKeys, type KeyClassification } from '../../config/keys.js';
import { legacyRelayUrls } from '../../config/legacy.js';
import { relayUrlAsMeant } from '../../knowledge/postal/relays.js';
import { changeValue, originText, shownValue } from '../../knowledge/postal/config-values.js';

/**
 * Settings whose silent loss changes what users see: names, HELO, TLS, ports, paths, databases,
 * relays and the secret key. An ignored key meant for one of these is a failure, for others a warning.
 */
const BEHAVIOUR_KEYS =
  /^(postal\.(smtp_hostname|web_hostname|web_protocol|use_ip_pools|smtp_relays|signing_key_path)|dns\.(helo_hostname|mx_records|spf_include|return_path_domain|route_domain|track_domain)|smtp_server\.(tls_\w+|ssl_version|default_port|default_bind_address|proxy_protocol)|web_server\.(default_port|default_bind_address)|main_db\.\w+|message_db\.\w+|smtp\.(host|port|username|password)|rails\.secret_key)$/;

const RETIRED_WHY: Array<[RegExp, string]> = [
  [/^rabbitmq(\.|$)/, 'Postal 3 does not use RabbitMQ'],
  [/^workers(\.|$)/, 'Postal 3 sets worker threads with worker.threads and runs more workers as more worker containers'],
  [/^fast_server(\.|$)/, 'Postal 3 has no separate click-tracking server'],
  [/^logging\./, 'Postal 3 logs to standard output (logging.enabled)'],
];

export const configUnknownKeys: CheckDefinition = {
  id: 'config.unknown-keys',
  group: 'config',
  order: 20,
  title: 'Every key in postal.yml is one Postal reads (no typos, legacy names or keys in the wrong group)',
  targets: 'key',
  probes: [],
  network: false,
  messages: {
    ok: {
      title: 'Postal reads every key in postal.yml',
      message: '{count} checked: Postal reads each of them{how}.',
    },
    'legacy-in-v2': {
      title: '{key} is a legacy key that Postal 3 ignores in a version 2 file',
      message: '{key} (line {line}) is the Postal 2 name of {target}. Postal 3 ignores it in a version 2 file; use {writeAs}. {effect}',
    },
    'v2-in-legacy': {
      title: '{key} is ignored because the file is in the legacy format',
      message: '{key} (line {line}) is a version 2 key, but the file has no "version: 2": Postal reads it through the legacy mapping, which never looks at {key}. {how} {effect}',
    },
    'wrong-group': {
      title: '{key} is in the wrong place: Postal ignores it',
      message: '{key} (line {line}) is not a Postal setting; the setting is {writeAs}. {effect}',
    },
    typo: {
      title: '{key} is not a Postal setting: did you mean {writeAs}?',
      message: '{key} (line {line}) is not a Postal setting, so Postal ignores it. Did you mean {writeAs}? {effect}',
    },
    ambiguous: {
      title: '{key} is not a Postal setting',
      message: '{key} (line {line}) is not a Postal setting, so Postal ignores it. Did you mean one of {candidates}?',
    },
    retired: {
      title: '{key} has no meaning in Postal 3',
      message: '{key} (line {line}) was a Postal 2 setting; {why}, so it is ignored. Remove it.',
    },
    'unknown-group': {
      title: '{key} is ignored: Postal has no {group} group',
      message: '{key} (line {line}) is ignored: {group} is not one of Postal\'s config groups.',
    },
    unknown: {
      title: '{key} is not a Postal setting',
      message: '{key} (line {line}) is ignored: the {group} group has no such key.',
    },
  },
  async run(ctx): Promise<Finding[]> {
    const classified = classifyWrittenKeys(ctx.config);
    const findings: Finding[] = [];
    for (const { written, classification } of classified) {
      if (classification.kind !== 'known') findings.push(finding(ctx, written, classification));
    }
    if (findings.length > 0) return findings;
    return [{ target: null, status: 'pass', messageId: 'ok', data: { count: `${classified.length} key${classified.length === 1 ? '' : 's'}`, how: ctx.config.format === 1 ? ' through its legacy mapping' : '' } }];
  },
};

function finding(ctx: CheckContext, written: WrittenKey, classification: Exclude<KeyClassification, { kind: 'known' }>): Finding {
  const base = { key: written.path, line: written.line };
  const remove: ConfigChange = { path: written.path, from: changeValue(written.path, written.value) };
  switch (classification.kind) {
    case 'ambiguous':
      return {
        target: written.path,
        status: 'warn',
        messageId: 'ambiguous',
        data: { ...base, candidates: classification.candidates.join(', ') },
        fix: { summary: `Rename ${written.path} to the setting you meant (${classification.candidates.join(', ')}), or remove it`, commands: [], kind: 'config' },
      };
    case 'retired': {
      const why = RETIRED_WHY.find(([pattern]) => pattern.test(written.path))?.[1] ?? 'Postal 3 has no such setting';
      return { target: written.path, status: 'warn', messageId: 'retired', data: { ...base, why }, fix: { summary: `Remove ${written.path} from postal.yml`, commands: [], kind: 'config', configChanges: [remove] } };
    }
    case 'unknown-group':
    case 'unknown': {
      const group = classification.kind === 'unknown-group' ? classification.group : written.path.split('.')[0];
      return {
        target: written.path,
        status: 'warn',
        messageId: classification.kind,
        data: { ...base, group },
        fix: { summary: `Remove ${written.path}, or write the setting you meant under its documented name (docs: doc/config/yaml.yml in Postal's repository)`, commands: [], kind: 'config', configChanges: [remove] },
      };
    }
    default:
      return misplaced(ctx, written, classification);
  }
}

/** A key Postal ignores that was meant for a real setting: what Postal uses instead, and the move that fixes it. */
function misplaced(ctx: CheckContext, written: WrittenKey, classification: Extract<KeyClassification, { target: ConfigKey }>): Finding {
  const { target } = classification;
  const entry = ctx.config.entry(target);
  // Relays are rewritten as their writer meant them in Postal 3 (STARTTLS is spelt STARTLS there; no mode was Auto in Postal 2).
  const intended = written.path === 'smtp_relays' && target === 'postal.smtp_relays' ? legacyRelayUrls(written.value)?.map(relayUrlAsMeant) : written.value;
  const differs = !sameValue(intended, entry.value);
  const setElsewhere = entry.origin !== 'default';
  const status: Status = differs && !setElsewhere && BEHAVIOUR_KEYS.test(target) ? 'fail' : 'warn';
  const effective = `${target} = ${shownValue(target, entry.value)} (${originText(entry)})`;
  const effect = !differs
    ? `Postal uses ${effective}, the same value, so nothing changes yet.`
    : setElsewhere
      ? `Postal uses ${effective}; this line has no effect.`
      : `Postal uses ${effective}, not ${shownValue(written.path, written.value)}.`;
  const writeAs = classification.writeAs;
  const data = { key: written.path, line: written.line, target, writeAs: writeAs ?? target, effect };
  const remove: ConfigChange = { path: written.path, from: changeValue(written.path, written.value) };

  if (classification.kind === 'v2-in-legacy' && writeAs === null) {
    return {
      target: written.path,
      status,
      messageId: 'v2-in-legacy',
      data: { ...data, how: 'A legacy file cannot set it at all: convert the file to version 2 (see config.syntax).' },
      fix: { summary: `Convert postal.yml to the version 2 format (add version: 2 and rename the legacy keys, see config.syntax); then Postal reads ${written.path}`, commands: [], kind: 'config' },
    };
  }
  const destination = writeAs ?? target;
  const how = classification.kind === 'v2-in-legacy' ? `In this format it is written ${destination}; or convert the file to version 2.` : '';
  // Not set elsewhere: the destination holds only the default, so the change adds it.
  const changes: ConfigChange[] = setElsewhere ? [remove] : [remove, { path: destination, to: changeValue(target, intended) }];
  const summary = setElsewhere
    ? `Remove ${written.path}: Postal uses ${target}${entry.origin === 'env' ? ` from ${entry.source}` : ''}`
    : `Move ${written.path} to ${destination}`;
  return {
    target: written.path,
    status,
    messageId: classification.kind,
    data: { ...data, how },
    fix: { summary: `${summary}, then restart Postal (postal restart)`, commands: ['postal restart'], kind: 'config', configChanges: changes },
  };
}

function sameValue(a: unknown, b: unknown): boolean {
  const text = (value: unknown) => (Array.isArray(value) ? JSON.stringify(value.map(String)) : value === null || value === undefined || value === '' ? '' : String(value));
  return text(a) === text(b);
}
