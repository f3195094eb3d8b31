#!/usr/bin/env node
// Times whole postal-doctor processes (median of several runs): startup for --help, and one offline check.
// Usage: npm run build && node scripts/bench.mjs [runs]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const runs = Number(process.argv[2] ?? 15);
const bin = fileURLToPath(new URL('../bin/postal-doctor.js', import.meta.url));
const sample = fileURLToPath(new URL('../examples/postal.yml', import.meta.url));
const cases = [
  ['postal-doctor --help', ['--help']],
  ['postal-doctor check --offline (sample deployment)', ['check', '--offline', '--config', sample]],
  ['postal-doctor list', ['list']],
];

for (const [label, args] of cases) {
  const times = [];
  for (let run = 0; run < runs; run++) {
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
    if (result.status !== 0 && result.status !== 1) throw new Error(`${label} exited ${result.status}: ${result.stderr}`);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(`${label}: median ${median.toFixed(0)} ms (min ${times[0].toFixed(0)}, max ${times.at(-1).toFixed(0)}, ${runs} runs)`);
}
