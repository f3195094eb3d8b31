import type { CheckContext, CheckDefinition, ConfigChange, Finding } from '../../core/types.js';
import type { SyntaxIssue, TypeProblem } from '../../config/effective.js';
import { sh } from '../../util/shell.js';
import { MAX_CONFIG_BYTES } from '../../config/load.js';
import { classifyWrittenKeys } from '../../config/keys.js';
import { legacyRelayUrls, v2KeyForLegacyPath } from '../../config/legacy.js';
import { relayUrlAsMeant } from '../../knowledge/postal/relays.js';
import { changeValue } from '../../knowledge/postal/config-values.js';

const CANNOT_START = 'Postal refuses to start with this file.';

const CONSEQUENCE: Record<string, string> = {
  list: 'Postal gets a single string where it expects a list, and fails where it uses the list',
  'list of strings': 'Postal turns each mapping into text it cannot use (a relay is written smtp://host:port?ssl_mode=Auto)',
};

const HOW_TO_WRITE: Record<string, string> = {
  string: 'put the value in quotes',
  integer: 'write a whole number, without quotes or units',
  boolean: 'write true or false',
  list: 'write one "- value" line per entry',
  'list of strings': 'write each entry as a string',
};

export const configSyntax: CheckDefinition = {
  id: 'config.syntax',
  group: 'config',
  order: 10,
  title: 'postal.yml is valid YAML that Postal can load, in version 1 or 2 format, with the right value types',
  targets: 'file',
  probes: [],
  network: false,
  needsConfig: false,
  messages: {
    ok: {
      title: 'postal.yml is valid',
      message: 'Valid YAML in the version {format} format; every value has the type Postal expects.',
    },
    'yaml-error': {
      title: 'postal.yml is not valid YAML (line {line}, column {column})',
      message: 'Line {line}, column {column}: {error}. {cannotStart}{more}',
    },
    'unquoted-value': {
      title: 'postal.yml is not valid YAML: the value of {key} on line {line} needs quotes',
      message:
        'Line {line}, column {column}: {error}. The value of {key} starts with a character YAML reserves, so it must be quoted{example}. {cannotStart}{more}',
    },
    alias: {
      title: 'postal.yml uses a YAML alias, which Postal refuses (line {line})',
      message: 'Line {line}, column {column}: {error}. {cannotStart} Write the values out instead of using &anchors and *aliases.',
    },
    'refused-value': {
      title: 'Postal refuses the value of {key} on line {line}',
      message: 'Line {line}, column {column}: {error}. {cannotStart} Put the value in quotes.',
    },
    empty: {
      title: 'postal.yml is empty',
      message: 'The file holds no settings (only comments or nothing). Postal fails on an empty config file.',
    },
    binary: {
      title: 'postal.yml is not a text file',
      message: '{detail}. This is not a Postal config; was the wrong file given with --config?',
    },
    'too-large': {
      title: 'postal.yml is far too large to be a Postal config',
      message: '{detail} (the limit here is {limit} bytes). Was the wrong file given with --config?',
    },
    'not-mapping': {
      title: 'postal.yml is not a mapping of settings',
      message: '{detail}. A Postal config is a mapping of groups (postal:, dns:, smtp_server: …) with keys under them. {cannotStart}',
    },
    'bad-version': {
      title: 'postal.yml has an unsupported version',
      message: 'version: {version}. Postal accepts only version 1 (the legacy format, or no version line) and version 2 (written as the number 2, not in quotes). {cannotStart}',
    },
    'docker-compose': {
      title: 'This is a docker-compose file, not postal.yml',
      message:
        'The file has a services: section: it is the docker-compose file that runs Postal (its version: line is the compose file format, not a Postal config version). Postal reads its settings from /opt/postal/config/postal.yml.',
    },
    caddyfile: {
      title: 'This is a Caddyfile, not postal.yml',
      message: 'The file is the Caddy web server configuration that the installer writes next to postal.yml. Postal reads its settings from /opt/postal/config/postal.yml.',
    },
    template: {
      title: 'This is an ERB template, not postal.yml',
      message:
        'The file contains <%= … %> tags: it is a template such as Postal 2\'s config/postal.defaults.yml, not a config. Postal 3 does not run ERB, so it would read the tags as literal text.',
    },
    type: {
      title: '{key} has the wrong type (line {line})',
      message: '{written} on line {line} should be {expected}, but it is {actual}: {consequence}.',
    },
    'template-placeholder': {
      title: '{key} is still an installer template placeholder (line {line})',
      message:
        '{written} on line {line} is written as {placeholder}, which postal bootstrap replaces when it creates the file; YAML reads it as a mapping, so Postal uses it as fixed text. Quoting it would not help: it needs its real value (for rails.secret_key, see config.secrets).',
    },
    duplicate: {
      title: '{key} is written twice',
      message: '{key} is set on line {firstLine} and again on line {line}. Postal uses the later one (line {line}) and ignores the first.',
    },
    'legacy-format': {
      title: 'postal.yml is in the legacy (version 1) format',
      message:
        'The file has no "version: 2", so Postal 3 reads it through its legacy mapping and prints "WARNING: Using legacy config file format" at every start, and version 2 settings written into it are ignored. To convert it, add version: 2{renames}.',
    },
  },
  async run(ctx): Promise<Finding[]> {
    const { config } = ctx;
    const target = ctx.config.path;
    const { syntax } = config;
    const problem = syntax.fileProblem;

    if (problem) return [fileProblemFinding(ctx, problem)];
    if (syntax.errors.length > 0) return [errorFinding(ctx, syntax.errors)];

    const findings: Finding[] = [];
    for (const typeProblem of syntax.typeProblems) findings.push(typeFinding(ctx, typeProblem));
    for (const duplicate of syntax.duplicates ?? []) {
      findings.push({
        target,
        status: 'warn',
        messageId: 'duplicate',
        data: { key: duplicate.path, line: duplicate.line, firstLine: duplicate.firstLine },
        fix: { summary: `Delete one of the two ${duplicate.path} lines (${duplicate.firstLine} and ${duplicate.line}) so that the file says what Postal uses`, commands: [], kind: 'config' },
      });
    }
    if (config.format === 1) findings.push(legacyFinding(ctx));
    if (findings.length === 0) findings.push({ target, status: 'pass', messageId: 'ok', data: { format: config.format ?? '?' } });
    return findings;
  },
};

function fileProblemFinding(ctx: CheckContext, problem: NonNullable<CheckContext['config']['syntax']['fileProblem']>): Finding {
  const target = ctx.config.path;
  const rightFile = { summary: 'Give the Postal config file: postal-doctor check --config /opt/postal/config/postal.yml', commands: [], kind: 'manual' as const };
  switch (problem.kind) {
    case 'empty':
      return {
        target,
        status: 'fail',
        messageId: 'empty',
        fix: { summary: 'Write the config: at least version: 2, postal.web_hostname, postal.smtp_hostname, the main_db settings and rails.secret_key', commands: [], kind: 'config' },
      };
    case 'binary':
      return { target, status: 'fail', messageId: 'binary', data: { detail: capitalise(problem.message) }, fix: rightFile };
    case 'too-large':
      return { target, status: 'fail', messageId: 'too-large', data: { detail: capitalise(problem.message), limit: MAX_CONFIG_BYTES }, fix: rightFile };
    case 'not-mapping':
      return { target, status: 'fail', messageId: 'not-mapping', data: { detail: capitalise(problem.message), cannotStart: CANNOT_START }, fix: rightFile };
    case 'bad-version':
      return {
        target,
        status: 'fail',
        messageId: 'bad-version',
        data: { version: problem.version ?? '?', cannotStart: CANNOT_START },
        fix: { summary: 'Write version: 2 (the number) if the file uses the version 2 keys, or remove the version line for a legacy file', commands: [], kind: 'config', configChanges: [{ path: 'version', from: problem.version ?? undefined, to: 2 }] },
      };
    case 'wrong-file':
      return { target, status: 'fail', messageId: problem.looksLike === 'caddyfile' ? 'caddyfile' : 'docker-compose', fix: rightFile };
    case 'template':
      return { target, status: 'fail', messageId: 'template', fix: rightFile };
  }
}

function errorFinding(ctx: CheckContext, errors: SyntaxIssue[]): Finding {
  const path = ctx.config.path;
  const first = errors[0];
  const more = errors.length > 1 ? ` (${errors.length - 1} more error${errors.length > 2 ? 's' : ''} may follow from this one.)` : '';
  const base = { line: first.line, column: first.column, error: first.message, cannotStart: CANNOT_START, more };
  const show = sh`sed -n ${`${Math.max(1, first.line - 2)},${first.line + 2}p`} ${path}`;
  if (first.kind === 'alias') {
    return { target: path, status: 'fail', messageId: 'alias', data: base, fix: { summary: `Replace the alias on line ${first.line} of ${path} with the value it stands for`, commands: [show], kind: 'config' } };
  }
  if (first.kind === 'symbol' || first.kind === 'date') {
    const key = first.key ?? 'a key';
    return { target: path, status: 'fail', messageId: 'refused-value', data: { ...base, key }, fix: { summary: `Put the value of ${key} on line ${first.line} of ${path} in double quotes`, commands: [show], kind: 'config' } };
  }
  if (first.hint === 'quote' && first.key) {
    const commands = first.corrected ? [quoteCommand(path, first.line, first.corrected), show] : [show];
    return {
      target: path,
      status: 'fail',
      messageId: 'unquoted-value',
      data: { ...base, key: first.key, example: first.corrected ? `: write ${first.corrected}` : '' },
      fix: { summary: `Put the value of ${first.key} on line ${first.line} of ${path} in double quotes${first.corrected ? ` (${first.corrected})` : ''}`, commands, kind: 'config' },
    };
  }
  return { target: path, status: 'fail', messageId: 'yaml-error', data: base, fix: { summary: `Correct line ${first.line} of ${path} (YAML: indent with spaces, quote values that contain ": " or start with a special character)`, commands: [show], kind: 'config' } };
}

/** `sed -i '105s/::/"::"/' postal.yml`: quotes the first occurrence of the value on that line. */
function quoteCommand(path: string, line: number, corrected: string): string {
  const value = /"(.*)"$/.exec(corrected)?.[1] ?? '';
  const pattern = value.replace(/[.[\]*^$\\/]/g, (character) => `\\${character}`);
  return sh`sed -i ${`${line}s/${pattern}/"${pattern}"/`} ${path}`;
}

/** An installer template value left in place, such as `{{secretkey}}`: YAML reads it as a nested mapping. */
const TEMPLATE_PLACEHOLDER = /^\{\{\s*\w+\s*\}\}$/;

function typeFinding(ctx: CheckContext, problem: TypeProblem): Finding {
  const target = ctx.config.path;
  const written = problem.path ?? problem.key;
  const source = ctx.config.writtenKeys().find((key) => key.path === written)?.source?.trim();
  if (source && TEMPLATE_PLACEHOLDER.test(source)) {
    return {
      target,
      status: 'fail',
      messageId: 'template-placeholder',
      data: { key: problem.key, written, line: problem.line ?? '?', placeholder: source },
      fix: { summary: `On line ${problem.line ?? '?'}, replace ${source} with the real value of ${written} (postal-doctor explain config.secrets for rails.secret_key)`, commands: [], kind: 'config' },
    };
  }
  const consequence =
    CONSEQUENCE[problem.expected] ??
    (problem.reads !== undefined
      ? `Postal reads it as ${problem.reads}`
      : problem.expected === 'string'
        ? 'Postal uses it as the text Ruby prints for it, which is not what was meant'
        : 'Postal cannot use it and fails where it needs the value');
  const expected = problem.expected === 'integer' ? 'a whole number' : problem.expected === 'boolean' ? 'true or false' : problem.expected === 'string' ? 'a string' : `a ${problem.expected}`;
  return {
    target,
    status: 'fail',
    messageId: 'type',
    data: { key: problem.key, written, line: problem.line ?? '?', expected, actual: problem.actual, consequence },
    fix: { summary: `On line ${problem.line ?? '?'}, ${HOW_TO_WRITE[problem.expected] ?? 'correct the value'} for ${written}`, commands: [], kind: 'config' },
  };
}

/** What converting this legacy file to version 2 involves: renames, relays rewritten as URLs, retired keys removed. */
function legacyFinding(ctx: CheckContext): Finding {
  const path = ctx.config.path;
  const changes: ConfigChange[] = [{ path: 'version', from: ctx.config.writtenKeys().some((key) => key.path === 'version') ? 1 : undefined, to: 2 }];
  const renames: string[] = [];
  const removals: string[] = [];
  for (const { written, classification } of classifyWrittenKeys(ctx.config)) {
    if (classification.kind === 'retired') {
      removals.push(written.path);
      changes.push({ path: written.path, from: changeValue(written.path, written.value) });
      continue;
    }
    if (classification.kind !== 'known' || written.path === 'version') continue;
    const v2Key = v2KeyForLegacyPath(written.path);
    if (!v2Key || v2Key === written.path) continue;
    renames.push(`${written.path} → ${v2Key}`);
    const value = v2Key === 'postal.smtp_relays' ? legacyRelayUrls(written.value)?.map(relayUrlAsMeant) : written.value;
    changes.push({ path: written.path, from: changeValue(written.path, written.value) }, { path: v2Key, to: changeValue(v2Key, value) });
  }
  const parts = [renames.length > 0 ? ` and rename ${renames.join(', ')}` : ' (no key needs a new name)', ...(removals.length > 0 ? [`; remove ${removals.join(', ')} (no meaning in Postal 3)`] : [])];
  return {
    target: path,
    status: 'warn',
    messageId: 'legacy-format',
    data: { renames: parts.join('') },
    fix: {
      summary: `Convert ${path} to the version 2 format: add version: 2 at the top${renames.length > 0 ? ` and rename ${renames.length} key${renames.length === 1 ? '' : 's'}` : ''}, then restart Postal (postal restart)`,
      commands: [sh`cp ${path} ${`${path}.v1`}`, 'postal restart'],
      kind: 'config',
      configChanges: changes,
    },
  };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
