import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CommanderError } from 'commander';
import { buildProgram, type RunFlags } from '../../../src/cli/program.js';
import { runOptionsFrom } from '../../../src/cli/options.js';
import { defaultRunOptions } from '../../../src/core/options.js';
import type { RunOptions } from '../../../src/core/types.js';
import { DoctorError } from '../../../src/util/errors.js';

const io = { cwd: '/srv', env: {} as NodeJS.ProcessEnv };

interface Parsed {
  mode: string;
  options: RunOptions;
  format?: string;
  failOn: string;
}

/** What check/report/fix would run with for this command line, or the one-line error a user would see. */
async function parse(args: string[]): Promise<Parsed | string> {
  let captured: { flags: RunFlags; mode: string } | undefined;
  let error = '';
  const program = buildProgram(
    '1.0.0',
    {
      check: async (flags, mode) => ((captured = { flags, mode }), { exitCode: 0 }),
      list: async () => ({ exitCode: 0 }),
      explain: async () => ({ exitCode: 0 }),
      config: async () => ({ exitCode: 0 }),
    },
    () => undefined,
    { writeOut: () => undefined, writeErr: () => undefined, outputError: (text) => void (error += text) },
  );
  try {
    await program.parseAsync(['node', 'postal-doctor', ...args]);
    const { flags, mode } = captured!;
    return { mode, options: runOptionsFrom(flags, io), format: flags.format, failOn: flags.failOn };
  } catch (thrown) {
    if (thrown instanceof CommanderError) return error.replace(/^error: /, '').trim();
    if (thrown instanceof DoctorError) return thrown.message;
    throw thrown;
  }
}

const defaults = defaultRunOptions();

/** argv → the options that differ from the defaults (and the format and --fail-on). */
const VALID: Array<{ argv: string[]; options?: Partial<RunOptions>; format?: string; failOn?: string; mode?: string }> = [
  { argv: ['check'], format: 'human', failOn: 'fail' },
  { argv: ['check', '-c', 'conf/postal.yml'], options: { configPath: '/srv/conf/postal.yml' } },
  { argv: ['check', '--config', '/etc/postal.yml'], options: { configPath: '/etc/postal.yml' } },
  { argv: ['check', '--only', 'dns,tls.san', '--only', 'postal'], options: { only: ['dns', 'tls.san', 'postal'] } },
  { argv: ['check', '--skip', ' dns.dnsbl , network '], options: { skip: ['dns.dnsbl', 'network'] } },
  { argv: ['check', '--ip', '192.0.2.10', '--ip', '2001:db8::25'], options: { ips: ['192.0.2.10', '2001:db8::25'] } },
  { argv: ['check', '--no-db'], options: { useDatabase: false } },
  { argv: ['check', '--resolver', '192.0.2.53:5353'], options: { resolvers: ['192.0.2.53:5353'], dnsblResolvers: ['192.0.2.53:5353'] } },
  { argv: ['check', '--resolver', '192.0.2.53', '--dnsbl-resolver', '[2001:db8::53]:53'], options: { resolvers: ['192.0.2.53'], dnsblResolvers: ['[2001:db8::53]:53'] } },
  { argv: ['check', '--dnsbl-zone', 'bl.example.net'], options: { dnsblZones: ['bl.example.net'] } },
  { argv: ['check', '--probe-target', 'mx.example.com:2525', '--smtp-target', '[2001:db8::1]:25'], options: { probeTargets: ['mx.example.com:2525'], smtpTargets: ['[2001:db8::1]:25'] } },
  { argv: ['check', '--offline', '--timeout', '1500', '--deadline', '86400000'], options: { offline: true, timeoutMs: 1500, deadlineMs: 86400000 } },
  { argv: ['check', '--host-root', '/mnt/host'], options: { hostRoot: '/mnt/host' } },
  { argv: ['check', '--format', 'junit', '--fail-on', 'unknown'], format: 'junit', failOn: 'unknown' },
  { argv: ['check', '--fail-on', 'warn'], failOn: 'warn' },
  { argv: ['report'], mode: 'report', format: 'markdown' },
  { argv: ['report', '--format', 'json'], mode: 'report', format: 'json' },
  { argv: ['fix', '--only', 'network'], mode: 'fix', format: undefined, options: { only: ['network'] } },
];

/** argv → the start of the error printed (exit 2), before anything runs. */
const INVALID: Array<{ argv: string[]; error: RegExp }> = [
  { argv: ['check', '--timeout', '99999999999'], error: /--timeout takes a whole number of milliseconds from 1 to 86400000/ },
  { argv: ['check', '--deadline', '0'], error: /--deadline takes a whole number of milliseconds/ },
  { argv: ['check', '--timeout', '1.5'], error: /--timeout takes a whole number/ },
  { argv: ['check', '--only', ''], error: /--only needs at least one check id or group name/ },
  { argv: ['check', '--skip', ' , '], error: /--skip needs at least one check id or group name/ },
  { argv: ['check', '--only', 'config.hostname'], error: /^--only: no check or group named "config\.hostname"; did you mean config\.hostnames\?$/ },
  { argv: ['check', '--skip', 'hostnames'], error: /^--skip: no check or group named "hostnames"; did you mean config\.hostnames\?$/ },
  { argv: ['check', '--only', 'dsn'], error: /did you mean dns\?$/ },
  { argv: ['check', '--only', 'zzzzzzzz'], error: /"zzzzzzzz" \(see postal-doctor list\)$/ },
  { argv: ['check', '--fail-on', 'error'], error: /Allowed choices are fail, warn, unknown/ },
  { argv: ['check', '--ip', 'mail.example.com'], error: /is not an IPv4 or IPv6 address/ },
  { argv: ['fix', '--format', 'json'], error: /unknown option '--format'/ },
];

describe('argv → options of check, report and fix', () => {
  for (const { argv, options = {}, format, failOn, mode } of VALID) {
    it(argv.join(' '), async () => {
      const parsed = await parse(argv);
      assert.equal(typeof parsed, 'object', String(parsed));
      const { options: actual, ...rest } = parsed as Parsed;
      assert.deepEqual(actual, { ...defaults, configPath: defaults.configPath, ...options });
      assert.equal(rest.mode, mode ?? argv[0]);
      if (format !== undefined || argv[0] === 'fix') assert.equal(rest.format, format, 'fix prints a script: it has no --format');
      if (failOn) assert.equal(rest.failOn, failOn);
    });
  }
  for (const { argv, error } of INVALID) {
    it(`rejects: ${argv.join(' ')}`, async () => {
      const parsed = await parse(argv);
      assert.equal(typeof parsed, 'string', 'a usage error, not a run');
      assert.match(parsed as string, error);
    });
  }
  it('$POSTAL_CONFIG_FILE_PATH is the default config path; --config wins over it', async () => {
    const flags = { only: [], skip: [], ip: [], db: true, resolver: [], dnsblResolver: [], dnsblZone: [], probeTarget: [], smtpTarget: [], offline: false, timeout: 5000, deadline: 60000, concurrency: 128, failOn: 'fail', color: true, quiet: false, verbose: false, hostRoot: '/' } as RunFlags;
    assert.equal(runOptionsFrom(flags, { cwd: '/', env: { POSTAL_CONFIG_FILE_PATH: '/opt/p.yml' } }).configPath, '/opt/p.yml');
    assert.equal(runOptionsFrom({ ...flags, config: 'x.yml' }, { cwd: '/a', env: { POSTAL_CONFIG_FILE_PATH: '/opt/p.yml' } }).configPath, '/a/x.yml');
  });
});
