import type { Fix, Report, Result } from '../core/types.js';
import type { ReporterOptions } from './common.js';

// Keys are copied one by one so the output has the documented key order and nothing beyond
// schema/report.v1.json, whatever else an in-memory object carries.

function fixJson(fix: Fix): Fix {
  return {
    summary: fix.summary,
    commands: fix.commands,
    kind: fix.kind,
    configChanges: fix.configChanges?.map((change) => ({ path: change.path, from: change.from, to: change.to })),
    records: fix.records,
  };
}

function resultJson(result: Result): Result {
  return {
    check: result.check,
    group: result.group,
    status: result.status,
    change: result.change,
    target: result.target,
    title: result.title,
    message: result.message,
    messageId: result.messageId,
    evidence: result.evidence.map((item) => ({ query: item.query, answer: item.answer ?? null })),
    fix: result.fix === null ? null : fixJson(result.fix),
    durationMs: result.durationMs,
  };
}

/** `--format json`: the versioned report of PRODUCT §4, described by schema/report.v1.json. */
export function renderJson(report: Report, _options: ReporterOptions): string {
  const document: Report = {
    schemaVersion: report.schemaVersion,
    tool: { name: report.tool.name, version: report.tool.version },
    startedAt: report.startedAt,
    durationMs: report.durationMs,
    config: { path: report.config.path, format: report.config.format },
    outboundIps: report.outboundIps.map((entry) => ({ ip: entry.ip, source: entry.source, hostname: entry.hostname, pool: entry.pool })),
    summary: { pass: report.summary.pass, warn: report.summary.warn, fail: report.summary.fail, unknown: report.summary.unknown, skip: report.summary.skip },
    exitCode: report.exitCode,
    results: report.results.map(resultJson),
    baseline: report.baseline && { ...report.baseline, gone: report.baseline.gone.map(resultJson) },
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
