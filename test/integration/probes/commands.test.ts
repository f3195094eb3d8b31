import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCommandProbe } from '../../../src/probes/commands.js';

describe('the command probe', () => {
  const commands = createCommandProbe();

  it('gives the output of a program that succeeds, in the C locale, with nothing on its stdin', async () => {
    const run = await commands.run('sh', ['-c', 'printf "%s|" "$LC_ALL" "$1"; cat', 'sh', 'a b; $(id)']);
    assert.deepEqual(run, { outcome: 'ok', exitCode: 0, stdout: 'C|a b; $(id)|', stderr: '' });
  });

  it('tells a failing program from a missing one', async () => {
    assert.deepEqual(await commands.run('sh', ['-c', 'echo out; echo err >&2; exit 3']), { outcome: 'failed', exitCode: 3, stdout: 'out\n', stderr: 'err\n' });
    const missing = await commands.run('postal-doctor-no-such-program', []);
    assert.equal(missing.outcome, 'not-found');
  });

  it('stops a program at its time limit, and when the check is stopped', async () => {
    let started = performance.now();
    const slow = await commands.run('sleep', ['5'], { timeoutMs: 100 });
    assert.equal(slow.outcome, 'timeout');
    assert.ok(performance.now() - started < 2000);

    const stop = new AbortController();
    started = performance.now();
    setTimeout(() => stop.abort(), 100);
    const stopped = await commands.run('sleep', ['5'], { signal: stop.signal });
    assert.equal(stopped.outcome, 'timeout');
    assert.ok(performance.now() - started < 2000);
  });
});
