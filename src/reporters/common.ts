import type { FailOn } from '../core/exit-code.js';
import type { ConfigChange, Fix, Group, Result, Status, Summary } from '../core/types.js';
import { GROUPS } from '../core/types.js';

export interface ReporterOptions {
  color: boolean;
  verbose: boolean;
  /** `--quiet`: the human report shows only the problems and the summary. */
  quiet: boolean;
  /** `--fail-on`: decides whether a warning is a failing test case in JUnit. */
  failOn: FailOn;
}

export const GROUP_HEADINGS: Record<Group, string> = {
  config: 'Config',
  network: 'Network',
  dns: 'DNS',
  tls: 'TLS',
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

/** `in postal.yml: smtp.port: 2525 → 25`; labelled, so that nobody pastes it into a shell. */
export function configChangeText(change: ConfigChange): string {
  const to = change.to === undefined ? '(remove the key)' : formatConfigValue(change.to);
  return `in postal.yml: ${change.path}: ${formatConfigValue(change.from)} → ${to}`;
}

const YAML_KEYWORDS = /^(true|false|yes|no|on|off|y|n|null)$/i;

/** A postal.yml value as an operator would write it; strings are quoted only when plain text would be ambiguous. */
function formatConfigValue(value: unknown): string {
  if (value === undefined) return '(not set)';
  if (typeof value === 'string' && /^[\w.@:/+-]+$/.test(value) && Number.isNaN(Number(value)) && !YAML_KEYWORDS.test(value)) {
    return value;
  }
  return JSON.stringify(value) ?? String(value);
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
