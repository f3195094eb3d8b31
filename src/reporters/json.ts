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

/** Where the results go in the rendered document: no value can render as this line, whose newline JSON would escape. */
const RESULTS_SLOT = '\u0000results';
const RENDERED_SLOT = `\n  "results": ${JSON.stringify(RESULTS_SLOT)}`;
/** Results rendered at a time: a batch stays well under the size V8 allocates apart, as a large object freed only by a full collection. */
const BATCH = 32;
/** A batch is rendered inside `{ results: [...] }`, which indents each result as the document does; this is cut off. */
const [BATCH_OPEN, BATCH_CLOSE] = ['{\n  "results": [\n', '\n  ]\n}'];

/**
 * `--format json` in pieces whose concatenation is `renderJson`: the results are rendered a batch at a time, so a
 * pool of a thousand IPs (a report of megabytes) is never held as one string.
 */
export function* renderJsonChunks(report: Report): Generator<string> {
  const document = {
    schemaVersion: report.schemaVersion,
    tool: { name: report.tool.name, version: report.tool.version },
    startedAt: report.startedAt,
    durationMs: report.durationMs,
    config: { path: report.config.path, format: report.config.format },
    outboundIps: report.outboundIps.map((entry) => ({ ip: entry.ip, source: entry.source, hostname: entry.hostname, pool: entry.pool })),
    summary: { pass: report.summary.pass, warn: report.summary.warn, fail: report.summary.fail, unknown: report.summary.unknown, skip: report.summary.skip },
    exitCode: report.exitCode,
    results: RESULTS_SLOT,
    baseline: report.baseline && { ...report.baseline, gone: report.baseline.gone.map(resultJson) },
  };
  const text = `${JSON.stringify(document, null, 2)}\n`;
  const slot = text.indexOf(RENDERED_SLOT);
  const { results } = report;
  if (results.length === 0) {
    yield `${text.slice(0, slot)}\n  "results": []${text.slice(slot + RENDERED_SLOT.length)}`;
    return;
  }
  for (let start = 0; start < results.length; start += BATCH) {
    const batch = JSON.stringify({ results: results.slice(start, start + BATCH).map(resultJson) }, null, 2);
    yield `${start === 0 ? `${text.slice(0, slot)}\n  "results": [\n` : ',\n'}${batch.slice(BATCH_OPEN.length, -BATCH_CLOSE.length)}`;
  }
  yield `\n  ]${text.slice(slot + RENDERED_SLOT.length)}`;
}

/** `--format json`: the versioned report of PRODUCT §4, described by schema/report.v1.json. */
export function renderJson(report: Report, _options: ReporterOptions): string {
  return [...renderJsonChunks(report)].join('');
}
