import { open, stat } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, Scalar, type Node as YamlNode, type ScalarTag, type Tags } from 'yaml';
import { DoctorError } from '../util/errors.js';
import type { ConfigEntry, DuplicateKey, EffectiveConfig, Origin, SyntaxIssue, SyntaxReport, TypeProblem, WrittenKey } from './effective.js';
import { CONFIG_FILE_ROOT, CONFIG_KEYS, envVarName, keySpec, SCHEMA, type ConfigKey, type KeySpec, type ValueOf } from './schema.js';
import { LEGACY_PATHS, LEGACY_SOURCES, legacyRelayUrls } from './legacy.js';
import { looksSecret } from './secrets.js';

/** Where the Postal containers see the host's config directory. */
export const CONTAINER_CONFIG_DIR = '/config';

/** A postal.yml is a few kilobytes; anything far larger is not one, and parsing it would only cost time. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

export interface LoadOptions {
  /** Host path of postal.yml. */
  path: string;
  /** Environment of the Postal containers: `GROUP_KEY` variables override the file, as in Postal. */
  env?: Record<string, string>;
}

export interface LoadResult {
  config: EffectiveConfig;
}

type FileProblem = NonNullable<SyntaxReport['fileProblem']>;

/** postal.yml as read from disk: its text, or why the file as a whole cannot be a config. */
export interface ConfigSource {
  path: string;
  text: string | null;
  fileProblem?: FileProblem;
}

/**
 * Reads postal.yml, a host path, under `hostRoot` (`/` on the host itself). A missing, unreadable or
 * non-regular file is a DoctorError (exit 2) naming the file read.
 */
export async function readConfigFile(hostPath: string, hostRoot = '/'): Promise<ConfigSource> {
  const path = hostRoot === '/' ? hostPath : join(hostRoot, hostPath);
  let data: Buffer;
  try {
    // Checked before opening: opening a FIFO would block until something writes to it.
    const info = await stat(path);
    if (info.isDirectory()) throw new DoctorError(`${path}: is a directory, not a Postal config file (--config takes the file itself, such as ${join(hostPath, 'postal.yml')})`);
    if (!info.isFile()) throw new DoctorError(`${path}: is not a regular file`);
    const handle = await open(path, 'r');
    try {
      if (info.size > MAX_CONFIG_BYTES) {
        return { path: hostPath, text: null, fileProblem: { kind: 'too-large', message: `the file is ${info.size} bytes; a Postal config is a few kilobytes` } };
      }
      // Read at most one byte more than allowed: a file that grows while being read cannot make this unbounded.
      const buffer = Buffer.alloc(MAX_CONFIG_BYTES + 1);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      if (bytesRead > MAX_CONFIG_BYTES) {
        return { path: hostPath, text: null, fileProblem: { kind: 'too-large', message: `the file is larger than ${MAX_CONFIG_BYTES} bytes; a Postal config is a few kilobytes` } };
      }
      data = buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof DoctorError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DoctorError(`${path}: no such file (give the Postal config with --config)`);
    if (code === 'EACCES' || code === 'EPERM') throw new DoctorError(`${path}: permission denied (run as root or a user that can read it)`);
    if (code === 'EISDIR') throw new DoctorError(`${path}: is a directory, not a Postal config file`);
    if (code === 'ENOTDIR') throw new DoctorError(`${path}: a parent of this path is not a directory`);
    throw new DoctorError(`${path}: cannot be read (${code ?? 'error'})`);
  }
  if (data.includes(0) || !isUtf8(data)) {
    return { path: hostPath, text: null, fileProblem: { kind: 'binary', message: 'the file is not text (it contains NUL bytes or invalid UTF-8)' } };
  }
  return { path: hostPath, text: data.toString('utf8') };
}

const parsedSources = new WeakMap<ConfigSource, ParsedConfig>();

/**
 * The effective config of a file read with readConfigFile, with the containers' environment applied. The text
 * is parsed once per source: each Postal process's environment is laid over the same document.
 */
export function configFromSource(source: ConfigSource, options: Omit<LoadOptions, 'path'> = {}): LoadResult {
  let parsed = parsedSources.get(source);
  if (!parsed) parsedSources.set(source, (parsed = parseConfigText(source.text, source.fileProblem)));
  return buildConfig(parsed, { ...options, path: source.path });
}

/** readConfigFile, then configFromSource. */
export async function loadConfigFile(path: string, options: Omit<LoadOptions, 'path'> & { hostRoot?: string } = {}): Promise<LoadResult> {
  const { hostRoot, ...rest } = options;
  return configFromSource(await readConfigFile(path, hostRoot), rest);
}

function isUtf8(data: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(data);
    return true;
  } catch {
    return false;
  }
}

/**
 * Psych (Ruby's YAML) reads yes/true/on and no/false/off in any letter case as booleans, but not y/n;
 * the YAML 1.1 schema of the `yaml` package differs on both, so its boolean tags are replaced.
 */
function psychBooleans(tags: Tags): Tags {
  return tags.map((tag) => {
    if (typeof tag !== 'object' || tag.tag !== 'tag:yaml.org,2002:bool') return tag;
    const truthy = (tag as ScalarTag).identify?.(true) === true;
    return { ...(tag as ScalarTag), test: truthy ? /^(?:yes|true|on)$/i : /^(?:no|false|off)$/i };
  });
}

const TEMPLATE_VALUE = /:[ \t]*["']?<%/m;
const CADDYFILE = /^[^\s#][^\n]*\{[ \t]*$/m;
const CADDY_DIRECTIVE = /^\s+(reverse_proxy|file_server|encode|header|tls|root|respond|redir)\b/m;

/**
 * Builds the effective config from postal.yml text the way Postal does: YAML 1.1 as Ruby's
 * `YAML.safe_load` reads it, `version` 1 (or absent) through the legacy mapping, 2 as is, defaults
 * from the schema, environment variables on top, values cast as Postal's config library casts them.
 * Problems never throw: they are recorded in `syntax`, and `format` is null when Postal could not start.
 */
export function loadConfigText(text: string | null, options: LoadOptions, fileProblem?: FileProblem): LoadResult {
  return buildConfig(parseConfigText(text, fileProblem), options);
}

/** The text as YAML: what the file says, before defaults, environment and casts. Read-only once made. */
interface ParsedConfig {
  root: unknown;
  format: 1 | 2 | null;
  syntax: FileSyntax;
  written: WrittenKey[];
}

/** What the text alone tells of its syntax; type problems come with the casts, per environment. */
type FileSyntax = Omit<SyntaxReport, 'typeProblems'>;

function parseConfigText(text: string | null, fileProblem?: FileProblem): ParsedConfig {
  const syntax: FileSyntax = { errors: [], duplicates: [], fileProblem };
  let root: unknown = undefined;
  let format: 1 | 2 | null = null;
  const written: WrittenKey[] = [];

  if (text !== null && !fileProblem) {
    if (text.length > MAX_CONFIG_BYTES) {
      syntax.fileProblem = { kind: 'too-large', message: `the text is ${text.length} characters; a Postal config is a few kilobytes` };
    } else if (TEMPLATE_VALUE.test(text)) {
      syntax.fileProblem = { kind: 'template', message: 'the file is an ERB template (<%= … %>), not a config file' };
    } else if (CADDYFILE.test(text) && CADDY_DIRECTIVE.test(text)) {
      syntax.fileProblem = { kind: 'wrong-file', looksLike: 'caddyfile', message: 'the file is a Caddyfile, not a Postal config' };
    } else {
      root = parseText(text, syntax, written);
      if (syntax.errors.length === 0) format = detectFormat(root, syntax);
    }
  }
  if (format === null) written.length = 0;
  return { root, format, syntax, written };
}

/** The effective config from parsed text: defaults, the file's values, then the environment, each cast as Postal does. */
function buildConfig(parsed: ParsedConfig, options: LoadOptions): LoadResult {
  const { root, format, written } = parsed;
  const syntax: SyntaxReport = { ...parsed.syntax, errors: [...parsed.syntax.errors], typeProblems: [] };
  const document = format === null ? {} : (root as Record<string, unknown>);
  const writtenLines = new Map(written.map((key) => [key.path, key.line]));
  const env = options.env ?? {};
  const entries = new Map<ConfigKey, ConfigEntry>();

  for (const key of CONFIG_KEYS) {
    const spec = keySpec(key)!;
    let entry: ConfigEntry = { key, value: defaultValue(spec), origin: 'default' };
    const sourcePath = format === 1 ? LEGACY_SOURCES[key] : format === 2 ? key : undefined;
    const origin: Origin = format === 1 ? 'legacy' : 'file';
    if (sourcePath) {
      let raw = dig(document, sourcePath);
      if (format === 1 && key === 'postal.smtp_relays') raw = legacyRelayUrls(raw);
      const line = writtenLines.get(sourcePath);
      const value = cast(raw, spec, key, { path: sourcePath, line }, syntax.typeProblems);
      if (value !== null) entry = { key, value: withConfigRoot(value, spec), origin, ...(format === 1 ? { source: sourcePath } : {}), line };
      // Konfig's SchemaAttribute#cast makes '' nil and Config.build merges that nil over the default (krystal/konfig
      // lib/konfig/schema_attribute.rb, config.rb); a blank YAML value is nil already. The legacy source treats nil
      // as absent (lib/postal/legacy_config_source.rb:115-119 at 3.3.6), so there only '' is blank.
      else if (format === 2 ? raw === null || raw === '' : raw === '') entry = { ...entry, origin, line, blank: true };
    }
    const variable = envVarName(key);
    if (Object.hasOwn(env, variable)) {
      // Postal's environment source splits arrays on commas. An empty variable replaces the file's value with nil (blank).
      const raw = spec.type === 'array' ? env[variable].split(/\s*,\s*/).map((part) => part.trim()) : env[variable];
      const value = cast(raw, spec, key, { path: variable }, []);
      entry = { key, value: value === null ? defaultValue(spec) : withConfigRoot(value, spec), origin: 'env', source: variable, ...(env[variable].trim() === '' ? { blank: true } : {}) };
    }
    entries.set(key, entry);
  }
  // Legacy files that leave the bind address out get "::" (Postal 3.0.2 and later).
  if (format === 1 && entries.get('smtp_server.default_bind_address')!.origin === 'default') {
    entries.set('smtp_server.default_bind_address', { key: 'smtp_server.default_bind_address', value: '::', origin: 'legacy', source: 'smtp_server.bind_address' });
  }

  const directory = dirname(options.path);
  const config: EffectiveConfig = {
    path: options.path,
    directory,
    format,
    syntax,
    env: Object.fromEntries(Object.entries(env).filter(([name]) => CONFIG_KEYS.some((key) => envVarName(key) === name))),
    get: <K extends ConfigKey>(key: K) => entries.get(key)!.value as ValueOf<K>,
    entry: (key) => entries.get(key)!,
    entries: () => [...entries.values()],
    writtenKeys: () => written.map((key) => ({ ...key })),
    hostPath: (containerPath) => containerToHostPath(containerPath, directory),
  };
  return { config };
}

/** Parses the text, recording syntax errors, refused values, duplicates and written keys; returns the document as data. */
function parseText(text: string, syntax: FileSyntax, written: WrittenKey[]): unknown {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, {
    version: '1.1',
    customTags: psychBooleans,
    lineCounter,
    // Ruby's loader lets a later duplicate key win; so does this one, and config.syntax warns.
    uniqueKeys: false,
    prettyErrors: false,
    logLevel: 'silent',
  });
  const position = (offset: number) => lineCounter.linePos(offset);
  for (const error of document.errors) {
    const { line, col } = position(error.pos[0]);
    syntax.errors.push({ message: firstLine(error.message), line, column: col, kind: 'yaml', ...quoteHint(text, line) });
  }
  if (syntax.errors.length > 0) return undefined;

  const walker = new DocumentWalker(text, position);
  try {
    walker.walk(document.contents, '');
    syntax.errors.push(...walker.refused);
    syntax.duplicates = walker.duplicates;
    if (syntax.errors.length > 0) return undefined;
    const data = document.toJS({ maxAliasCount: 0 });
    written.push(...walker.written);
    return data;
  } catch (error) {
    // Only a pathological nesting depth gets here (the call stack runs out); Postal would fail on it too.
    syntax.errors.push({ message: firstLine(error instanceof Error ? error.message : String(error)), line: 1, column: 1, kind: 'yaml' });
    return undefined;
  }
}

/**
 * A value starting with a character YAML reserves (`::`, `@…`, `` `… ``) breaks the file; quoting it fixes it.
 * The corrected line is shown only when it holds nothing secret.
 */
function quoteHint(text: string, line: number): Pick<SyntaxIssue, 'hint' | 'key' | 'corrected'> {
  const source = text.split(/\r?\n/)[line - 1] ?? '';
  const match = /^\s*([\w.-]+):\s+([:@`%*!&][^#]*?)\s*(#.*)?$/.exec(source);
  if (!match) return {};
  const [, key, value] = match;
  const showable = /^[0-9a-fA-F:.]+$/.test(value) && !looksSecret(key);
  return { hint: 'quote', key, ...(showable ? { corrected: `${key}: "${value}"` } : {}) };
}

/** Walks the YAML tree once: the keys as written, duplicates, and what Postal's safe_load refuses. */
class DocumentWalker {
  /** By path, in document order; a key written again moves to the place of its last writing. */
  private readonly byPath = new Map<string, WrittenKey>();
  readonly duplicates: DuplicateKey[] = [];
  readonly refused: SyntaxIssue[] = [];
  private aliasSeen = false;

  constructor(
    private readonly text: string,
    private readonly position: (offset: number) => { line: number; col: number },
  ) {}

  /** `keys`: record the keys of mappings met here as written keys (off inside values and inside complex keys). */
  walk(node: unknown, path: string, keys = true): void {
    if (isAlias(node)) return this.alias(node.range?.[0] ?? 0, node.source);
    if (isScalar(node)) return this.scalar(node, path);
    if (isSeq(node)) {
      node.items.forEach((item) => this.walk(item, path, false));
      return;
    }
    if (!isMap(node)) return;
    const seen = new Map<string, number>();
    for (const pair of node.items) {
      const keyNode = pair.key as YamlNode | null;
      if (isScalar(keyNode)) this.scalar(keyNode, path);
      else this.walk(keyNode, path, false);
      const name = isScalar(keyNode) ? String(keyNode.value) : this.sourceOf(keyNode);
      const keyPath = path ? `${path}.${name}` : name;
      const line = this.position(keyNode?.range?.[0] ?? 0).line;
      const first = seen.get(name);
      if (first !== undefined) this.duplicates.push({ path: keyPath, line, firstLine: first });
      else seen.set(name, line);
      const value = pair.value as YamlNode | null;
      // Leaves are schema keys (v2 or legacy) and anything that is not a mapping of plain keys.
      const descend = keys && isMap(value) && value.items.length > 0 && value.items.every((item) => isScalar(item.key)) && !isSchemaLeaf(keyPath);
      this.walk(value, keyPath, descend);
      if (keys && !descend) this.record(keyPath, line, value);
    }
  }

  get written(): WrittenKey[] {
    return [...this.byPath.values()];
  }

  private record(path: string, line: number, value: YamlNode | null): void {
    this.byPath.delete(path);
    this.byPath.set(path, { path, line, value: plain(value), source: value ? this.sourceOf(value) : '' });
  }

  private scalar(node: Scalar, path: string): void {
    if (node.type !== 'PLAIN') return;
    const source = typeof node.source === 'string' ? node.source : String(node.value ?? '');
    const { line, col } = this.position(node.range?.[0] ?? 0);
    const key = path || undefined;
    if (/^:./.test(source)) {
      this.refused.push({ kind: 'symbol', line, column: col, key, hint: 'quote', message: 'an unquoted value starting with ":" is a Ruby symbol, which Postal\'s loader (YAML.safe_load) refuses' });
    } else if (node.value instanceof Date) {
      this.refused.push({ kind: 'date', line, column: col, key, hint: 'quote', message: 'an unquoted date or time, which Postal\'s loader (YAML.safe_load) refuses' });
    }
  }

  private alias(offset: number, name: string): void {
    if (this.aliasSeen) return;
    this.aliasSeen = true;
    const { line, col } = this.position(offset);
    this.refused.push({ kind: 'alias', line, column: col, message: `the alias *${name} refers to an anchor; Postal's loader (YAML.safe_load) refuses aliases` });
  }

  private sourceOf(node: YamlNode | null): string {
    if (!node?.range) return '';
    return this.text.slice(node.range[0], node.range[1]).trim();
  }
}

function isSchemaLeaf(path: string): boolean {
  return keySpec(path) !== undefined || LEGACY_PATHS.has(path);
}

/** A node as plain data, without resolving aliases (there are none once the walk succeeded). */
function plain(node: YamlNode | null | unknown): unknown {
  if (isScalar(node)) return node.value;
  if (isSeq(node)) return node.items.map(plain);
  if (isMap(node)) {
    const out: Record<string, unknown> = {};
    for (const pair of node.items) out[isScalar(pair.key) ? String(pair.key.value) : JSON.stringify(plain(pair.key))] = plain(pair.value);
    return out;
  }
  return null;
}

/** Postal's rule: `version` absent or 1 → legacy, 2 → current, anything else → Postal refuses to start. */
function detectFormat(root: unknown, syntax: FileSyntax): 1 | 2 | null {
  if (root === null || root === undefined) {
    syntax.fileProblem = { kind: 'empty', message: 'the file has no settings' };
    return null;
  }
  if (typeof root !== 'object' || Array.isArray(root)) {
    syntax.fileProblem = { kind: 'not-mapping', message: `the top level is ${describe(root, false)}, not a mapping of groups` };
    return null;
  }
  const document = root as Record<string, unknown>;
  const groups = Object.keys(document);
  const postalGroups = groups.filter((group) => Object.hasOwn(SCHEMA, group) || [...LEGACY_PATHS].some((path) => path.startsWith(`${group}.`)));
  if (typeof document.services === 'object' && document.services !== null && postalGroups.length === 0) {
    syntax.fileProblem = { kind: 'wrong-file', looksLike: 'docker-compose', message: 'the file is a docker-compose file, not a Postal config' };
    return null;
  }
  // `yaml["version"] || 1` (lib/postal/config.rb:55 at 3.3.6): absent, null and false all mean a legacy file.
  const version = document.version === false ? 1 : (document.version ?? 1);
  if (version === 1 || version === 2) return version;
  syntax.fileProblem = { kind: 'bad-version', version: JSON.stringify(version), message: `version: ${JSON.stringify(version)}; Postal accepts only 1 (legacy) or 2` };
  return null;
}

export function containerToHostPath(containerPath: string, hostConfigDirectory: string): string | null {
  if (!posix.isAbsolute(containerPath)) return null;
  const normalised = posix.normalize(containerPath);
  if (normalised === CONTAINER_CONFIG_DIR) return hostConfigDirectory;
  if (!normalised.startsWith(`${CONTAINER_CONFIG_DIR}/`)) return null;
  return posix.join(hostConfigDirectory, normalised.slice(CONTAINER_CONFIG_DIR.length + 1));
}

function defaultValue(spec: KeySpec): unknown {
  if (typeof spec.default === 'string' && spec.path) return spec.default.replace(CONFIG_FILE_ROOT, CONTAINER_CONFIG_DIR);
  return Array.isArray(spec.default) ? [...spec.default] : spec.default;
}

/** Postal replaces `$config-file-root` in every path value, written or default, with the directory of postal.yml. */
function withConfigRoot(value: unknown, spec: KeySpec): unknown {
  return spec.path && typeof value === 'string' ? value.split(CONFIG_FILE_ROOT).join(CONTAINER_CONFIG_DIR) : value;
}

function dig(document: Record<string, unknown>, path: string): unknown {
  let node: unknown = document;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function describe(value: unknown, secret: boolean): string {
  const shown = (text: string) => (secret ? '' : ` (${text})`);
  if (Array.isArray(value)) return 'a list';
  if (value === null || value === undefined) return 'empty';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `a string${shown(JSON.stringify(value))}`;
  return `a ${typeof value}${shown(String(value))}`;
}

function firstLine(message: string): string {
  return message.split('\n')[0].trim();
}

/** How Ruby prints a value with `to_s` (Ruby 3.3 `inspect` style for mappings and lists). */
function rubyText(value: unknown): string {
  if (typeof value === 'string') return value;
  return rubyInspect(value);
}

function rubyInspect(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(rubyInspect).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([key, item]) => `${JSON.stringify(key)}=>${rubyInspect(item)}`)
      .join(', ')}}`;
  }
  return String(value);
}

/** Ruby's String#to_i: the leading integer, underscores allowed, else 0. */
function rubyToInteger(text: string): number {
  const match = /^\s*([-+]?\d[\d_]*)/.exec(text);
  return match ? Number(match[1].replace(/_/g, '')) : 0;
}

/**
 * Casts a written value as Postal's config library (Konfig) does: strings with `to_s`, integers with
 * `to_i`, booleans true only for true/"true"/"1"/"1.0". An empty value counts as unset (null).
 * Whatever is not already of the key's type is recorded as a type problem, with what Postal reads.
 */
function cast(raw: unknown, spec: KeySpec, key: ConfigKey, where: { path: string; line?: number }, problems: TypeProblem[]): unknown {
  if (raw === undefined || raw === null || raw === '') return null;
  const secret = spec.secret === true || looksSecret(where.path);
  const problem = (reads: unknown, expected: string = spec.type) => {
    problems.push({
      key,
      path: where.path,
      line: where.line,
      expected,
      actual: describe(raw, secret),
      ...(secret || reads === undefined ? {} : { reads: typeof reads === 'string' ? JSON.stringify(reads) : String(reads) }),
    });
  };
  if (Array.isArray(raw) && spec.type !== 'array') {
    // Konfig casts each element and hands Postal a list where it expects one value: Postal fails where it uses it.
    problem(undefined);
    return null;
  }
  switch (spec.type) {
    case 'string': {
      const value = rubyText(raw);
      if (typeof raw !== 'string') problem(value);
      return value;
    }
    case 'integer': {
      if (typeof raw === 'number' && Number.isInteger(raw)) return raw;
      if (typeof raw === 'string' && /^\s*[-+]?\d[\d_]*\s*$/.test(raw)) return rubyToInteger(raw);
      if (typeof raw === 'object') {
        problem(undefined);
        return null;
      }
      const value = typeof raw === 'boolean' ? (raw ? 1 : 0) : typeof raw === 'number' ? Math.trunc(raw) : rubyToInteger(String(raw));
      problem(value);
      return value;
    }
    case 'boolean': {
      if (typeof raw === 'boolean') return raw;
      const text = typeof raw === 'object' ? rubyInspect(raw) : String(raw);
      if (['true', '1', '1.0'].includes(text)) return true;
      if (['false', '0'].includes(text)) return false;
      problem(false);
      return false;
    }
    case 'array': {
      if (!Array.isArray(raw)) {
        // Konfig hands Postal the single string, which breaks where Postal lists the values;
        // the one value is kept so that later checks look at what the operator meant.
        problem(undefined, 'list');
        return [rubyText(raw)];
      }
      const items = raw.filter((item) => item !== null && item !== undefined && item !== '');
      if (items.some((item) => typeof item === 'object')) problem(undefined, 'list of strings');
      return items.map(rubyText);
    }
  }
}
