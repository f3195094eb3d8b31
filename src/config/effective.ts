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
  /**
   * Written or set to nothing (`key:` left blank, `VAR=`): Postal's config library casts that to nil and it
   * replaces the default, so Postal has no value at all. `value` still holds the default, for the checks' types.
   */
  blank?: boolean;
}

/** A key path as written in postal.yml, with its line, for checks that look at the document itself. */
export interface WrittenKey {
  path: string;
  line: number;
  value: unknown;
  /** The value exactly as written (e.g. `{{secretkey}}`), for telling placeholders from values. */
  source?: string;
}

export interface TypeProblem {
  key: ConfigKey;
  /** The key as written: differs from `key` in a legacy file (`smtp_server.port` for `smtp_server.default_port`). */
  path?: string;
  line?: number;
  expected: string;
  /** What was found, e.g. `a number (42)`; never shows the value of a secret. */
  actual: string;
  /** What Postal makes of it, e.g. `"42"`, `0`, `false`; absent for secrets. */
  reads?: string;
}

/**
 * Why Postal refuses the text of postal.yml: a YAML syntax error, or something Postal's
 * `YAML.safe_load` rejects although YAML allows it (aliases, symbols, dates).
 */
export interface SyntaxIssue {
  message: string;
  line: number;
  column: number;
  kind?: 'yaml' | 'alias' | 'symbol' | 'date';
  /** The key whose value is at fault, when known. */
  key?: string;
  /** `quote`: the value starts with a character YAML reserves; quoting it fixes the file. */
  hint?: 'quote';
  /** The corrected line, when showing it reveals nothing secret (`default_bind_address: "::"`). */
  corrected?: string;
}

/** A key written more than once in the same mapping; Ruby keeps the later one, and so does the loader. */
export interface DuplicateKey {
  path: string;
  line: number;
  firstLine: number;
}

/** What went wrong reading postal.yml, for config.syntax. */
export interface SyntaxReport {
  /** YAML parse errors (and values Postal's loader refuses) with 1-based line and column. */
  errors: SyntaxIssue[];
  /** Values that cannot have the type the key needs. */
  typeProblems: TypeProblem[];
  duplicates?: DuplicateKey[];
  /** The file as a whole is unusable: Postal would not start with it. */
  fileProblem?: {
    kind: 'empty' | 'binary' | 'too-large' | 'not-mapping' | 'bad-version' | 'template' | 'wrong-file';
    message: string;
    /** The file is some other deployment file given by mistake. */
    looksLike?: 'docker-compose' | 'caddyfile';
    /** The `version:` value as written, for bad-version. */
    version?: string;
  };
}

export type PostalProcess = 'web' | 'smtp' | 'worker';

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
   * The config as each Postal process sees it, with its own container's environment on top of the file (each
   * process reads its own environment once at start), and that container's whole environment for the variables a
   * process reads outside its config (PORT, BIND_ADDRESS, HEALTH_SERVER_PORT …); absent when the containers were not
   * read, and a process is absent when no container of it runs.
   */
  processes?: Partial<Record<PostalProcess, { config: EffectiveConfig; container: string; env: Record<string, string> }>>;
  /**
   * The host path behind a container path: `/config/x` → `<directory>/x`.
   * Null for a path outside the mounted config directory, which the containers cannot see.
   */
  hostPath(containerPath: string): string | null;
}
