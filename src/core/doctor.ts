import type { Report, Result, RunOptions } from './types.js';
import { setMaxListeners } from 'node:events';
import type { Probes } from '../probes/types.js';
import { selectChecks } from './catalogue.js';
import { runChecks } from './runner.js';
import { factIfComputed } from './facts.js';
import { loadDeployment } from './deployment.js';
import { exitCodeFor, summarise, type FailOn } from './exit-code.js';
import { toolVersion } from './tool.js';
import { outboundIps } from '../knowledge/postal/outbound-ips.js';
import { redactDeep, secretValues } from '../config/secrets.js';

export interface DoctorHooks {
  failOn?: FailOn;
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
  const { checks, skipped } = selectChecks(options.only, options.skip);
  const started = new Date();
  const startedMs = performance.now();
  const run = new AbortController();
  setMaxListeners(0, run.signal);
  const deadline = setTimeout(() => run.abort(new Error('the run reached its --deadline')), options.deadlineMs).unref();
  try {
    const { config, facts } = await loadDeployment(options, probes, run.signal);
    const remainingMs = () => Math.max(0, options.deadlineMs - (performance.now() - startedMs));
    const { results, context } = await runChecks({
      checks,
      skipped,
      config,
      options: { ...options, deadlineMs: remainingMs() },
      probes,
      facts,
      onProgress: hooks.onProgress,
      onCheckDone: hooks.onCheckDone,
    });
    // The IPs the checks looked at; a run whose checks needed none (--only tls.live) reads no database for them.
    const ips = await Promise.race([
      (factIfComputed(outboundIps, context.facts) ?? Promise.resolve([])).catch(() => []),
      new Promise<[]>((done) => setTimeout(() => done([]), remainingMs()).unref()),
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
        exitCode: exitCodeFor(summary, hooks.failOn ?? 'fail'),
        results,
      },
      secretValues(config),
    );
  } finally {
    clearTimeout(deadline);
    run.abort();
  }
}
