import { stringify } from 'yaml';
import type { FailOn } from '../core/exit-code.js';
import type { ConfigChange, Fix, Group, Result, Status, Summary } from '../core/types.js';
import { GROUPS } from '../core/types.js';
import { keySpec } from '../config/schema.js';

export interface ReporterOptions {
  color: boolean;
  verbose: boolean;
  /** `--quiet`: the human report shows only the problems and the summary. */
  quiet: boolean;
  /** `--fail-on`: decides whether a warning is a failing test case in JUnit. */
  failOn: FailOn;
  /** Terminal width to wrap text at (commands are never wrapped); 0 or absent: no wrapping. */
  width?: number;
  /** `--baseline`: the human report shows what changed (new problems and the gone ones) unless --verbose. */
  changesOnly?: boolean;
}

/** What the doctor knows of a run that could not happen: the error, for formats that must still be written. */
export interface RunFailure {
  tool: { name: string; version: string };
  startedAt: string;
  reason: string;
  exitCode: number;
}

export const GROUP_HEADINGS: Record<Group, string> = {
  config: 'Config',
  host: 'Host',
  network: 'Network',
  dns: 'DNS',
  tls: 'TLS',
  web: 'Web interface',
  postal: 'Postal',
  domains: 'Domains',
};

/** The order problems are presented in: what loses mail first, then what hurts, then what could not be looked at. */
const PROBLEM_ORDER: readonly Status[] = ['fail', 'warn', 'unknown'];

export function isProblem(result: Result): boolean {
  return PROBLEM_ORDER.includes(result.status);
}

/** Problems, most important first; catalogue and target order within a status. */
export function problemsFirst(results: readonly Result[]): Result[] {
  return PROBLEM_ORDER.flatMap((status) => results.filter((result) => result.status === status));
}

/** Results grouped by check group, groups in catalogue order, empty groups left out. */
export function resultsByGroup(results: readonly Result[]): Array<[Group, Result[]]> {
  return GROUPS.map((group): [Group, Result[]] => [group, results.filter((result) => result.group === group)]).filter(
    ([, members]) => members.length > 0,
  );
}

/** `12 passed, 2 warnings, 1 failed, 0 unknown, 3 skipped` */
export function countsPhrase(summary: Summary): string {
  return [
    `${summary.pass} passed`,
    `${summary.warn} ${summary.warn === 1 ? 'warning' : 'warnings'}`,
    `${summary.fail} failed`,
    `${summary.unknown} unknown`,
    `${summary.skip} skipped`,
  ].join(', ');
}

/** `1.2 s` */
export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** `dns.fcrdns 192.0.2.11`, or the bare check id for a result without a target. */
export function checkAndTarget(result: Result): string {
  return result.target === null ? result.check : `${result.check} ${result.target}`;
}

/** Commands that (re)start Postal or a container: they take effect only after the edits of the same fix. */
export const RESTART_COMMAND = /^\s*(docker\s+(restart|start)|postal\s+(restart|start)|systemctl\s+(restart|try-restart|reload|start))(\s|$)/;

/** A fix in the order an operator carries it out: commands, records to publish, postal.yml edits, then restarts. */
export function fixSteps(fix: Fix): { commands: string[]; records: string[]; configChanges: ConfigChange[]; restarts: string[] } {
  return {
    commands: fix.commands.filter((command) => !RESTART_COMMAND.test(command)),
    records: fix.records ?? [],
    configChanges: fix.configChanges ?? [],
    restarts: fix.commands.filter((command) => RESTART_COMMAND.test(command)),
  };
}

const SECRET_PATH = /password|secret|sentry_dsn/i;

/** A value of postal.yml as YAML would write it; a secret key's value is never printed. */
function yamlValue(path: string, value: unknown): unknown {
  return SECRET_PATH.test(path) || keySpec(path)?.secret ? '<the new secret>' : value;
}

function nested(path: string, value: unknown): Record<string, unknown> {
  return path
    .split('.')
    .reverse()
    .reduce<unknown>((inner, key) => ({ [key]: inner }), value) as Record<string, unknown>;
}

function oldValueText(path: string, value: unknown): string {
  if (SECRET_PATH.test(path) || keySpec(path)?.secret) return '[redacted]';
  return oneLine(JSON.stringify(value) ?? String(value));
}

/**
 * postal.yml edits as the YAML to write, each with a comment saying what it was: shown apart from shell
 * commands in every format, so that nobody pastes a config edit into a shell.
 */
export function configChangesYaml(changes: readonly ConfigChange[]): string[] {
  return changes.flatMap((change) => {
    const path = oneLine(change.path);
    if (change.to === undefined) return [change.from === undefined ? `# remove ${path}` : `# remove ${path} (was ${oldValueText(change.path, change.from)})`];
    const lines = printable(stringify(nested(change.path, yamlValue(change.path, change.to))).trimEnd()).split('\n');
    if (change.from === undefined) return lines;
    const was = `# was ${oldValueText(change.path, change.from)}`;
    // The old value goes beside the new one, unless the new one is a block scalar, whose text a comment would join.
    if (lines.some((line) => /(^|[:-])\s*[|>][-+0-9]*$/.test(line))) return [`# ${path} ${was.slice(2)}`, ...lines];
    return [...lines.slice(0, -1), `${lines.at(-1)}  ${was}`];
  });
}

/** An evidence answer on one line: strings as they are, anything else as compact JSON. */
export function formatAnswer(answer: unknown): string {
  if (typeof answer === 'string') return answer;
  return JSON.stringify(answer) ?? String(answer);
}

// C0 controls except tab and newline, DEL, and C1 controls (ESC sequences could rewrite a terminal or a ticket).
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Text from checks made safe to print: control characters become visible `\xNN` escapes. */
export function printable(text: string): string {
  return text.replace(CONTROL_CHARACTERS, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Printable text on one line: line breaks and tabs become single spaces. */
export function oneLine(text: string): string {
  return printable(text.replace(/\s*[\r\n\t]+\s*/g, ' ').trim());
}
