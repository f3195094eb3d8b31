// Prints node:test's own end-of-run counts as the single line "N passed, N failed, N skipped".
export default async function* summaryReporter(source) {
  const counts = {};
  for await (const event of source) {
    if (event.type !== 'test:diagnostic' || event.data.nesting !== 0) continue;
    const match = /^(tests|pass|fail|cancelled|skipped|todo) (\d+)$/.exec(event.data.message);
    if (match) counts[match[1]] = Number(match[2]);
  }
  const failed = (counts.fail ?? 0) + (counts.cancelled ?? 0);
  yield `${counts.pass ?? 0} passed, ${failed} failed, ${(counts.skipped ?? 0) + (counts.todo ?? 0)} skipped\n`;
}
