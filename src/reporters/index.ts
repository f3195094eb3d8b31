import type { Report } from '../core/types.js';
import type { ReporterOptions, RunFailure } from './common.js';
import { renderHuman } from './human.js';
import { renderJson, renderJsonChunks } from './json.js';
import { renderJunit, renderJunitFailure } from './junit.js';
import { renderMarkdown } from './markdown.js';
import { renderNagios } from './nagios.js';
import { renderPrometheus, renderPrometheusFailure } from './prometheus.js';

export type { ReporterOptions, RunFailure } from './common.js';

/** Renders a finished report as text (ending in a newline); pure: no I/O, no clock, no environment. */
export type Reporter = (report: Report, options: ReporterOptions) => string;

import type { Format } from './formats.js';
export { FORMATS, type Format } from './formats.js';

export const REPORTERS: Record<Format, Reporter> = {
  human: renderHuman,
  json: renderJson,
  markdown: renderMarkdown,
  junit: renderJunit,
  nagios: renderNagios,
  prometheus: renderPrometheus,
};

/** The report as text in pieces, for writing: JSON a batch of results at a time (megabytes for a large pool), the rest whole. */
export function renderReportChunks(format: Format, report: Report, options: ReporterOptions): Iterable<string> {
  return format === 'json' ? renderJsonChunks(report) : [REPORTERS[format](report, options)];
}

/** Formats that are written even when the doctor cannot run, so that CI and monitoring see the failure. */
export const FAILURE_REPORTERS: Partial<Record<Format, (failure: RunFailure) => string>> = {
  junit: renderJunitFailure,
  prometheus: renderPrometheusFailure,
};
