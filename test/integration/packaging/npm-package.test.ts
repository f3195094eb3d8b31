import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../../support/cli.js';

const SAMPLE = join(REPO, 'examples/postal.yml');
const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

const npmMissing = spawnSync('npm', ['--version'], { encoding: 'utf8' }).status === 0 ? undefined : 'npm is not on PATH';
if (npmMissing) console.log(`# npm package tests skipped: ${npmMissing}`);

function npm(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env) {
  const result = spawnSync('npm', args, { cwd, env, encoding: 'utf8', timeout: 120000 });
  assert.equal(result.status, 0, `npm ${args.join(' ')} failed:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

describe('the npm package', { skip: npmMissing ?? false }, () => {
  let scratch: string;
  let tarball: string;
  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'postal-doctor-pack-'));
    // dist/ is built before the tests run; rebuilding it here would race with the tests that use it.
    const [packed] = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], REPO)) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = join(scratch, packed.filename);
    packedFiles = packed.files.map((file) => file.path);
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));
  let packedFiles: string[] = [];

  it('holds the compiled code, its dependencies, the explain pages and the schema, and nothing else', () => {
    const topLevel = new Set(packedFiles.map((path) => path.split('/')[0]));
    assert.deepEqual([...topLevel].sort(), ['README.md', 'bin', 'dist', 'docs', 'node_modules', 'package.json', 'schema']);
    const ours = packedFiles.filter((path) => !path.startsWith('node_modules/'));
    assert.ok(ours.includes('bin/postal-doctor.js'));
    assert.ok(ours.includes('dist/cli/main.js'));
    assert.ok(ours.includes('schema/report.v1.json'));
    assert.ok(ours.includes('docs/checks/dns.ptr.md'));
    const unwanted = ours.filter((path) => /\.(ts|map)$|^dist\/(single-executable|postal-doctor-)|^dist\/cli\/single-executable|^(src|test|examples|scripts)\//.test(path));
    assert.deepEqual(unwanted, []);
    const runtimeDependencies = Object.keys((JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { dependencies: object }).dependencies);
    for (const name of runtimeDependencies) assert.ok(packedFiles.includes(`node_modules/${name}/package.json`), `${name} is not bundled`);
    assert.ok(!packedFiles.some((path) => /^node_modules\/(typescript|tsx|esbuild|postject|ajv)\//.test(path)), 'a development dependency is bundled');
  });

  it('installs into an empty prefix with no registry and gives a working postal-doctor', () => {
    const prefix = join(scratch, 'prefix');
    const cache = join(scratch, 'empty-cache');
    mkdirSync(prefix);
    mkdirSync(cache);
    // An empty cache and a registry address where nothing listens: the install must need neither.
    const offline = { ...process.env, npm_config_cache: cache, npm_config_registry: 'http://127.0.0.1:9/', npm_config_offline: 'true' };
    npm(['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', tarball], scratch, offline);
    assert.deepEqual(readdirSync(join(prefix, 'bin')), ['postal-doctor']);

    const command = join(prefix, 'bin', 'postal-doctor');
    const env = { ...process.env, CI: 'true' };
    const version = spawnSync(command, ['--version'], { cwd: scratch, env, encoding: 'utf8' });
    assert.equal(version.stdout, `${VERSION}\n`, version.stderr);
    const check = spawnSync(command, ['check', '--offline', '--config', SAMPLE, '--format', 'json'], { cwd: scratch, env, encoding: 'utf8' });
    assert.equal(check.status, 1, check.stderr);
    const report = JSON.parse(check.stdout) as { summary: { fail: number }; results: Array<{ check: string }> };
    assert.ok(report.summary.fail > 0);
    assert.ok(report.results.some((result) => result.check === 'config.hostnames'));
    const explain = spawnSync(command, ['explain', 'tls.expiry'], { cwd: scratch, env, encoding: 'utf8' });
    assert.match(explain.stdout, /^# tls\.expiry\n/, explain.stderr);
  });
});
