import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { canDrawSpinner } from '../../../src/cli/progress.js';
import { BIN, REPO } from '../../support/cli.js';

/** Runs the built command on a pseudo-terminal of the given width (python3's pty module); null without python3. */
function onTerminal(columns: number, args: string[]): { code: number | null; output: string } | null {
  const script = `
import os, pty, sys, fcntl, termios, struct, select, time
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 24, ${columns}, 0, 0))
out, deadline = b'', time.time() + 20
while time.time() < deadline:
    if select.select([fd], [], [], 0.2)[0]:
        try:
            data = os.read(fd, 65536)
        except OSError:
            break
        if not data:
            break
        out += data
else:
    os.kill(pid, 9)
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(out)
sys.exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 124)
`;
  // As on an operator's terminal: neither CI nor NO_COLOR in the environment (ora stays off when CI is merely present).
  const { CI: _ci, NO_COLOR: _noColor, ...env } = process.env;
  const run = spawnSync('python3', ['-c', script, process.execPath, BIN, ...args], { cwd: REPO, encoding: 'utf8', env: { ...env, TERM: 'xterm' }, timeout: 30000 });
  if (run.error) return null;
  return { code: run.status, output: run.stdout };
}

describe('on an interactive terminal', () => {
  const args = ['check', '--offline', '--only', 'tls.enabled', '--config', join(REPO, 'examples/postal.yml')];
  const probe = onTerminal(80, ['--version']);

  it('draws the spinner only on a terminal that reports its width', () => {
    assert.equal(canDrawSpinner({ isTTY: true, columns: 80 }), true);
    assert.equal(canDrawSpinner({ isTTY: true, columns: 0 }), false);
    assert.equal(canDrawSpinner({ isTTY: false, columns: 80 } as never), false);
  });

  it('finishes with a coloured report, also on a terminal of width 0', { skip: probe === null ? 'python3 is not installed (needed for a pseudo-terminal)' : false }, () => {
    for (const columns of [80, 0]) {
      const run = onTerminal(columns, args)!;
      assert.equal(run.code, 0, `width ${columns}: ${run.output.slice(0, 200)}`);
      assert.match(run.output, /\x1b\[32m✔\x1b\[39m STARTTLS is switched on/, `width ${columns}`);
    }
  });
});
