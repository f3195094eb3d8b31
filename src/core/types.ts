import type { EffectiveConfig } from '../config/effective.js';
import type { Probes } from '../probes/types.js';
import type { FactStore } from './facts.js';
import type { ProbeName } from './probe-access.js';

export const STATUSES = ['pass', 'warn', 'fail', 'unknown', 'skip'] as const;
export type Status = (typeof STATUSES)[number];

export const GROUPS = ['config', 'host', 'network', 'dns', 'tls', 'web', 'postal', 'domains'] as const;
export type Group = (typeof GROUPS)[number];

/** One question asked of the outside world and what came back, shown to the user as proof. */
export interface Evidence {
  query: string;
  answer: unknown;
}

/**
 * Where a fix belongs in the `fix` script; the order of this list is the safe order
 * in which the script presents them (restarts last).
 */
export const FIX_KINDS = ['provider', 'dns', 'database', 'config', 'file', 'firewall', 'restart', 'manual'] as const;
export type FixKind = (typeof FIX_KINDS)[number];

/** A change to postal.yml: key path, old value (absent when the key is not set), new value (absent to remove the key). */
export interface ConfigChange {
  path: string;
  from?: unknown;
  to?: unknown;
}

export interface Fix {
  summary: string;
  /** Exact shell commands for this deployment; every value taken from config, database or DNS is shell-quoted. */
  commands: string[];
  kind?: FixKind;
  /** Edits of postal.yml (kind `config`). */
  configChanges?: ConfigChange[];
  /** Records in zone-file syntax for the operator to publish (kind `dns`). */
  records?: string[];
}

/** What a check's `run` returns for one target: a message id plus the data its templates need. */
export interface Finding {
  target: string | null;
  status: Status;
  messageId: string;
  data?: Record<string, string | number>;
  evidence?: Evidence[];
  fix?: Fix;
}

/** A finding as it appears in the report, with its texts rendered and its check named. */
export interface Result {
  check: string;
  group: Group;
  status: Status;
  target: string | null;
  title: string;
  message: string;
  messageId: string;
  evidence: Evidence[];
  fix: Fix | null;
  durationMs: number;
  /** With `--baseline`, on problems only: whether the earlier report had it (src/core/baseline.ts). */
  change?: Change;
}

/** `new`: not in the baseline; `still`: in the baseline too. */
export type Change = 'new' | 'still';

/** With `--baseline`: what was compared with, the counts, and the baseline's problems this run no longer finds. */
export interface BaselineComparison {
  startedAt: string;
  new: number;
  still: number;
  gone: Result[];
}

/** Texts of one message: `{name}` placeholders are filled from the finding's data. */
export interface MessageTemplate {
  title: string;
  message: string;
}

export interface CheckDefinition {
  /** Permanent id, `<group>.<name>`; never renamed or reused. */
  id: string;
  group: Group;
  /** Its place within the group in reports (catalogue order); ascending. */
  order: number;
  /** One line, shown by `list`. */
  title: string;
  /** What the targets of this check are (`IP`, `hostname`, `file`, `host:port`, `port`, `key`, `container`, or none). */
  targets: string;
  /** Every probe the check and the facts it asks for use; any other probe is refused. */
  probes: ProbeName[];
  /** Needs the network: the runner reports `skip` under `--offline`. */
  network: boolean;
  /** False only for a check that judges postal.yml when it cannot be loaded; every other check is skipped then. */
  needsConfig?: boolean;
  /** Overrides the default per-check timeout. */
  timeoutMs?: number;
  messages: Record<string, MessageTemplate>;
  run(ctx: CheckContext): Promise<Finding[]>;
}

/** A check as the catalogue knows it before its module is loaded: enough for `list`, `--only` and report order. */
export interface CatalogueEntry extends Pick<CheckDefinition, 'id' | 'group' | 'order' | 'title' | 'targets'> {
  load(): Promise<CheckDefinition>;
}

export interface RunOptions {
  configPath: string;
  only: string[];
  skip: string[];
  ips: string[];
  useDatabase: boolean;
  resolvers: string[];
  dnsblResolvers: string[];
  dnsblZones: string[];
  probeTargets: string[];
  smtpTargets: string[];
  offline: boolean;
  timeoutMs: number;
  deadlineMs: number;
  hostRoot: string;
  /** Checks running at once. */
  concurrency: number;
  /** DNS questions in flight at once, and separately connections (TCP, SMTP) in flight at once: `--concurrency`. */
  maxInFlight: number;
  /** Limits set with --threshold, by name (see core/thresholds.ts); the others keep their defaults. */
  thresholds?: Partial<Record<string, number>>;
  /** Look at this one of Postal's domains only (`--domain`); null for all of them. */
  domain: string | null;
}

/** What a check or a fact sees of the run. */
export interface Context {
  config: EffectiveConfig;
  options: RunOptions;
  /** Only the declared probes work; the others throw. */
  probes: Probes;
  /** Aborted when the check runs out of time or the run reaches its deadline. */
  signal: AbortSignal;
  /** The run's facts (see core/facts.ts); owned by the runner. */
  facts: FactStore;
  /** Who is asking, for error messages, and what it declared: a fact it asks for may use no other probe. */
  user: string;
  declared: readonly ProbeName[];
}

export type CheckContext = Context;

export type Summary = Record<Status, number>;

export interface OutboundIp {
  ip: string;
  source: 'option' | 'db' | 'host';
  hostname: string | null;
  pool: string | null;
}

export interface Report {
  schemaVersion: 1;
  tool: { name: string; version: string };
  startedAt: string;
  durationMs: number;
  config: { path: string; format: 1 | 2 | null };
  outboundIps: OutboundIp[];
  summary: Summary;
  exitCode: number;
  results: Result[];
  /** What a reader identifies the deployment by (Markdown summary); not part of the JSON report. */
  deployment?: { smtpHostname: string | null; postalVersion: string | null };
  baseline?: BaselineComparison;
}
