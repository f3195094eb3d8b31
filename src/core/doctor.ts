import type { Report, Result, RunOptions } from './types.js';
import { setMaxListeners } from 'node:events';
import type { Probes } from '../probes/types.js';
import { loadChecks, selectChecks } from './catalogue.js';
import { runChecks } from './runner.js';
import { factIfComputed } from './facts.js';
import { loadDeployment } from './deployment.js';
import { exitCodeFor, summarise, type FailOn } from './exit-code.js';
import { toolVersion } from './tool.js';
import { compareWithBaseline, type Baseline } from './baseline.js';
import { outboundIps } from '../knowledge/postal/outbound-ips.js';
import { postalVersion } from '../knowledge/postal/version.js';
import { redactDeep, secretValues } from '../config/secrets.js';

export interface DoctorHooks {
  failOn?: FailOn;
  /** An earlier report: each problem is marked new or still there, and the ones no longer found are listed. */
  baseline?: Baseline;
  onProgress?: (finished: number, total: number, running: string[]) => void;
  /** The results of one check, as soon as it is done. */
  onCheckDone?: (checkId: string, results: Result[]) => void;
}

/**
 * The one entry point of check, report and fix: loads the deployment, runs the selected checks within the
 * deadline and returns the report, redacted once here so that every format is rendered from it alone.
 * Throws DoctorError when the config file cannot be read at all.
 */
export async function doctor(options: RunOptions, probes: Probes, hooks: DoctorHooks = {}): Promise<Report> {
  const selection = selectChecks(options.only, options.skip);
  const started = new Date();
  const startedMs = performance.now();
  const stop = new AbortController();
  setMaxListeners(0, stop.signal);
  const deadline = setTimeout(() => stop.abort(new Error('the run reached its --deadline')), options.deadlineMs).unref();
  try {
    // The selected check modules load while the deployment is read (containers are asked over docker).
    const [{ config, facts }, checks] = await Promise.all([loadDeployment(options, probes, stop.signal), loadChecks(selection.checks)]);
    const remainingMs = () => Math.max(0, options.deadlineMs - (performance.now() - startedMs));
    const run = await runChecks({
      checks,
      skipped: selection.skipped,
      config,
      options: { ...options, deadlineMs: remainingMs() },
      probes,
      facts,
      onProgress: hooks.onProgress,
      onCheckDone: hooks.onCheckDone,
    });
    const { context } = run;
    const { results, comparison } = hooks.baseline ? compareWithBaseline(run.results, hooks.baseline) : { results: run.results, comparison: undefined };
    // The IPs the checks looked at; a run whose checks needed none (--only tls.live) reads no database for them.
    const ips = await Promise.race([
      (factIfComputed(outboundIps, context.facts) ?? Promise.resolve([])).catch(() => []),
      new Promise<[]>((done) => setTimeout(() => done([]), remainingMs()).unref()),
    ]);
    const version = await Promise.race([
      (factIfComputed(postalVersion, context.facts) ?? Promise.resolve(null)).then((found) => found && (found.version ?? found.tag), () => null),
      new Promise<null>((done) => setTimeout(() => done(null), remainingMs()).unref()),
    ]);
    const summary = summarise(results);
    return redactDeep(
      {
        schemaVersion: 1,
        tool: { name: 'postal-doctor', version: toolVersion() },
        startedAt: started.toISOString(),
        durationMs: Math.round(performance.now() - startedMs),
        config: { path: config.path, format: config.format },
        outboundIps: ips.map(({ ip, source, hostname, pool }) => ({ ip, source, hostname, pool })),
        summary,
        exitCode: exitCodeFor(results, hooks.failOn ?? 'fail'),
        results,
        baseline: comparison,
        deployment: { smtpHostname: config.format === null ? null : config.get('postal.smtp_hostname'), postalVersion: version },
      },
      secretValues(config),
    );
  } finally {
    clearTimeout(deadline);
    stop.abort();
  }
}
