import { access, constants, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Report } from '../../core/types.js';
import { DoctorError, UsageError } from '../../util/errors.js';
import { loadBaseline } from '../../core/baseline.js';
import { doctor } from '../../core/doctor.js';
import { selectChecks } from '../../core/catalogue.js';
import { toolVersion } from '../../core/tool.js';
import { createProbes } from '../../probes/index.js';
import { FAILURE_REPORTERS, renderReportChunks, type Format, type ReporterOptions } from '../../reporters/index.js';
import { renderHumanFooter, renderHumanGroup, renderHumanHeader } from '../../reporters/human.js';
import { nagiosCodeFor } from '../../reporters/nagios.js';
import { renderFixScript } from '../../reporters/fix-script.js';
import type { CommandOutcome, RunFlags } from '../program.js';
import type { Io } from '../io.js';
import { runOptionsFrom } from '../options.js';
import { startProgress } from '../progress.js';
import { GroupStream } from '../stream.js';

/** -o into a directory that does not exist (or cannot be written) is found before the run, not after it. */
async function checkDestination(path: string): Promise<void> {
  const directory = dirname(path);
  const info = await stat(directory).catch(() => null);
  if (!info?.isDirectory()) throw new DoctorError(`${path}: cannot write the report: ${directory} is not an existing directory`);
  if ((await stat(path).catch(() => null))?.isDirectory()) throw new DoctorError(`${path}: cannot write the report: it is a directory`);
  await access(directory, constants.W_OK).catch(() => {
    throw new DoctorError(`${path}: cannot write the report: no permission to write in ${directory}`);
  });
}

async function writeReportFile(path: string, chunks: Iterable<string>): Promise<void> {
  // Written beside the target and renamed, so a collector never reads half a file.
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    const file = await open(temporary, 'w');
    try {
      for (const chunk of chunks) await file.write(chunk);
    } finally {
      await file.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw new DoctorError(`${path}: cannot write the report (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/**
 * A JUnit or Prometheus report is written even when the doctor cannot run, so that CI and monitoring see
 * the failure rather than last run's file; the error itself still goes to stderr and exits 2.
 */
async function reportFailure(flags: RunFlags, format: Format | null, error: DoctorError, startedAt: Date, io: Io): Promise<void> {
  const render = format ? FAILURE_REPORTERS[format] : undefined;
  if (!render) return;
  const text = render({ tool: { name: 'postal-doctor', version: toolVersion() }, startedAt: startedAt.toISOString(), reason: error.message, exitCode: error.exitCode });
  if (flags.output) await writeReportFile(flags.output, [text]).catch(() => undefined);
  else await io.stdout(text);
}

/** check, report and fix: run the doctor, print its report in the asked format (fix: as one script). */
export async function runCheckCommand(flags: RunFlags, mode: 'check' | 'report' | 'fix', io: Io): Promise<CommandOutcome> {
  const format = mode === 'fix' ? null : (flags.format ?? 'human');
  const startedAt = new Date();
  try {
    return await run(flags, format, io);
  } catch (error) {
    if (error instanceof DoctorError) await reportFailure(flags, format, error, startedAt, io);
    throw error;
  }
}

async function run(flags: RunFlags, format: Format | null, io: Io): Promise<CommandOutcome> {
  const options = runOptionsFrom(flags, io);
  if (flags.output) await checkDestination(flags.output);

  // The terminal gets the human report when it is the format asked for, or beside a file written with -o.
  const humanOnTerminal = flags.output ? !flags.quiet : format === 'human';
  const color = flags.color && io.interactive;
  if (flags.failOn === 'new' && !flags.baseline) throw new UsageError('--fail-on new needs --baseline <report.json>');
  const baseline = flags.baseline ? await loadBaseline(resolve(io.cwd, flags.baseline)) : undefined;
  const base = { verbose: flags.verbose, quiet: flags.quiet, failOn: flags.failOn, changesOnly: baseline !== undefined };
  const terminal: ReporterOptions = { ...base, color, width: io.columns };
  const progress = startProgress(io, humanOnTerminal && flags.color && !flags.quiet);
  const { checks, skipped } = selectChecks(options.only, options.skip);
  // The header waits for the first group, so that a run that cannot start prints only its error.
  let header = renderHumanHeader({ name: 'postal-doctor', version: toolVersion() }, options.configPath, terminal);
  const stream = new GroupStream(checks, skipped, async (group, results) => {
    const text = header + renderHumanGroup(group, results, terminal);
    header = '';
    await progress.print(text);
  });

  let report: Report;
  try {
    report = await doctor(options, createProbes(options), {
      failOn: flags.failOn,
      baseline,
      onProgress: (finished, total, running) => progress.update(finished, total, running),
      // Against a baseline the results are marked only once the run is over: the groups are printed then.
      onCheckDone: humanOnTerminal && !baseline ? (checkId, results) => stream.checkDone(checkId, results) : undefined,
    });
    if (humanOnTerminal) await stream.finish(report);
  } finally {
    progress.stop();
  }
  if (humanOnTerminal) await io.stdout(renderHumanFooter(report, terminal));

  if (format !== 'human' || flags.output) {
    const chunks = format === null ? [renderFixScript(report)] : renderReportChunks(format, report, { ...base, color: false });
    if (flags.output) await writeReportFile(flags.output, chunks);
    else for (const chunk of chunks) await io.stdout(chunk);
  }
  return { exitCode: format === 'nagios' ? nagiosCodeFor(report.summary) : report.exitCode };
}
