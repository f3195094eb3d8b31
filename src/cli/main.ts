import { CommanderError } from 'commander';
import { DoctorError } from '../util/errors.js';
import { toolVersion } from '../core/tool.js';
import { buildProgram, type CommandHandlers, type CommandOutcome } from './program.js';
import { processIo, type Io } from './io.js';


/** Commands are imported only when run, so `--help` loads neither the network nor the database code. */
function handlers(io: Io): CommandHandlers {
  return {
    check: async (flags, mode) => (await import('./commands/check.js')).runCheckCommand(flags, mode, io),
    list: async (flags) => (await import('./commands/list.js')).runListCommand(flags, io),
    explain: async (id) => (await import('./commands/explain.js')).runExplainCommand(id, io),
    config: async (flags) => (await import('./commands/config.js')).runConfigCommand(flags, io),
  };
}

/** Runs the CLI and returns the exit code; never throws. */
export async function runCli(argv: string[], io: Io): Promise<number> {
  let outcome: CommandOutcome = { exitCode: 0 };
  const verbose = argv.includes('-v') || argv.includes('--verbose');
  try {
    const program = buildProgram(toolVersion(), handlers(io), (result) => (outcome = result), {
      writeOut: (text) => void io.stdout(text),
      writeErr: (text) => void io.stderr(text),
      outputError: (text) => void io.stderr(`postal-doctor: ${text.replace(/^error: /, '')}`),
    });
    if (argv.length <= 2) {
      await io.stdout(program.helpInformation());
      return 0;
    }
    await program.parseAsync(argv);
    return outcome.exitCode;
  } catch (error) {
    if (error instanceof CommanderError && error.exitCode === 0) return 0;
    let reason: string;
    if (error instanceof CommanderError) {
      // Commander has printed the message and the usage hint already.
      reason = error.message.replace(/^error: /, '');
    } else if (error instanceof DoctorError) {
      reason = error.message;
      await io.stderr(`postal-doctor: ${reason}\n`);
    } else {
      reason = `internal error: ${error instanceof Error ? error.message : String(error)}`;
      const detail = verbose && error instanceof Error && error.stack ? `internal error: ${error.stack}` : reason;
      await io.stderr(`postal-doctor: ${detail}\n`);
    }
    if (!nagiosRequested(argv)) return 2;
    await io.stdout(`POSTAL-DOCTOR UNKNOWN - ${reason.split('\n')[0]}\n`);
    return 3;
  }
}

/**
 * A Nagios plugin that cannot do its job reports UNKNOWN (exit 3) with a status line; exit 2 with
 * nothing on stdout would read as CRITICAL "(No output)".
 */
function nagiosRequested(argv: string[]): boolean {
  const args = argv.slice(2);
  return args.some((arg, index) => arg === '--format=nagios' || (arg === '--format' && args[index + 1] === 'nagios'));
}

/** The only place that exits the process. */
export async function main(argv: string[]): Promise<never> {
  const code = await runCli(argv, processIo());
  process.exit(code);
}
