import type { CheckContext, CheckDefinition, Finding, Fix, Result, RunOptions, Status } from './types.js';
import { STATUSES } from './types.js';
import type { EffectiveConfig } from '../config/effective.js';
import type { Probes } from '../probes/types.js';

export interface RunInput {
  /** The selected checks, in catalogue order. */
  checks: CheckDefinition[];
  /** Ids switched off with `--skip`: reported as `skip`, never run. */
  skipped: ReadonlySet<string>;
  config: EffectiveConfig;
  options: RunOptions;
  probes: Probes;
  /** Facts already computed for this run (see createContext); shared with the checks. */
  facts?: FactTable;
  onProgress?: (finished: number, total: number, running: string[]) => void;
}

/** Memoised facts of one run, by key. */
export type FactTable = Map<string, Promise<unknown>>;

export interface RunOutput {
  results: Result[];
  context: CheckContext;
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

/**
 * The context checks see. `facts` lets a caller compute facts before the run (the containers' environment
 * decides the effective config) and hand them on, so nothing is asked twice.
 */
export function createContext(
  base: Pick<CheckContext, 'config' | 'options' | 'probes'>,
  facts: FactTable = new Map(),
  finished: ReadonlyMap<string, Result[]> = new Map(),
): CheckContext {
  return {
    ...base,
    memo<T>(key: string, compute: () => Promise<T>): Promise<T> {
      let pending = facts.get(key) as Promise<T> | undefined;
      if (!pending) {
        pending = compute();
        facts.set(key, pending);
      }
      return pending;
    },
    resultsOf: (checkId) => finished.get(checkId),
  };
}

/**
 * Runs checks concurrently (bounded), each after the checks it depends on, each with its own
 * timeout, all within the run's deadline. Results come back in catalogue order.
 */
export async function runChecks(input: RunInput): Promise<RunOutput> {
  const { checks, skipped, config, options, probes } = input;
  const finished = new Map<string, Result[]>();
  const running = new Set<string>();
  const context = createContext({ config, options, probes }, input.facts, finished);

  const total = checks.length - skipped.size;
  const report = () => input.onProgress?.(finished.size, total, [...running]);
  let slots = Math.max(1, options.concurrency);
  const waiting: Array<() => void> = [];
  const acquire = () => new Promise<void>((resolve) => (slots > 0 ? (slots--, resolve()) : waiting.push(resolve)));
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else slots++;
  };

  const toRun = checks.filter((check) => !skipped.has(check.id));
  const selectedIds = new Set(toRun.map((check) => check.id));
  const done = new Map<string, Promise<void>>();

  async function runOne(check: CheckDefinition): Promise<Result[]> {
    if (check.network && options.offline) return [runnerResult(check, 'skip', 'runner.offline', {})];
    if (config.format === null && check.id !== 'config.syntax') return [runnerResult(check, 'skip', 'runner.config-unusable', {})];
    const limit = checkTimeout(check, options);
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const overrun = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), limit).unref();
    });
    try {
      const outcome = await Promise.race([check.run(context), overrun]);
      const elapsed = Math.round(performance.now() - started);
      if (outcome === 'timeout') return [runnerResult(check, 'unknown', 'runner.timeout', { ms: limit }, elapsed)];
      return outcome.map((finding) => renderFinding(check, finding, elapsed));
    } catch (error) {
      return [runnerResult(check, 'unknown', 'runner.crashed', { error: errorText(error) }, Math.round(performance.now() - started))];
    } finally {
      clearTimeout(timer);
    }
  }

  for (const check of toRun) {
    const prerequisites = (check.dependsOn ?? []).filter((id) => selectedIds.has(id));
    const start = async () => {
      await Promise.all(prerequisites.map((id) => done.get(id)));
      await acquire();
      running.add(check.id);
      report();
      try {
        finished.set(check.id, await runOne(check));
      } finally {
        running.delete(check.id);
        release();
        report();
      }
    };
    done.set(check.id, Promise.resolve().then(start));
  }
  // Catalogue order guarantees that a check's prerequisites were registered before it.

  let deadlineTimer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    deadlineTimer = setTimeout(resolve, options.deadlineMs);
  });
  await Promise.race([Promise.all(done.values()), deadline]);
  clearTimeout(deadlineTimer);

  const results: Result[] = [];
  for (const check of checks) {
    if (skipped.has(check.id)) results.push(runnerResult(check, 'skip', 'runner.skipped', {}));
    else results.push(...(finished.get(check.id) ?? [runnerResult(check, 'unknown', 'runner.deadline', { ms: options.deadlineMs })]));
  }
  return { results, context };
}
