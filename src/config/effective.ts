import type { ConfigKey, ValueOf } from './schema.js';

/** Where an effective value came from. */
export type Origin = 'file' | 'legacy' | 'env' | 'default';

export interface ConfigEntry {
  key: ConfigKey;
  value: unknown;
  origin: Origin;
  /** The key as written in a legacy file (`dns.smtp_server_hostname`) or the env var name (`DNS_HELO_HOSTNAME`). */
  source?: string;
  /** 1-based line in postal.yml where the value was written. */
  line?: number;
}

/** A key path as written in postal.yml, with its line, for checks that look at the document itself. */
export interface WrittenKey {
  path: string;
  line: number;
  value: unknown;
}

export interface TypeProblem {
  key: ConfigKey;
  line?: number;
  expected: string;
  actual: string;
}

/** What went wrong reading postal.yml, for config.syntax. */
export interface SyntaxReport {
  /** YAML parse errors with 1-based line and column. */
  errors: Array<{ message: string; line: number; column: number }>;
  /** Values that cannot have the type the key needs (the default then applies). */
  typeProblems: TypeProblem[];
  /** The file as a whole is unusable: Postal would not start with it. */
  fileProblem?: { kind: 'empty' | 'binary' | 'too-large' | 'not-mapping' | 'bad-version'; message: string };
}

/** The config as Postal will see it: schema defaults, the file (legacy keys mapped), environment overrides. */
export interface EffectiveConfig {
  /** Host path of postal.yml. */
  path: string;
  /** Host directory mounted at /config in the Postal containers. */
  directory: string;
  /** 1 = legacy format, 2 = current; null when the file could not be read as either. */
  format: 1 | 2 | null;
  syntax: SyntaxReport;
  get<K extends ConfigKey>(key: K): ValueOf<K>;
  entry(key: ConfigKey): ConfigEntry;
  entries(): ConfigEntry[];
  /** Every leaf key path written in the file, in document order. */
  writtenKeys(): WrittenKey[];
  /** The environment variables that were applied, by name. */
  env: Record<string, string>;
  /**
   * The host path behind a container path: `/config/x` → `<directory>/x`.
   * Null for a path outside the mounted config directory, which the containers cannot see.
   */
  hostPath(containerPath: string): string | null;
}
