import { Command, InvalidArgumentError, Option, type OutputConfiguration } from 'commander';
import { splitHostPort } from '../util/host-port.js';
import { isIP } from 'node:net';
import { DEFAULT_CONFIG_PATH, DEFAULT_IN_FLIGHT } from '../core/options.js';
import { FAIL_ON_LEVELS, type FailOn } from '../core/exit-code.js';
import { FORMATS, type Format } from '../reporters/formats.js';
import { isThresholdName, THRESHOLDS } from '../core/thresholds.js';

/** What every command hands back to main: the text for stdout (and stderr) and the exit code. */
export interface CommandOutcome {
  exitCode: number;
}

/** The raw options of check/report/fix as commander parses them. */
export interface RunFlags {
  config?: string;
  only: string[];
  skip: string[];
  ip: string[];
  db: boolean;
  resolver: string[];
  dnsblResolver: string[];
  dnsblZone: string[];
  probeTarget: string[];
  smtpTarget: string[];
  offline: boolean;
  timeout: number;
  deadline: number;
  concurrency: number;
  /** Absent for fix, which prints a script. */
  format?: Format;
  output?: string;
  failOn: FailOn;
  baseline?: string;
  color: boolean;
  quiet: boolean;
  verbose: boolean;
  hostRoot: string;
  threshold: Record<string, number>;
  domain?: string;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** `--only a,b`; an empty list is a mistake (a variable that expanded to nothing), not "every check". */
function collectList(flag: string) {
  return (value: string, previous: string[]) => {
    const names = value
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean);
    if (names.length === 0) throw new InvalidArgumentError(`${flag} needs at least one check id or group name`);
    return [...previous, ...names];
  };
}

/** One day: far above any sensible limit, and well below what Node's timers accept (2^31-1 ms). */
const LONGEST_MS = 86_400_000;

function count(flag: string) {
  return (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) <= 0 || Number(value) > 100_000) throw new InvalidArgumentError(`${flag} takes a whole number from 1 to 100000`);
    return Number(value);
  };
}

function milliseconds(flag: string) {
  return (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) <= 0 || Number(value) > LONGEST_MS) {
      throw new InvalidArgumentError(`${flag} takes a whole number of milliseconds from 1 to ${LONGEST_MS} (one day)`);
    }
    return Number(value);
  };
}

/** `--threshold name=value`: a known limit (core/thresholds.ts) and a non-negative number. */
function thresholdSetting(value: string, previous: Record<string, number>): Record<string, number> {
  const match = /^([a-z0-9.-]+)=(\d+(?:\.\d+)?)$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError(`"${value}" is not name=number`);
  if (!isThresholdName(match[1])) throw new InvalidArgumentError(`no threshold "${match[1]}" (there are: ${Object.keys(THRESHOLDS).join(', ')})`);
  return { ...previous, [match[1]]: Number(match[2]) };
}

function ipAddress(value: string, previous: string[]): string[] {
  if (!isIP(value)) throw new InvalidArgumentError(`"${value}" is not an IPv4 or IPv6 address`);
  return [...previous, value];
}

function resolverAddress(value: string, previous: string[]): string[] {
  const parts = splitHostPort(value);
  if (!parts || !isIP(parts.host)) {
    throw new InvalidArgumentError(`"${value}" is not a resolver address (ip, ip:port or [ipv6]:port)`);
  }
  return [...previous, value];
}

/** A typo in a target is a usage error, not a result that reads "unknown" and lets the run pass. */
function hostAndPort(value: string, previous: string[]): string[] {
  const parts = splitHostPort(value);
  const hostOk = parts !== null && (isIP(parts.host) !== 0 || /^[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9])?\.?$/.test(parts.host));
  if (!hostOk) throw new InvalidArgumentError(`"${value}" is not host, host:port or [ipv6]:port`);
  return [...previous, value];
}

/** The options of check, report and fix; `format` is the default --format, or null for fix, which prints one script. */
function addRunOptions(command: Command, format: Format | null): Command {
  command
    .option('-c, --config <path>', `Postal config file (default: $POSTAL_CONFIG_FILE_PATH or ${DEFAULT_CONFIG_PATH})`)
    .option('--only <ids>', 'run only these checks or groups (comma-separated)', collectList('--only'), [])
    .option('--skip <ids>', 'skip these checks or groups (comma-separated)', collectList('--skip'), [])
    .option('--ip <addr>', 'an outbound IP to check (repeatable)', ipAddress, [])
    .option('--no-db', "do not read IP pools from Postal's database")
    .option('--resolver <ip[:port]>', 'DNS server for ordinary lookups (repeatable; default: the system resolver)', resolverAddress, [])
    .option('--dnsbl-resolver <ip[:port]>', 'DNS server for blocklist lookups (default: --resolver)', resolverAddress, [])
    .option('--dnsbl-zone <zone>', 'blocklist zone to query (repeatable; default: zen.spamhaus.org, b.barracudacentral.org, bl.spamcop.net)', collect, [])
    .option('--probe-target <host[:port]>', 'remote MX for the outbound port 25 test (repeatable)', hostAndPort, [])
    .option('--smtp-target <host[:port]>', 'where to run the live STARTTLS probe (repeatable)', hostAndPort, [])
    .option('--offline', 'no network: config, files and local checks only', false)
    .option('--timeout <ms>', 'time limit of each network operation', milliseconds('--timeout'), 5000)
    .option('--deadline <ms>', 'time limit of the whole run', milliseconds('--deadline'), 60000)
    .option('--concurrency <n>', 'DNS questions in flight at each server asked, and connections in flight', count('--concurrency'), DEFAULT_IN_FLIGHT);
  if (format) command.addOption(new Option('--format <fmt>', 'report format').choices(FORMATS).default(format));
  return command
    .option('-o, --output <file>', format ? 'write the report to a file' : 'write the script to a file')
    .addOption(new Option('--fail-on <level>', 'lowest status that makes the exit code 1; new: only problems new since --baseline').choices(FAIL_ON_LEVELS).default('fail'))
    .option('--baseline <report.json>', 'an earlier JSON report: mark problems new, still there or gone, and show only the changes')
    .option('--no-color', 'no colour')
    .option('-q, --quiet', 'only the problems; nothing on the terminal when writing to a file', false)
    .option('-v, --verbose', 'show passing details and evidence', false)
    .option('--host-root <dir>', 'prefix for every host path read', '/')
    .option('--threshold <name=value>', 'change a limit a check judges by, e.g. queue.ready-minutes=60 (repeatable)', thresholdSetting, {})
    .option('--domain <name>', "look at this one of Postal's domains only (domains checks)");
}

export interface CommandHandlers {
  check(flags: RunFlags, mode: 'check' | 'report' | 'fix'): Promise<CommandOutcome>;
  list(flags: { format: 'human' | 'json' }): Promise<CommandOutcome>;
  explain(id: string): Promise<CommandOutcome>;
  config(flags: { config?: string; format: 'human' | 'json'; hostRoot: string }): Promise<CommandOutcome>;
}

/** The command table; actions only forward typed options, so the CLI can be tested without running anything. */
export function buildProgram(version: string, handlers: CommandHandlers, onOutcome: (outcome: CommandOutcome) => void, output: OutputConfiguration): Command {
  // Output and exit handling are set before any subcommand is added: subcommands copy them when created.
  const program = new Command()
    .name('postal-doctor')
    .description('Checks a Postal mail server deployment the way remote mail servers see it, and prints the exact fix.')
    .version(version, '-V, --version')
    .showHelpAfterError('(run postal-doctor --help for usage)')
    .exitOverride()
    .configureOutput(output);

  addRunOptions(program.command('check').description('run the checks (the main job)'), 'human').action(async (flags: RunFlags) =>
    onOutcome(await handlers.check(flags, 'check')),
  );
  addRunOptions(program.command('report').description('same as check --format markdown, for support tickets (secrets redacted)'), 'markdown').action(
    async (flags: RunFlags) => onOutcome(await handlers.check(flags, 'report')),
  );
  addRunOptions(program.command('fix').description('run the checks, then print one shell script of all fixes, in a safe order'), null).action(
    async (flags: RunFlags) => onOutcome(await handlers.check(flags, 'fix')),
  );
  program
    .command('explain')
    .description('the long explanation of a check: what, why, how it is checked, how to fix')
    .argument('<check-id>', 'a check id, e.g. dns.fcrdns')
    .action(async (id: string) => onOutcome(await handlers.explain(id)));
  program
    .command('list')
    .description('every check with id, group and one-line title')
    .addOption(new Option('--format <fmt>', 'output format').choices(['human', 'json']).default('human'))
    .action(async (flags: { format: 'human' | 'json' }) => onOutcome(await handlers.list(flags)));
  program
    .command('config')
    .description('the effective Postal config as Postal will see it, with the origin of each value (secrets redacted)')
    .option('-c, --config <path>', `Postal config file (default: $POSTAL_CONFIG_FILE_PATH or ${DEFAULT_CONFIG_PATH})`)
    .addOption(new Option('--format <fmt>', 'output format').choices(['human', 'json']).default('human'))
    .option('--host-root <dir>', 'prefix for every host path read', '/')
    .action(async (flags: { config?: string; format: 'human' | 'json'; hostRoot: string }) => onOutcome(await handlers.config(flags)));
  return program;
}
