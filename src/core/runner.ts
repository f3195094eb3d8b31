import type { CheckDefinition, Context, Finding, Fix, Result, RunOptions, Status } from './types.js';
import { STATUSES } from './types.js';
import type { EffectiveConfig } from '../config/effective.js';
import { setMaxListeners } from 'node:events';
import type { Probes } from '../probes/types.js';
import { createFactStore, type FactStore } from './facts.js';
import { probesFor, type ProbeName } from './probe-access.js';

export interface RunInput {
  /** The selected checks, in catalogue order. */
  checks: CheckDefinition[];
  /** Ids switched off with `--skip`: reported as `skip`, never run. */
  skipped: ReadonlySet<string>;
  config: EffectiveConfig;
  options: RunOptions;
  probes: Probes;
  /** Facts already computed for this run (the containers read to find the effective config); shared with the checks. */
  facts?: FactStore;
  onProgress?: (finished: number, total: number, running: string[]) => void;
  /** The results of one check, as soon as it is done. */
  onCheckDone?: (checkId: string, results: Result[]) => void;
}

export interface RunOutput {
  results: Result[];
  /** A context with every probe, for reading facts after the run (the outbound IPs of the report). */
  context: Context;
}

/** Runner-made results use these message ids; they are the same for every check. */
const RUNNER_MESSAGES = {
  'runner.skipped': { title: '{check}: skipped', message: 'Switched off with --skip.' },
  'runner.offline': { title: '{check}: skipped', message: 'Needs the network; --offline was given.' },
  'runner.config-unusable': { title: '{check}: skipped', message: 'postal.yml could not be loaded (see config.syntax).' },
  'runner.crashed': { title: '{check}: could not be determined', message: 'The check failed unexpectedly: {error}' },
  'runner.timeout': { title: '{check}: could not be determined', message: 'The check did not finish within {ms} ms.' },
  'runner.deadline': { title: '{check}: could not be determined', message: 'The run reached its --deadline of {ms} ms before this check finished.' },
} as const;

type RunnerMessageId = keyof typeof RUNNER_MESSAGES;

export function fillTemplate(template: string, data: Record<string, string | number>, where: string): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (!Object.hasOwn(data, name)) throw new Error(`${where}: no value for placeholder {${name}}`);
    return String(data[name]);
  });
}

/** Turns a finding into a result, enforcing the check's declared messages and the status set. */
export function renderFinding(check: CheckDefinition, finding: Finding, durationMs: number): Result {
  const template = check.messages[finding.messageId];
  if (!template) throw new Error(`${check.id} reported unknown message id "${finding.messageId}"`);
  if (!STATUSES.includes(finding.status)) throw new Error(`${check.id} reported unknown status "${finding.status}"`);
  const data = finding.data ?? {};
  const where = `${check.id}/${finding.messageId}`;
  return {
    check: check.id,
    group: check.group,
    status: finding.status,
    target: finding.target,
    title: fillTemplate(template.title, data, where),
    message: fillTemplate(template.message, data, where),
    messageId: finding.messageId,
    evidence: finding.evidence ?? [],
    fix: finding.fix ? canonicalFix(finding.fix) : null,
    durationMs,
  };
}

/** A config change states only what it has: no `from` for a key that is not set, no `to` for one to remove. */
function canonicalFix(fix: Fix): Fix {
  if (!fix.configChanges) return fix;
  const configChanges = fix.configChanges.map(({ path, from, to }) => ({ path, ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) }));
  return { ...fix, configChanges };
}

function runnerResult(check: CheckDefinition, status: Status, messageId: RunnerMessageId, data: Record<string, string | number>, durationMs = 0): Result {
  const template = RUNNER_MESSAGES[messageId];
  const values = { check: check.title, ...data };
  return {
    check: check.id,
    group: check.group,
    status,
    target: null,
    title: fillTemplate(template.title, values, messageId),
    message: fillTemplate(template.message, values, messageId),
    messageId,
    evidence: [],
    fix: null,
    durationMs,
  };
}

function errorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}

/** A per-check time limit: four network timeouts, enough for a lookup, its retry and what follows. */
export function checkTimeout(check: CheckDefinition, options: RunOptions): number {
  return check.timeoutMs ?? Math.max(4 * options.timeoutMs, 2000);
}

/** Every probe there is: for contexts that stand for the whole run rather than one check. */
const ALL_PROBES: ProbeName[] = ['dns', 'tcp', 'smtp', 'files', 'commands', 'database', 'host', 'trust', 'http', 'clock'];

/**
 * A context for `user`, which may use the `declared` probes (and facts that use no others). `facts` is
 * the run's fact store; a new one is made when none is given.
 */
export function createContext(
  base: Pick<Context, 'config' | 'options' | 'probes'>,
  facts: FactStore = createFactStore(base.probes, base.options.offline, new AbortController().signal),
  user = 'postal-doctor',
  declared: readonly ProbeName[] = ALL_PROBES,
  signal: AbortSignal = facts.signal,
): Context {
  return {
    config: base.config,
    options: base.options,
    probes: probesFor(facts.probes, user, declared, base.options.offline, signal),
    signal,
    facts,
    user,
    declared,
  };
}

/**
 * Runs checks concurrently (bounded), each with its own timeout, all within the run's deadline; a check
 * that runs out of time has its signal aborted, so its connections and child processes stop too.
 * Results come back in catalogue order.
 */
export async function runChecks(input: RunInput): Promise<RunOutput> {
  const { checks, skipped, config, options, probes } = input;
  const run = new AbortController();
  // Every running check and every connection listens to these signals: hundreds at once are expected.
  setMaxListeners(0, run.signal);
  const facts = input.facts ?? createFactStore(probes, options.offline, run.signal);
  const finished = new Map<string, Result[]>();
  const running = new Set<string>();

  const toRun = checks.filter((check) => !skipped.has(check.id));
  const report = () => input.onProgress?.(finished.size, toRun.length, [...running]);
  let slots = Math.max(1, options.concurrency);
  const waiting: Array<() => void> = [];
  const acquire = () => new Promise<void>((resolve) => (slots > 0 ? (slots--, resolve()) : waiting.push(resolve)));
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else slots++;
  };

  async function runOne(check: CheckDefinition): Promise<Result[]> {
    if (check.network && options.offline) return [runnerResult(check, 'skip', 'runner.offline', {})];
    if (config.format === null && check.needsConfig !== false) return [runnerResult(check, 'skip', 'runner.config-unusable', {})];
    const limit = checkTimeout(check, options);
    const started = performance.now();
    const own = new AbortController();
    setMaxListeners(0, own.signal);
    const stop = () => own.abort(run.signal.reason);
    run.signal.addEventListener('abort', stop, { once: true });
    const timer = setTimeout(() => own.abort(new Error(`${check.id} ran out of time`)), limit);
    const overrun = new Promise<'timeout'>((resolve) => own.signal.addEventListener('abort', () => resolve('timeout'), { once: true }));
    const ctx = createContext({ config, options, probes }, facts, check.id, check.probes, own.signal);
    try {
      const outcome = await Promise.race([check.run(ctx), overrun]);
      const elapsed = Math.round(performance.now() - started);
      if (outcome === 'timeout') return [runnerResult(check, 'unknown', 'runner.timeout', { ms: limit }, elapsed)];
      return outcome.map((finding) => renderFinding(check, finding, elapsed));
    } catch (error) {
      return [runnerResult(check, 'unknown', 'runner.crashed', { error: errorText(error) }, Math.round(performance.now() - started))];
    } finally {
      clearTimeout(timer);
      run.signal.removeEventListener('abort', stop);
      own.abort();
    }
  }

  const all = Promise.all(
    toRun.map(async (check) => {
      await acquire();
      if (run.signal.aborted) return release();
      running.add(check.id);
      report();
      try {
        const results = await runOne(check);
        if (run.signal.aborted) return;
        finished.set(check.id, results);
        input.onCheckDone?.(check.id, results);
      } finally {
        running.delete(check.id);
        release();
        report();
      }
    }),
  );

  let deadlineTimer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    deadlineTimer = setTimeout(resolve, options.deadlineMs);
  });
  await Promise.race([all, deadline]);
  clearTimeout(deadlineTimer);
  run.abort(new Error('the run reached its --deadline'));

  const results: Result[] = [];
  for (const check of checks) {
    if (skipped.has(check.id)) results.push(runnerResult(check, 'skip', 'runner.skipped', {}));
    else results.push(...(finished.get(check.id) ?? [runnerResult(check, 'unknown', 'runner.deadline', { ms: options.deadlineMs })]));
  }
  return { results, context: createContext({ config, options, probes }, facts) };
}
