import { rename, rm, writeFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { Report, RunOptions } from '../../core/types.js';
import { defaultRunOptions, DEFAULT_CONFIG_PATH } from '../../core/options.js';
import { DoctorError } from '../../util/errors.js';
import { nagiosCodeFor } from '../../core/exit-code.js';
import { doctor } from '../../core/doctor.js';
import { createProbes } from '../../probes/index.js';
import { REPORTERS } from '../../reporters/index.js';
import { renderFixScript } from '../../reporters/fix-script.js';
import type { CommandOutcome, RunFlags } from '../program.js';
import type { Io } from '../io.js';
import { startProgress } from '../progress.js';

/** Where postal.yml is on the host (read under --host-root): --config, relative to the working directory, else the default. */
export function configPathFor(flags: { config?: string }, io: Io): string {
  if (flags.config) return isAbsolute(flags.config) ? flags.config : resolve(io.cwd, flags.config);
  return io.env.POSTAL_CONFIG_FILE_PATH || DEFAULT_CONFIG_PATH;
}

function runOptionsFrom(flags: RunFlags, io: Io): RunOptions {
  const defaults = defaultRunOptions();
  return {
    ...defaults,
    configPath: configPathFor(flags, io),
    only: flags.only,
    skip: flags.skip,
    ips: flags.ip,
    useDatabase: flags.db,
    resolvers: flags.resolver,
    dnsblResolvers: flags.dnsblResolver.length > 0 ? flags.dnsblResolver : flags.resolver,
    dnsblZones: flags.dnsblZone.length > 0 ? flags.dnsblZone : defaults.dnsblZones,
    probeTargets: flags.probeTarget,
    smtpTargets: flags.smtpTarget,
    offline: flags.offline,
    timeoutMs: flags.timeout,
    deadlineMs: flags.deadline,
    hostRoot: flags.hostRoot,
    domain: flags.domain?.toLowerCase().replace(/\.$/, '') ?? null,
  };
}

async function writeReportFile(path: string, text: string): Promise<void> {
  // Written beside the target and renamed, so a collector never reads half a file.
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, text);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw new DoctorError(`${path}: cannot write the report (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** check, report and fix: run the checks, build the report, print it in the asked format. */
export async function runCheckCommand(flags: RunFlags, mode: 'check' | 'report' | 'fix', io: Io): Promise<CommandOutcome> {
  const options = runOptionsFrom(flags, io);
  const terminalFormat = flags.output ? 'human' : flags.format;
  const progress = startProgress(io, terminalFormat === 'human' && mode === 'check' && !flags.quiet);
  let report: Report;
  try {
    report = await doctor(options, createProbes(options), {
      failOn: flags.failOn,
      onProgress: (finished, total, running) => progress.update(finished, total, running),
    });
  } finally {
    progress.stop();
  }

  const color = flags.color && io.interactive;
  const reporterOptions = { verbose: flags.verbose, quiet: flags.quiet, failOn: flags.failOn };
  const text = mode === 'fix' ? renderFixScript(report) : REPORTERS[flags.format](report, { ...reporterOptions, color: flags.format === 'human' && color });

  if (flags.output) {
    await writeReportFile(flags.output, text);
    if (!flags.quiet) await io.stdout(REPORTERS.human(report, { ...reporterOptions, color }));
  } else {
    await io.stdout(text);
  }
  return { exitCode: flags.format === 'nagios' && mode === 'check' ? nagiosCodeFor(report.summary) : report.exitCode };
}
