#!/usr/bin/env node
// Builds the single executable dist/postal-doctor-linux-<arch>: the CLI bundled into one CommonJS script,
// turned into a Node single-executable-application blob (docs pages, schema and package.json as assets,
// V8 code cache on) and injected into a copy of this Node binary. Runs on Linux with Node >= 20.12.
// Usage: node scripts/package.mjs [output]   (npm run package; default output dist/postal-doctor-linux-<arch>)
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const output = resolve(process.argv[2] ?? join(root, 'dist', `postal-doctor-${platform()}-${arch()}`));

if (platform() !== 'linux') throw new Error(`the single executable is built on Linux only (this is ${platform()})`);

// Intermediate files live outside the package; the executable is assembled beside its target and renamed,
// so the output path never holds half a file.
const work = mkdtempSync(join(tmpdir(), 'postal-doctor-package-'));
const bundle = join(work, 'postal-doctor.cjs');
const blob = join(work, 'postal-doctor.blob');
const assembled = `${output}.${process.pid}.tmp`;

// Everything, dependencies included, in one script: a single executable can require built-in modules only.
// Dynamic imports of the CLI's own modules stay lazy: esbuild evaluates such a module on first import.
await build({
  entryPoints: [join(root, 'src', 'cli', 'single-executable.ts')],
  outfile: bundle,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
  // The only import.meta use left is the package-directory fallback of src/core/assets.ts, never taken here.
  logOverride: { 'empty-import-meta': 'silent' },
});

const assetPaths = [
  'package.json',
  'schema/report.v1.json',
  ...readdirSync(join(root, 'docs', 'checks'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/checks/${name}`),
];
const seaConfig = join(work, 'sea-config.json');
writeFileSync(
  seaConfig,
  JSON.stringify(
    {
      main: bundle,
      output: blob,
      disableExperimentalSEAWarning: true,
      useCodeCache: true,
      assets: Object.fromEntries(assetPaths.map((path) => [path, join(root, path)])),
    },
    null,
    2,
  ),
);
execFileSync(process.execPath, ['--experimental-sea-config', seaConfig], { stdio: ['ignore', 'ignore', 'inherit'] });

mkdirSync(dirname(output), { recursive: true });
copyFileSync(process.execPath, assembled);
chmodSync(assembled, 0o755);
// Node's debug symbols are no use on a Postal host: without them the file is about 15 MB smaller.
const stripped = spawnSync('strip', [assembled], { encoding: 'utf8' });
if (stripped.error || stripped.status !== 0) console.warn('strip (binutils) did not run: the file keeps Node\'s debug symbols');
// postject's ELF library warns about every note section of Node's binary; its output matters only on failure.
const injected = spawnSync(
  process.execPath,
  [join(root, 'node_modules', 'postject', 'dist', 'cli.js'), assembled, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'],
  { encoding: 'utf8' },
);
if (injected.status !== 0) {
  rmSync(assembled, { force: true });
  throw new Error(`postject failed:\n${injected.stdout}${injected.stderr}`);
}
renameSync(assembled, output);
rmSync(work, { recursive: true, force: true });
console.log(`built ${relative(process.cwd(), output)}`);
