import type { Fix, FixKind, Report, Result } from '../core/types.js';
import { FIX_KINDS } from '../core/types.js';
import { shellComment, shellQuote } from '../util/shell.js';
import { RESTART_COMMAND, configChangesYaml } from './common.js';

/**
 * `postal-doctor fix`: one bash script with every fix of the report, in a safe order (SECTION_ORDER: provider
 * requests and DNS records as comments, then database, postal.yml, files, firewall, what needs a human, and
 * restarts last and once each). A comment above each block names the result it fixes. Config edits are
 * shown as the YAML to write, never as sed. Every command is safe to run again (rules are added only when
 * missing), and steps that need a person are listed when the script ends rather than stopping it.
 * Nothing is run here: the script is printed for review.
 */

/** FIX_KINDS with the restarts moved last: edits made by hand (an environment variable removed) need them too. */
const SECTION_ORDER: FixKind[] = [...FIX_KINDS.filter((kind) => kind !== 'restart'), 'restart'];

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

/** Commands that make firewall rules survive a reboot: they must run after every rule, so they close the firewall section. */
const PERSIST_COMMAND =
  /^\s*(if\s+command\s+-v\s+ufw\b.*netfilter-persistent\s+save|netfilter-persistent\s+save|service\s+netfilter-persistent\s+save|apt-get\s+install\b.*\b(iptables|netfilter)-persistent\b|ip6?tables(-legacy|-nft)?-save\b.*>|nft\s+list\s+(ruleset|table)\b.*>|systemctl\s+enable\b)/;

/** Container names as Docker allows them; only such words are merged into one `docker restart`. */
const PLAIN_WORD = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

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

/** Commands held back to a later place in the script, each once, with the results that need them. */
class Deferred {
  readonly neededBy: string[] = [];
  protected readonly list: string[] = [];

  add(command: string, result: Result): void {
    const name = resultName(result);
    if (!this.neededBy.includes(name)) this.neededBy.push(name);
    this.store(command.trim());
  }

  protected store(command: string): void {
    if (!this.list.includes(command)) this.list.push(command);
  }

  /** Each command, and whether an earlier one already does its work. */
  commands(): Array<{ command: string; coveredBy: string | null }> {
    return this.list.map((command) => ({ command, coveredBy: null }));
  }
}

/**
 * Restarts de-duplicated: `docker restart a` and `docker restart a b` become one `docker restart a b`;
 * `postal restart` restarts every Postal container, so single restarts beside it are left as comments.
 */
class Restarts extends Deferred {
  private readonly merged = new Map<string, string[]>();

  protected override store(command: string): void {
    const words = command.split(/\s+/);
    const verb = words[0] === 'docker' && (words[1] === 'restart' || words[1] === 'start') ? `docker ${words[1]}` : null;
    const names = words.slice(2);
    if (!verb || names.length === 0 || !names.every((word) => PLAIN_WORD.test(word))) return super.store(command);
    const known = this.merged.get(verb);
    if (known) known.push(...names.filter((name) => !known.includes(name)));
    else {
      this.merged.set(verb, [...new Set(names)]);
      this.list.push(verb);
    }
  }

  override commands(): Array<{ command: string; coveredBy: string | null }> {
    const everything = this.list.includes('postal restart') ? 'postal restart' : null;
    return this.list.map((entry) => {
      const names = this.merged.get(entry);
      return names ? { command: `${entry} ${names.join(' ')}`, coveredBy: everything } : { command: entry, coveredBy: null };
    });
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
  const records: Block[] = [];
  const restarts = new Restarts();
  const persistence = new Deferred();
  for (const result of withFix) {
    const fix = result.fix!;
    const kind = kindOf(fix);
    const commands: string[] = [];
    for (const command of fix.commands) {
      if (RESTART_COMMAND.test(command) && isSingleCommand(command)) restarts.add(command, result);
      else if (kind === 'firewall' && PERSIST_COMMAND.test(command) && isSingleCommand(command)) persistence.add(command, result);
      else commands.push(command);
    }
    // A DNS fix is listed with the records even without any of its own (it may point at another result's record).
    if (kind === 'dns' || ((fix.records?.length ?? 0) > 0 && kind !== 'provider')) records.push({ result, fix, commands: kind === 'dns' ? commands : [] });
    // A DNS fix is its records (with what prints them) and a restart fix its restarts: both are printed in their own blocks already.
    const shownElsewhere = (kind === 'dns' || (kind === 'restart' && commands.length === 0)) && !fix.configChanges?.length;
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

  for (const kind of SECTION_ORDER) {
    const kindBlocks = blocks.get(kind)!;
    const deferred = kind === 'restart' ? restarts : kind === 'firewall' ? persistence : null;
    const deferredCommands = deferred?.commands() ?? [];
    const recordBlocks = kind === 'dns' ? records : [];
    if (kindBlocks.length === 0 && deferredCommands.length === 0 && recordBlocks.length === 0) continue;
    script.heading(kind);
    for (const block of recordBlocks) printRecords(script, block);
    for (const block of kindBlocks) printBlock(script, block, kind, report);
    if (deferred && deferredCommands.length > 0) {
      script.blank();
      script.comment(kind === 'firewall' ? 'Keep the rules above after a reboot; needed by:' : 'Needed by:');
      for (const name of deferred.neededBy) script.comment(`  ${name}`);
      for (const { command, coveredBy } of deferredCommands) {
        if (coveredBy) script.comment(`  (${coveredBy} restarts these too) ${command}`);
        else script.command(command);
      }
    }
  }

  if (withoutFix.length > 0) {
    script.blank();
    script.comment('==== Problems without a scripted fix (postal-doctor explain <check> says how to fix them) ====');
    for (const result of withoutFix) script.comment(`  ${result.status}: ${resultName(result)}`);
  }
  printPersonSteps(script, withFix, withoutFix);
  return `${script.lines.join('\n')}\n`;
}

/** What each kind of step asks of a person; commands of the other kinds run in the script. */
const PERSON_STEPS: Partial<Record<FixKind, string>> = {
  provider: 'ask your hosting provider (section "Requests for your hosting provider")',
  dns: 'publish at your DNS host (section "DNS records to publish")',
  config: 'edit postal.yml by hand (section "Changes to postal.yml")',
  manual: 'do by hand (section "By hand")',
};

/**
 * The steps the script cannot do, said when it ends (a comment is not seen by whoever runs it): the script goes
 * on past them, and since every command in it is safe to run again, it can simply be run once more afterwards.
 */
function printPersonSteps(script: Script, withFix: Result[], withoutFix: Result[]): void {
  const counts = new Map<string, number>();
  const count = (step: string) => counts.set(step, (counts.get(step) ?? 0) + 1);
  for (const result of withFix) {
    const kind = result.fix!.configChanges?.length ? 'config' : kindOf(result.fix!);
    const step = PERSON_STEPS[kind];
    if (step) count(step);
  }
  for (const _ of withoutFix) count('find the fix with postal-doctor explain (section "Problems without a scripted fix")');
  if (counts.size === 0) return;
  script.blank();
  script.comment('Said when the script ends: the steps above that need a person.');
  script.lines.push(`echo ${shellQuote('postal-doctor fix: done. Steps that need a person (see the comments in this script); run it again after them, it is safe to:')}`);
  for (const [step, times] of counts) script.lines.push(`echo ${shellQuote(`  - ${step}: ${times} ${times === 1 ? 'problem' : 'problems'}`)}`);
}
function printRecords(script: Script, { result, fix, commands }: Block): void {
  script.blank();
  script.comment(`For ${resultName(result)}`);
  script.comment(`  ${fix.summary}`);
  for (const record of fix.records ?? []) script.record(record);
  for (const command of commands) script.comment(`  Run: ${command}`);
}

function printBlock(script: Script, block: Block, kind: FixKind, report: Report): void {
  const { result, fix, commands } = block;
  script.blank();
  script.comment(`Fixes ${resultName(result)}`);
  script.comment(`  ${fix.summary}`);
  if (kind === 'provider') for (const record of fix.records ?? []) script.comment(`  Ask for: ${record}`);
  if (fix.configChanges?.length) {
    script.comment(`  In ${report.config.path} (edit by hand):`);
    for (const line of configChangesYaml(fix.configChanges)) script.comment(`    ${line}`);
  }
  for (const command of commands) {
    if (command.trimStart().startsWith('#')) script.comment(command.trimStart());
    else if (COMMENT_ONLY.has(kind)) script.comment(`  ${command}`);
    else script.command(command);
  }
}
