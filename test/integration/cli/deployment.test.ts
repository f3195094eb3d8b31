import { describe, it, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, REPO } from '../../support/cli.js';
import { restorePath, useDockerScenario, useNoDocker } from '../../support/docker.js';

const SAMPLE = join(REPO, 'examples/postal.yml');

interface ConfigJson {
  entries: Array<{ key: string; value: string; origin: string; source?: string }>;
}

async function effective(): Promise<Map<string, ConfigJson['entries'][number]>> {
  const run = await cli(['config', '--format', 'json', '--config', SAMPLE]);
  assert.equal(run.code, 0, run.stderr);
  assert.ok(!run.stdout.includes('s3cret-in-env'), 'a secret from the environment is printed');
  return new Map((JSON.parse(run.stdout) as ConfigJson).entries.map((entry) => [entry.key, entry]));
}

describe('the config as the running Postal sees it', () => {
  afterEach(restorePath);

  it('applies the environment every Postal container shares, over postal.yml', async () => {
    useDockerScenario('env-helo');
    const entries = await effective();
    assert.deepEqual(entries.get('main_db.password'), { key: 'main_db.password', value: '[redacted]', origin: 'env', source: 'MAIN_DB_PASSWORD', secret: true });
    // Set in the worker only: reported by config.env-overrides, not taken as the config of every process.
    assert.equal(entries.get('dns.helo_hostname')?.origin, 'file');
    assert.equal(entries.get('smtp_server.default_port')?.origin, 'file');
  });

  it('reads postal.yml alone when Docker cannot be asked', async () => {
    useNoDocker();
    const entries = await effective();
    assert.equal(entries.get('main_db.password')?.origin, 'file');
  });

  it('asks Docker each question once per run, however many checks need the answer', async () => {
    useDockerScenario('env-helo');
    const log = join(mkdtempSync(join(tmpdir(), 'pd-docker-log-')), 'calls.jsonl');
    process.env.DOCKER_STUB_LOG = log;
    writeFileSync(log, '');
    try {
      const run = await cli(['check', '--offline', '--format', 'json', '--config', SAMPLE]);
      assert.ok(run.code === 0 || run.code === 1, run.stderr);
      const calls = readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as string[]);
      assert.equal(calls.filter((args) => args[0] === 'ps').length, 1, JSON.stringify(calls));
      // Postal's compose containers and the installer's own (postal-mariadb, postal-caddy): each inspected once.
      const inspected = calls.filter((args) => args[0] === 'inspect').flatMap((args) => args.slice(1));
      assert.ok(inspected.includes('postal-smtp-1') && inspected.includes('postal-mariadb'), JSON.stringify(calls));
      assert.equal(new Set(inspected).size, inspected.length, JSON.stringify(calls));
      assert.equal(calls.filter((args) => args[0] === 'info').length, 1, JSON.stringify(calls));
    } finally {
      delete process.env.DOCKER_STUB_LOG;
    }
  });
});
