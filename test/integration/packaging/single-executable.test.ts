import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { BIN, REPO } from '../../support/cli.js';

const SAMPLE = join(REPO, 'examples/postal.yml');
const VERSION = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

/** Node gained SEA assets (node:sea getAsset) in 20.12. */
function skipReason(): string | undefined {
  if (process.platform !== 'linux') return `the single executable is built on Linux only (this is ${process.platform})`;
  const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 12)) return `Node ${process.versions.node} has no single-executable assets (needs 20.12 or later)`;
  if (!existsSync(join(REPO, 'node_modules/postject')) || !existsSync(join(REPO, 'node_modules/esbuild'))) return 'postject or esbuild is not installed (npm ci)';
  return undefined;
}

/**
 * A PATH with every program of the current one except Node and its launchers, so that nothing the
 * single executable runs can fall back on an installed Node, and except docker: the containers of the
 * machine's Docker daemon come and go with other tests, and both runs compared must see the same host.
 */
function pathWithoutNode(into: string): string {
  mkdirSync(into);
  const excluded = new Set(['node', 'nodejs', 'npm', 'npx', 'corepack', 'docker']);
  for (const directory of (process.env.PATH ?? '').split(delimiter)) {
    if (!directory || !existsSync(directory)) continue;
    for (const name of readdirSync(directory)) {
      if (excluded.has(name) || existsSync(join(into, name))) continue;
      symlinkSync(join(directory, name), join(into, name));
    }
  }
  return into;
}

function environmentWithoutNode(path: string): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('NODE_') && name !== 'npm_node_execpath'));
  return { ...env, PATH: path, CI: 'true' };
}

/**
 * The report without what differs between two runs of the same deployment: tool metadata, clock readings,
 * timings, and the free space host.disk reads (other processes write to the disk between the runs).
 */
function comparable(json: string): unknown {
  const report = JSON.parse(json, (key, value) => (['tool', 'startedAt', 'durationMs', 'now'].includes(key) ? undefined : value)) as { results: Array<{ check: string }> };
  return { ...report, results: report.results.filter((result) => result.check !== 'host.disk') };
}

const reason = skipReason();
if (reason) console.log(`# single executable tests skipped: ${reason}`);

describe('the single executable', { skip: reason ?? false }, () => {
  let scratch: string;
  let host: string;
  let executable: string;
  let env: NodeJS.ProcessEnv;
  const run = (args: string[]) => spawnSync(executable, args, { cwd: host, env, encoding: 'utf8', timeout: 60000 });

  before(() => {
    scratch = mkdtempSync(join(tmpdir(), 'postal-doctor-sea-'));
    // What `npm run package` builds into dist/ (built elsewhere here: other tests read dist/ meanwhile).
    const built = join(scratch, 'build', `postal-doctor-linux-${process.arch}`);
    const build = spawnSync(process.execPath, [join(REPO, 'scripts/package.mjs'), built], { cwd: REPO, encoding: 'utf8', timeout: 180000 });
    assert.equal(build.status, 0, `npm run package failed:\n${build.stdout}${build.stderr}`);
    host = join(scratch, 'host');
    mkdirSync(host);
    executable = join(host, 'postal-doctor');
    copyFileSync(built, executable);
    env = environmentWithoutNode(pathWithoutNode(join(scratch, 'bin')));
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('is one file, and the test machine gives it no Node to fall back on', () => {
    assert.deepEqual(readdirSync(host), ['postal-doctor']);
    assert.ok(statSync(executable).mode & 0o100);
    assert.notEqual(spawnSync('sh', ['-c', 'command -v node'], { env }).status, 0, 'node is still on PATH');
    assert.deepEqual(Object.keys(env).filter((name) => name.startsWith('NODE_')), []);
  });

  it('reports the sample deployment exactly as the CLI run by Node does', () => {
    const args = ['check', '--offline', '--config', SAMPLE, '--format', 'json'];
    const single = run([...args, '--output', join(scratch, 'report.json'), '--quiet']);
    const reference = spawnSync(process.execPath, [BIN, ...args], { cwd: host, env, encoding: 'utf8', timeout: 60000 });
    assert.equal(single.stderr, '');
    assert.equal(single.status, reference.status);
    const written = readFileSync(join(scratch, 'report.json'), 'utf8');
    assert.deepEqual(comparable(written), comparable(reference.stdout));
    const report = JSON.parse(written) as { tool: { version: string }; results: unknown[] };
    assert.equal(report.tool.version, VERSION);
    assert.ok(report.results.length > 20);
  });

  it('takes its own JSON report as a baseline, which reads the report schema from inside the file', () => {
    const compared = run(['check', '--offline', '--config', SAMPLE, '--baseline', join(scratch, 'report.json'), '--fail-on', 'new', '--format', 'json']);
    assert.equal(compared.status, 0, compared.stderr);
    const report = JSON.parse(compared.stdout) as { baseline: { new: number; still: number; gone: unknown[] } };
    assert.deepEqual([report.baseline.new, report.baseline.gone.length], [0, 0], compared.stdout);
    assert.ok(report.baseline.still > 0);
  });

  it('prints --help and the explain pages from inside the file', () => {
    const help = run(['--help']);
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /Usage: postal-doctor/);
    assert.match(help.stdout, /explain <check-id>/);
    const explain = run(['explain', 'dns.ptr']);
    assert.equal(explain.status, 0, explain.stderr);
    assert.match(explain.stdout, /^# dns\.ptr\n/);
    const unknown = run(['explain', 'dns.prt']);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /did you mean dns\.ptr/);
  });

  it('runs report, fix, list and config', () => {
    const report = run(['report', '--offline', '--config', SAMPLE]);
    assert.match(report.stdout, /^# postal-doctor report/);
    const fix = run(['fix', '--offline', '--config', SAMPLE]);
    assert.match(fix.stdout, /^#!\/usr\/bin\/env bash\n/);
    assert.equal(spawnSync('bash', ['-n'], { input: fix.stdout }).status, 0, 'the fix script does not parse');
    const list = run(['list', '--format', 'json']);
    assert.equal(list.status, 0, list.stderr);
    assert.ok((JSON.parse(list.stdout) as unknown[]).length > 20);
    const config = run(['config', '--config', SAMPLE, '--format', 'json']);
    assert.equal(config.status, 0, config.stderr);
    assert.match(config.stdout, /postal\.example\.net/);
  });
});
