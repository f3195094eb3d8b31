#!/usr/bin/env node
// Start-up of the single executable next to `node bin/postal-doctor.js`, in the same run: the median of
// several runs of `--help` and of an offline check of examples/, runs of the two interleaved so that
// both see the same machine load. Prints the single file's size too.
// Usage: npm run build && npm run package && node scripts/bench-startup.mjs [runs]
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { arch } from 'node:os';
import { fileURLToPath } from 'node:url';

const runs = Number(process.argv[2] ?? 15);
const bin = fileURLToPath(new URL('../bin/postal-doctor.js', import.meta.url));
const single = fileURLToPath(new URL(`../dist/postal-doctor-linux-${arch()}`, import.meta.url));
const sample = fileURLToPath(new URL('../examples/postal.yml', import.meta.url));

const commands = [
  ['node bin/postal-doctor.js', process.execPath, [bin]],
  [`dist/postal-doctor-linux-${arch()}`, single, []],
];
const cases = [
  ['--help', ['--help']],
  ['check --offline examples/', ['check', '--offline', '--config', sample]],
];

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

console.log(`single executable: ${(statSync(single).size / 1e6).toFixed(1)} MB (${statSync(single).size} bytes)`);
for (const [label, args] of cases) {
  const times = commands.map(() => []);
  for (let run = 0; run < runs; run++) {
    commands.forEach(([name, command, prefix], index) => {
      const started = process.hrtime.bigint();
      const result = spawnSync(command, [...prefix, ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
      times[index].push(Number(process.hrtime.bigint() - started) / 1e6);
      if (result.status !== 0 && result.status !== 1) throw new Error(`${name} ${label} exited ${result.status}: ${result.stderr}`);
    });
  }
  commands.forEach(([name], index) => {
    const sorted = [...times[index]].sort((a, b) => a - b);
    console.log(`${label.padEnd(28)} ${name.padEnd(30)} median ${median(sorted).toFixed(0)} ms (min ${sorted[0].toFixed(0)}, max ${sorted.at(-1).toFixed(0)}, ${runs} runs)`);
  });
}
