import type { ConfigChange, Fix, FixKind, Report, Result } from '../core/types.js';
import { FIX_KINDS } from '../core/types.js';
import { shellComment } from '../core/shell.js';
import { keySpec } from '../config/schema.js';

/**
 * `postal-doctor fix`: one bash script with every fix of the report, in a safe order (FIX_KINDS: provider
 * requests and DNS records as comments, then database, postal.yml, files, firewall, restarts last and once
 * each, then what needs a human). A comment above each block names the result it fixes. Config edits are
 * shown as key, old value and new value, never as sed. Nothing is run here: the script is printed for review.
 */

const HEADINGS: Record<FixKind, string> = {
  provider: 'Requests for your hosting provider (not commands: send them to the provider)',
  dns: 'DNS records to publish at your DNS host (zone-file syntax)',
  database: "Changes to Postal's database (mysql asks for the main_db password)",
  config: 'Changes to postal.yml (edit it by hand: the exact change is shown; YAML is not safely edited with sed)',
  file: 'File ownership and permissions',
  firewall: 'Firewall rules, and keeping them after a reboot',
  restart: 'Restarts, last, so that Postal reads the changes above (each container once)',
  manual: 'By hand (read, then run what applies to you)',
};

/** Sections whose commands are advice for a person, printed as comments. */
const COMMENT_ONLY: ReadonlySet<FixKind> = new Set(['provider', 'dns', 'manual']);

/** Commands that (re)start services: always run last, whatever fix they came with. */
const RESTART_COMMAND = /^\s*(docker\s+(restart|start)|postal\s+(restart|start)|systemctl\s+(restart|try-restart|reload|start))(\s|$)/;

/** Container names as Docker allows them; only such words are merged into one `docker restart`. */
const PLAIN_WORD = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

const SECRET_PATH = /password|secret|sentry_dsn/i;

function isProblem(result: Result): boolean {
  return result.status === 'fail' || result.status === 'warn' || result.status === 'unknown';
}

function kindOf(fix: Fix): FixKind {
  if (fix.kind) return fix.kind;
  if (fix.configChanges?.length) return 'config';
  if (fix.records?.length) return 'dns';
  return 'manual';
}

/** `dns.ptr 192.0.2.10: Reverse DNS of 192.0.2.10 is missing` */
function resultName(result: Result): string {
  return `${result.check}${result.target === null ? '' : ` ${result.target}`}: ${result.title}`;
}

/**
 * Whether a command is one line to the shell: a line break outside quotes would start a second
 * command, so such a command is printed as a comment instead of being run.
 */
export function isSingleCommand(command: string): boolean {
  let quote: "'" | '"' | null = null;
  for (let index = 0; index < command.length; index++) {
    const char = command[index];
    if (quote === "'") {
      if (char === "'") quote = null;
    } else if (quote === '"') {
      if (char === '\\') index++;
      else if (char === '"') quote = null;
    } else if (char === '\\') {
      if (command[index + 1] === '\n') return false;
      index++;
    } else if (char === "'" || char === '"') {
      quote = char;
    } else if (char === '#' && (index === 0 || /\s/.test(command[index - 1]))) {
      // A comment runs to the end of the line; anything on a later line would be a second command.
      const end = command.indexOf('\n', index);
      return end === -1 || command.slice(end).trim() === '';
    } else if (char === '\n' || char === '\r') {
      return false;
    }
  }
  return quote === null;
}

function valueText(path: string, value: unknown, missing: string): string {
  if (value === undefined) return missing;
  if (SECRET_PATH.test(path) || keySpec(path)?.secret) return '[redacted]';
  if (typeof value === 'string' && /^[\w.@:/+-]+$/.test(value) && !/^(true|false|yes|no|on|off|null|~|\d[\d.]*)$/i.test(value)) return value;
  return JSON.stringify(value) ?? String(value);
}

function configChangeLine(change: ConfigChange): string {
  const from = valueText(change.path, change.from, '(not set)');
  const to = change.to === undefined ? '(remove the key)' : valueText(change.path, change.to, '(not set)').replace('[redacted]', '(the new secret)');
  return `    ${change.path}: ${from} -> ${to}`;
}

interface RestartSlot {
  verb: 'docker restart' | 'docker start' | null;
  names: string[];
  command: string;
}

/** Restart commands de-duplicated: `docker restart a` and `docker restart a b` become one `docker restart a b`. */
class Restarts {
  private slots: RestartSlot[] = [];
  readonly neededBy: string[] = [];

  add(command: string, result: Result): void {
    const name = resultName(result);
    if (!this.neededBy.includes(name)) this.neededBy.push(name);
    const words = command.trim().split(/\s+/);
    const verb = words[0] === 'docker' && (words[1] === 'restart' || words[1] === 'start') ? (`docker ${words[1]}` as const) : null;
    const names = words.slice(2);
    if (verb && names.length > 0 && names.every((word) => PLAIN_WORD.test(word))) {
      const slot = this.slots.find((entry) => entry.verb === verb);
      if (slot) slot.names.push(...names.filter((word) => !slot.names.includes(word)));
      else this.slots.push({ verb, names: [...new Set(names)], command });
      return;
    }
    if (!this.slots.some((entry) => entry.verb === null && entry.command === command.trim())) this.slots.push({ verb: null, names: [], command: command.trim() });
  }

  commands(): string[] {
    return this.slots.map((slot) => (slot.verb ? `${slot.verb} ${slot.names.join(' ')}` : slot.command));
  }
}

interface Block {
  result: Result;
  fix: Fix;
  /** The fix's commands without its restarts, which go to the restart section. */
  commands: string[];
}

/** The lines of the script, and the commands already in it (a command two results share runs once). */
class Script {
  readonly lines: string[] = [];
  private readonly run = new Set<string>();
  private readonly records = new Set<string>();
  private sections = 0;

  comment(text: string): void {
    this.lines.push(shellComment(text));
  }

  blank(): void {
    this.lines.push('');
  }

  heading(kind: FixKind): void {
    this.sections++;
    this.blank();
    this.comment(`==== ${this.sections}. ${HEADINGS[kind]} ====`);
  }

  record(record: string): void {
    this.comment(this.records.has(record) ? `  (already listed above) ${record}` : `  ${record}`);
    this.records.add(record);
  }

  command(command: string): void {
    if (!isSingleCommand(command)) this.comment(`  Not run, as it spans lines outside quotes; review it: ${command}`);
    else if (this.run.has(command)) this.comment(`  (already run above) ${command}`);
    else {
      this.run.add(command);
      this.lines.push(command);
    }
  }
}

export function renderFixScript(report: Report): string {
  const problems = report.results.filter(isProblem);
  const withFix = problems.filter((result) => result.fix !== null);
  const withoutFix = problems.filter((result) => result.fix === null);

  const blocks = new Map<FixKind, Block[]>(FIX_KINDS.map((kind) => [kind, []]));
  const records: Array<{ result: Result; fix: Fix }> = [];
  const restarts = new Restarts();
  for (const result of withFix) {
    const fix = result.fix!;
    const kind = kindOf(fix);
    const commands: string[] = [];
    for (const command of fix.commands) {
      if (RESTART_COMMAND.test(command) && isSingleCommand(command)) restarts.add(command, result);
      else commands.push(command);
    }
    if ((fix.records?.length ?? 0) > 0 && kind !== 'provider') records.push({ result, fix });
    // A DNS fix is its records and a restart fix its restarts: both are printed in their own blocks already.
    const shownElsewhere = (kind === 'dns' || kind === 'restart') && commands.length === 0 && !fix.configChanges?.length;
    if (!shownElsewhere) blocks.get(kind)!.push({ result, fix, commands });
  }

  const script = new Script();
  script.lines.push('#!/usr/bin/env bash');
  script.comment(`postal-doctor ${report.tool.version}: fixes for ${report.config.path}, from the run started ${report.startedAt}.`);
  script.comment(`${report.summary.fail} failed, ${report.summary.warn} warnings, ${report.summary.unknown} unknown. Nothing has been run or changed.`);
  script.comment('Read every block before you run this script; the blocks are in a safe order, restarts last.');
  script.lines.push('set -euo pipefail');
  if (withFix.length === 0) {
    script.blank();
    script.comment(problems.length === 0 ? 'Nothing to fix: no result failed or warned.' : 'No problem found has a scripted fix; see the list below.');
  }

  for (const kind of FIX_KINDS) {
    const kindBlocks = blocks.get(kind)!;
    const restartCommands = kind === 'restart' ? restarts.commands() : [];
    const recordBlocks = kind === 'dns' ? records : [];
    if (kindBlocks.length === 0 && restartCommands.length === 0 && recordBlocks.length === 0) continue;
    script.heading(kind);
    for (const { result, fix } of recordBlocks) printRecords(script, result, fix);
    for (const block of kindBlocks) printBlock(script, block, kind, report);
    if (restartCommands.length > 0) {
      script.blank();
      script.comment('Needed by:');
      for (const name of restarts.neededBy) script.comment(`  ${name}`);
      for (const command of restartCommands) script.command(command);
    }
  }

  if (withoutFix.length > 0) {
    script.blank();
    script.comment('==== Problems without a scripted fix (postal-doctor explain <check> says how to fix them) ====');
    for (const result of withoutFix) script.comment(`  ${result.status}: ${resultName(result)}`);
  }
  return `${script.lines.join('\n')}\n`;
}

function printRecords(script: Script, result: Result, fix: Fix): void {
  script.blank();
  script.comment(`For ${resultName(result)}`);
  script.comment(`  ${fix.summary}`);
  for (const record of fix.records ?? []) script.record(record);
}

function printBlock(script: Script, block: Block, kind: FixKind, report: Report): void {
  const { result, fix, commands } = block;
  script.blank();
  script.comment(`Fixes ${resultName(result)}`);
  script.comment(`  ${fix.summary}`);
  if (kind === 'provider') for (const record of fix.records ?? []) script.comment(`  Ask for: ${record}`);
  if (fix.configChanges?.length) {
    script.comment(`  In ${report.config.path}:`);
    for (const change of fix.configChanges) script.comment(configChangeLine(change));
  }
  for (const command of commands) {
    if (command.trimStart().startsWith('#')) script.comment(command.trimStart());
    else if (COMMENT_ONLY.has(kind)) script.comment(`  ${command}`);
    else script.command(command);
  }
}
