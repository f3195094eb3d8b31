import type { CatalogueEntry, Group, Report, Result } from '../core/types.js';
import { GROUPS } from '../core/types.js';

/**
 * Prints each group's results as soon as every check of that group and of the groups before it is done,
 * so the terminal fills in catalogue order while the slower groups still run. `finish` prints the groups
 * that were still waiting (their checks ran into the deadline) from the finished report.
 */
export class GroupStream {
  private readonly done = new Map<string, Result[]>();
  private readonly groups: Array<{ group: Group; checks: CatalogueEntry[] }>;
  private next = 0;
  private printing: Promise<void> = Promise.resolve();

  constructor(
    checks: readonly CatalogueEntry[],
    skipped: ReadonlySet<string>,
    private readonly print: (group: Group, results: Result[]) => Promise<void>,
  ) {
    this.groups = GROUPS.map((group) => ({ group, checks: checks.filter((check) => check.group === group && !skipped.has(check.id)) })).filter(
      ({ group }) => checks.some((check) => check.group === group),
    );
  }

  checkDone(checkId: string, results: Result[]): void {
    this.done.set(checkId, results);
    while (this.next < this.groups.length && this.groups[this.next]!.checks.every((check) => this.done.has(check.id))) {
      const { group, checks } = this.groups[this.next++]!;
      const results = checks.flatMap((check) => this.done.get(check.id)!);
      this.printing = this.printing.then(() => this.print(group, results));
    }
  }

  async finish(report: Report): Promise<void> {
    for (const { group } of this.groups.slice(this.next)) {
      const results = report.results.filter((result) => result.group === group);
      this.printing = this.printing.then(() => this.print(group, results));
    }
    this.next = this.groups.length;
    await this.printing;
  }
}
