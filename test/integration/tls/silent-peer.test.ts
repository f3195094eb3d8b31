import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { binary, REPO } from '../../support/cli.js';
import { startRawServer } from '../../support/smtp.js';

describe('an SMTP peer that accepts and never answers', () => {
  it('ends the run within --timeout + 10 %, with that result unknown', async () => {
    const silent = await startRawServer(() => undefined);
    try {
      const timeoutMs = 4000;
      // The built program, as a user runs it; no docker on its PATH.
      const noDocker = mkdtempSync(join(tmpdir(), 'pd-nodocker-'));
      const run = binary([
        'check', '--only', 'tls.live', '--format', 'json', '--config', join(REPO, 'examples/postal.yml'),
        '--smtp-target', `127.0.0.1:${silent.port}`, '--timeout', String(timeoutMs),
      ], { PATH: noDocker });
      const report = JSON.parse(run.stdout) as { durationMs: number; results: Array<{ check: string; status: string; messageId: string }> };
      assert.deepEqual(report.results.map(({ check, status, messageId }) => ({ check, status, messageId })), [{ check: 'tls.live', status: 'unknown', messageId: 'timeout' }]);
      assert.ok(report.durationMs <= timeoutMs * 1.1, `the run took ${report.durationMs} ms`);
    } finally {
      await silent.close();
    }
  });
});
