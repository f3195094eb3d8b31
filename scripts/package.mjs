#!/usr/bin/env node
// Builds the single executable dist/postal-doctor-linux-<arch>: the CLI bundled into one CommonJS script,
// turned into a Node single-executable-application blob (docs pages, schema and package.json as assets,
// V8 code cache on) and injected into a copy of this Node binary. Runs on Linux with Node >= 20.12.
// Usage: node scripts/package.mjs   (npm run package)
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const work = join(root, 'dist', 'single-executable');
const bundle = join(work, 'postal-doctor.cjs');
const blob = join(work, 'postal-doctor.blob');
const output = join(root, 'dist', `postal-doctor-${platform()}-${arch()}`);

if (platform() !== 'linux') throw new Error(`the single executable is built on Linux only (this is ${platform()})`);

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

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
execFileSync(process.execPath, ['--experimental-sea-config', seaConfig], { stdio: 'inherit' });

rmSync(output, { force: true });
copyFileSync(process.execPath, output);
chmodSync(output, 0o755);
// Node's debug symbols are no use on a Postal host: without them the file is about 15 MB smaller.
const stripped = spawnSync('strip', [output], { encoding: 'utf8' });
if (stripped.error || stripped.status !== 0) console.warn('strip (binutils) did not run: the file keeps Node\'s debug symbols');
// postject's ELF library warns about every note section of Node's binary; its output matters only on failure.
const injected = spawnSync(
  process.execPath,
  [join(root, 'node_modules', 'postject', 'dist', 'cli.js'), output, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2'],
  { encoding: 'utf8' },
);
if (injected.status !== 0) throw new Error(`postject failed:\n${injected.stdout}${injected.stderr}`);
console.log(`built ${relative(root, output)}`);
