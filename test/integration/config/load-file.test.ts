import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFromSource, loadConfigFile, MAX_CONFIG_BYTES, readConfigFile } from '../../../src/config/load.js';
import { DoctorError } from '../../../src/util/errors.js';

describe('loadConfigFile on real files', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'postal-doctor-load-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const file = async (name: string, content: string | Buffer) => {
    const path = join(dir, name);
    await writeFile(path, content);
    return path;
  };

  async function rejectsNaming(path: string, pattern: RegExp) {
    await assert.rejects(loadConfigFile(path), (error: unknown) => {
      assert.ok(error instanceof DoctorError, `expected a DoctorError, got ${String(error)}`);
      assert.equal(error.exitCode, 2);
      assert.ok(error.message.startsWith(`${path}: `), error.message);
      assert.match(error.message, pattern);
      return true;
    });
  }

  it('a missing file is a DoctorError naming the path', async () => {
    await rejectsNaming(join(dir, 'nope.yml'), /no such file/);
  });

  it('a directory is a DoctorError naming the path', async () => {
    const path = join(dir, 'a-directory');
    await mkdir(path);
    await rejectsNaming(path, /is a directory/);
  });

  it('a FIFO is refused at once instead of blocking on it', async () => {
    const path = join(dir, 'fifo.yml');
    execFileSync('mkfifo', [path]);
    await rejectsNaming(path, /not a regular file/);
  });

  it('an empty file loads with the "empty" problem and no format', async () => {
    const { config } = await loadConfigFile(await file('empty.yml', ''));
    assert.equal(config.format, null);
    assert.equal(config.syntax.fileProblem?.kind, 'empty');
  });

  it('binary garbage is reported as not text', async () => {
    const { config } = await loadConfigFile(await file('garbage.bin', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0xff, 0xfe, 0x00, 0x01])));
    assert.equal(config.format, null);
    assert.equal(config.syntax.fileProblem?.kind, 'binary');
  });

  it('invalid UTF-8 without NUL bytes is reported as not text', async () => {
    const { config } = await loadConfigFile(await file('latin1.yml', Buffer.from('postal:\n  smtp_hostname: caf\xe9\n', 'latin1')));
    assert.equal(config.syntax.fileProblem?.kind, 'binary');
  });

  it('a multi-megabyte file is refused as too large without being parsed', async () => {
    const text = `version: 2\n# ${'x'.repeat(3 * 1024 * 1024)}\n`;
    const path = await file('huge.yml', text);
    const started = performance.now();
    const { config } = await loadConfigFile(path);
    assert.ok(performance.now() - started < 1000);
    assert.equal(config.format, null);
    assert.equal(config.syntax.fileProblem?.kind, 'too-large');
    assert.match(config.syntax.fileProblem!.message, new RegExp(`${Buffer.byteLength(text)} bytes`));
    assert.ok(MAX_CONFIG_BYTES < 3 * 1024 * 1024);
  });

  it('a valid file loads with its path and directory', async () => {
    const path = await file('postal.yml', 'version: 2\npostal:\n  smtp_hostname: mail.example.net\n');
    const { config } = await loadConfigFile(path, { env: { DNS_HELO_HOSTNAME: 'helo.example.net' } });
    assert.equal(config.path, path);
    assert.equal(config.directory, dir);
    assert.equal(config.format, 2);
    assert.equal(config.get('postal.smtp_hostname'), 'mail.example.net');
    assert.deepEqual(config.entry('dns.helo_hostname'), { key: 'dns.helo_hostname', value: 'helo.example.net', origin: 'env', source: 'DNS_HELO_HOSTNAME' });
    assert.equal(config.hostPath('/config/smtp.key'), join(dir, 'smtp.key'));
  });

  it("one file read gives each Postal process its own config: that process's environment over the same document", async () => {
    const path = await file('processes.yml', 'version: 2\npostal:\n  smtp_hostname: mail.example.net\nsmtp_server:\n  default_port: [25, 587]\n');
    const source = await readConfigFile(path);
    const smtp = configFromSource(source, { env: { POSTAL_SMTP_HOSTNAME: 'smtp.example.net' } }).config;
    const fileOnly = configFromSource(source).config;
    const web = configFromSource(source, { env: { POSTAL_SMTP_HOSTNAME: 'web.example.net' } }).config;
    assert.deepEqual([smtp, fileOnly, web].map((config) => config.get('postal.smtp_hostname')), ['smtp.example.net', 'mail.example.net', 'web.example.net']);
    assert.equal(fileOnly.entry('postal.smtp_hostname').origin, 'file');
    // The file's type problem is reported by each config once, not once more for every config built before it.
    for (const config of [smtp, fileOnly, web]) assert.deepEqual(config.syntax.typeProblems.map(({ key }) => key), ['smtp_server.default_port']);
  });
});
