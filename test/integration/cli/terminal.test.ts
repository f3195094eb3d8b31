import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { canDrawSpinner } from '../../../src/cli/progress.js';
import { BIN, REPO } from '../../support/cli.js';
import { startBlackHoleDns, type UdpServer } from '../../support/slow-dns.js';

interface Chunk {
  /** Seconds since the command started. */
  at: number;
  text: string;
}

/**
 * Runs the built command on a pseudo-terminal of the given width (python3's pty module) and returns what it
 * wrote, chunk by chunk with the time each arrived; null without python3.
 */
function onTerminal(columns: number, args: string[], extraEnv: NodeJS.ProcessEnv = {}): { code: number | null; chunks: Chunk[]; output: string } | null {
  const script = `
import os, pty, sys, fcntl, termios, struct, select, time, json, base64
start = time.time()
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 24, ${columns}, 0, 0))
chunks, deadline = [], time.time() + 40
while time.time() < deadline:
    if select.select([fd], [], [], 0.05)[0]:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append([time.time() - start, base64.b64encode(data).decode()])
else:
    os.kill(pid, 9)
_, status = os.waitpid(pid, 0)
sys.stdout.write(json.dumps(chunks))
sys.exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 124)
`;
  // As on an operator's terminal: neither CI nor NO_COLOR in the environment (ora stays off when CI is merely present).
  const { CI: _ci, NO_COLOR: _noColor, ...env } = process.env;
  const run = spawnSync('python3', ['-c', script, process.execPath, BIN, ...args], { cwd: REPO, encoding: 'utf8', env: { ...env, TERM: 'xterm', ...extraEnv }, timeout: 60000 });
  if (run.error) return null;
  const chunks = (JSON.parse(run.stdout || '[]') as Array<[number, string]>).map(([at, data]) => ({ at, text: Buffer.from(data, 'base64').toString('utf8') }));
  return { code: run.status, chunks, output: chunks.map((chunk) => chunk.text).join('') };
}

const SAMPLE = ['check', '--offline', '--config', join(REPO, 'examples/postal.yml')];
/** The lines of the sample that may be wider than 80 columns: commands (the firewall rules and how to keep them) and postal.yml snippets, never wrapped. */
const WIDE_COMMAND = /^ {8}((iptables|ip6tables) -t nat -C |if command -v ufw )|^ {10,}([\w.-]+:|- |#)/;

/**
 * The lines a pseudo-terminal ends up showing: what is written after a carriage return or an erase-line
 * (the spinner clearing itself) replaces the line so far; colour is dropped.
 */
function screenLines(output: string): string[] {
  const marked = output.replaceAll('\r\n', '\n').replace(/\x1b\[[0-2]?K|\x1b\[1?G|\r/g, '\u0000');
  return stripVTControlCharacters(marked)
    .split('\n')
    .map((line) => line.slice(line.lastIndexOf('\u0000') + 1));
}

describe('on an interactive terminal', () => {
  const probe = onTerminal(80, ['--version']);
  const skip = probe === null ? 'python3 is not installed (needed for a pseudo-terminal)' : false;

  it('draws the spinner only on a terminal that reports its width', () => {
    assert.equal(canDrawSpinner({ isTTY: true, columns: 80 }), true);
    assert.equal(canDrawSpinner({ isTTY: true, columns: 0 }), false);
    assert.equal(canDrawSpinner({ isTTY: false, columns: 80 } as never), false);
  });

  it('finishes with a coloured report, also on a terminal of width 0', { skip }, () => {
    for (const columns of [80, 0]) {
      const run = onTerminal(columns, ['check', '--offline', '--only', 'tls.enabled', '--config', join(REPO, 'examples/postal.yml')])!;
      assert.equal(run.code, 0, `width ${columns}: ${run.output.slice(0, 200)}`);
      assert.match(run.output, /\x1b\[32m✔\x1b\[39m 1 passed: /, `width ${columns}`);
    }
  });

  it('the sample in 80 columns: a triage, wrapped with hanging indents, commands whole, the verdict last', { skip }, () => {
    const run = onTerminal(80, SAMPLE)!;
    assert.equal(run.code, 1);
    const lines = screenLines(run.output).filter((line) => line !== '');
    for (const line of lines) assert.ok(line.length <= 80 || WIDE_COMMAND.test(line), `wider than the terminal: ${line}`);
    assert.ok(lines.some((line) => WIDE_COMMAND.test(line) && line.length > 80), 'a long command is kept on one line');
    // A problem's message wraps and keeps its indent on every line.
    const message = lines.findIndex((line) => line.startsWith('      smtp.host 127.0.0.1:2525 is this host'));
    assert.ok(message > 0 && lines[message + 1]!.startsWith('      ') && !lines[message + 1]!.startsWith('        '), lines.slice(message, message + 3).join('\n'));
    const passes = lines.findIndex((line) => line.startsWith('  ✔ 6 passed: config.syntax, config.unknown-keys,'));
    assert.equal(`${lines[passes]} ${lines[passes + 1]!.trim()}`, '  ✔ 6 passed: config.syntax, config.unknown-keys, config.secrets, config.paths ×3');
    assert.ok(lines[passes + 1]!.startsWith('    config.paths'), 'continued under the text, not under the symbol');
    assert.match(lines.find((line) => line.startsWith('  - 11 skipped:'))!, /^ {2}- 11 skipped: Needs the network; --offline was given\. \(dns\.smtp-hostname,/);
    assert.ok(!lines.some((line) => line.includes('Reverse DNS') || line.includes('STARTTLS is switched on')), 'passes and skips are summed up');
    assert.match(lines.at(-1)!, /^\d+ passed, \d+ warnings, \d+ failed, \d+ unknown, \d+ skipped in [\d.]+ s$/);
  });

  for (const [name, args, env] of [
    ['--no-color', [...SAMPLE, '--no-color'], {}],
    ['NO_COLOR', SAMPLE, { NO_COLOR: '1' }],
  ] as const) {
    it(`${name}: not one escape sequence, no spinner, still wrapped to the terminal`, { skip }, () => {
      const run = onTerminal(80, [...args], env)!;
      assert.equal(run.code, 1);
      assert.ok(!run.output.includes('\x1b'), JSON.stringify(run.output.slice(run.output.indexOf('\x1b') - 20, run.output.indexOf('\x1b') + 20)));
      assert.ok(!/Checking \d+\/\d+|Starting checks/.test(run.output), 'no spinner text');
      assert.ok(screenLines(run.output).every((line) => line.length <= 80 || WIDE_COMMAND.test(line)));
    });
  }

  it('into a pipe: no escape sequences and nothing wrapped', () => {
    const { CI: _ci, NO_COLOR: _noColor, ...env } = process.env;
    const run = spawnSync(process.execPath, [BIN, ...SAMPLE], { cwd: REPO, encoding: 'utf8', env });
    assert.equal(run.status, 1);
    assert.ok(!run.stdout.includes('\x1b') && !run.stderr.includes('\x1b'));
    assert.ok(run.stdout.split('\n').some((line) => line.length > 120 && line.startsWith('      ')), 'a long message stays on one line for grep');
    assert.match(run.stdout, /^ {2}✔ 6 passed: config\.syntax/m);
  });

  describe('streaming', () => {
    let dns: UdpServer;
    before(async () => {
      dns = await startBlackHoleDns();
    });
    after(() => dns.stop());

    it('prints each group as soon as it is done, in catalogue order, while slower groups still run', { skip }, () => {
      // Config is answered from the file; every DNS question goes to a resolver that never answers.
      const run = onTerminal(100, ['check', '--only', 'config,dns', '--no-db', '--resolver', dns.server, '--timeout', '1000', '--config', join(REPO, 'examples/postal.yml')])!;
      const arrival = (pattern: RegExp) => {
        let seen = '';
        for (const chunk of run.chunks) {
          seen += chunk.text;
          if (pattern.test(stripVTControlCharacters(seen))) return chunk.at;
        }
        return Infinity;
      };
      const config = arrival(/\nConfig\r?\n/);
      const dnsSection = arrival(/\nDNS\r?\n/);
      assert.ok(config < Infinity && dnsSection < Infinity, run.output.slice(-500));
      assert.ok(dnsSection - config >= 0.8, `Config at ${config.toFixed(2)} s, DNS at ${dnsSection.toFixed(2)} s`);
      const text = stripVTControlCharacters(run.output);
      assert.ok(text.indexOf('\nConfig') < text.indexOf('\nDNS'));
    });
  });
});
