import { readFileSync } from 'node:fs';
import { CommanderError } from 'commander';
import { DoctorError } from '../core/errors.js';
import { buildProgram, type CommandHandlers, type CommandOutcome } from './program.js';
import { processIo, type Io } from './io.js';

export function toolVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

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
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof DoctorError) {
      await io.stderr(`postal-doctor: ${error.message}\n`);
      return error.exitCode;
    }
    const detail = verbose && error instanceof Error && error.stack ? error.stack : error instanceof Error ? error.message : String(error);
    await io.stderr(`postal-doctor: internal error: ${detail}\n`);
    return 2;
  }
}

/** The only place that exits the process. */
export async function main(argv: string[]): Promise<never> {
  const code = await runCli(argv, processIo());
  process.exit(code);
}
