import { readFile, stat } from 'node:fs/promises';
import { dirname, posix } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { DoctorError } from '../core/errors.js';
import type { ConfigEntry, EffectiveConfig, Origin, SyntaxReport, TypeProblem, WrittenKey } from './effective.js';
import { CONFIG_FILE_ROOT, CONFIG_KEYS, envVarName, keySpec, type ConfigKey, type KeySpec, type ValueOf } from './schema.js';
import { LEGACY_SOURCES, legacyRelayUrls } from './legacy.js';

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

/** Reads postal.yml from the host. A missing, unreadable or non-regular file is a DoctorError (exit 2) naming the path. */
export async function loadConfigFile(path: string, options: Omit<LoadOptions, 'path'> = {}): Promise<LoadResult> {
  let data: Buffer;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new DoctorError(`${path}: is a directory, not a Postal config file`);
    if (info.size > MAX_CONFIG_BYTES) return loadConfigText(null, { ...options, path }, { kind: 'too-large', message: `the file is ${info.size} bytes; a Postal config is a few kilobytes` });
    data = await readFile(path);
  } catch (error) {
    if (error instanceof DoctorError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DoctorError(`${path}: no such file (give the Postal config with --config)`);
    if (code === 'EACCES') throw new DoctorError(`${path}: permission denied (run as root or a user that can read it)`);
    throw new DoctorError(`${path}: cannot be read (${code ?? 'error'})`);
  }
  if (data.includes(0) || !isUtf8(data)) {
    return loadConfigText(null, { ...options, path }, { kind: 'binary', message: 'the file is not text (it contains NUL bytes or invalid UTF-8)' });
  }
  return loadConfigText(data.toString('utf8'), { ...options, path });
}

function isUtf8(data: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(data);
    return true;
  } catch {
    return false;
  }
}

type FileProblem = NonNullable<SyntaxReport['fileProblem']>;

/**
 * Builds the effective config from postal.yml text the way Postal does: YAML 1.1, `version` 1 (or absent)
 * read through the legacy mapping, 2 read as is, defaults from the schema, environment variables on top.
 * Problems never throw: they are recorded in `syntax` for config.syntax, and `format` is null when Postal could not start.
 */
export function loadConfigText(text: string | null, options: LoadOptions, fileProblem?: FileProblem): LoadResult {
  const syntax: SyntaxReport = { errors: [], typeProblems: [], fileProblem };
  const lineCounter = new LineCounter();
  let root: unknown = undefined;
  let format: 1 | 2 | null = null;
  const written: WrittenKey[] = [];

  if (text !== null && !fileProblem) {
    // uniqueKeys off: Ruby's loader lets a later duplicate key win, and so does this one.
    const document = parseDocument(text, { version: '1.1', lineCounter, uniqueKeys: false, prettyErrors: false, logLevel: 'error' });
    for (const error of document.errors) {
      const position = lineCounter.linePos(error.pos[0]);
      syntax.errors.push({ message: firstLine(error.message), line: position.line, column: position.col });
    }
    if (syntax.errors.length === 0) {
      try {
        root = document.toJS({ maxAliasCount: 100 });
        collectWrittenKeys(document.contents, '', lineCounter, written);
      } catch (error) {
        syntax.errors.push({ message: firstLine((error as Error).message), line: 1, column: 1 });
      }
    }
    if (syntax.errors.length === 0) {
      if (root === null || root === undefined || root === false) syntax.fileProblem = { kind: 'empty', message: 'the file has no settings' };
      else if (typeof root !== 'object' || Array.isArray(root)) syntax.fileProblem = { kind: 'not-mapping', message: `the top level is ${describe(root)}, not a mapping of groups` };
      else {
        const version = (root as Record<string, unknown>).version ?? 1;
        if (version === 1 || version === 2) format = version;
        else syntax.fileProblem = { kind: 'bad-version', message: `version: ${JSON.stringify(version)} — Postal accepts only 1 (legacy) or 2` };
      }
    }
  }

  const document = format === null ? {} : (root as Record<string, unknown>);
  const lines = new Map(written.map((key) => [key.path, key.line]));
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
      const value = cast(raw, spec, key, lines.get(sourcePath), syntax.typeProblems);
      if (value !== null) entry = { key, value, origin, ...(format === 1 ? { source: sourcePath } : {}), line: lines.get(sourcePath) };
    }
    const variable = envVarName(key);
    if (Object.hasOwn(env, variable)) {
      const value = cast(spec.type === 'array' ? env[variable].split(',').map((part) => part.trim()) : env[variable], spec, key, undefined, []);
      entry = { key, value: value ?? defaultValue(spec), origin: 'env', source: variable };
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
    writtenKeys: () => [...written],
    hostPath: (containerPath) => containerToHostPath(containerPath, directory),
  };
  return { config };
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

function dig(document: Record<string, unknown>, path: string): unknown {
  let node: unknown = document;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null || value === undefined) return 'empty';
  if (typeof value === 'object') return 'a mapping';
  return `a ${typeof value} (${JSON.stringify(value)})`;
}

function firstLine(message: string): string {
  return message.split('\n')[0].trim();
}

/**
 * Casts a written value to the key's type as Postal's config library does; an empty value counts as unset (null).
 * A value that cannot be what the key needs is recorded as a type problem and the default applies.
 */
function cast(raw: unknown, spec: KeySpec, key: ConfigKey, line: number | undefined, problems: TypeProblem[]): unknown {
  if (raw === undefined || raw === null || raw === '') return null;
  const problem = () => {
    problems.push({ key, line, expected: spec.type, actual: describe(raw) });
    return null;
  };
  switch (spec.type) {
    case 'string':
      if (typeof raw === 'string') return raw;
      if (typeof raw === 'number' || typeof raw === 'boolean') {
        problems.push({ key, line, expected: 'string', actual: describe(raw) });
        return String(raw);
      }
      return problem();
    case 'integer':
      if (typeof raw === 'number' && Number.isInteger(raw)) return raw;
      if (typeof raw === 'string' && /^-?\d+$/.test(raw.trim())) return Number(raw.trim());
      return problem();
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === '1' || raw === 1) return true;
      if (raw === 'false' || raw === '0' || raw === 0) return false;
      return problem();
    case 'array':
      if (Array.isArray(raw)) return raw.map((item) => (typeof item === 'object' && item !== null ? JSON.stringify(item) : String(item)));
      return problem();
  }
}

function collectWrittenKeys(node: YamlNode | null | unknown, prefix: string, lineCounter: LineCounter, out: WrittenKey[]): void {
  if (!isMap(node)) return;
  for (const pair of node.items) {
    const keyNode = pair.key;
    const name = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
    const path = prefix ? `${prefix}.${name}` : name;
    const offset = (isScalar(keyNode) && keyNode.range ? keyNode.range[0] : undefined) ?? 0;
    const value = pair.value;
    if (isMap(value) && value.items.length > 0) {
      collectWrittenKeys(value, path, lineCounter, out);
    } else {
      const plain = isScalar(value) ? value.value : isSeq(value) ? value.toJSON() : isMap(value) ? {} : null;
      out.push({ path, line: lineCounter.linePos(offset).line, value: plain });
    }
  }
}
