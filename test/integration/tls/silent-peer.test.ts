import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { binary, REPO } from '../../support/cli.js';
import { freePort } from '../../support/knot.js';
import { startRawServer } from '../../support/smtp.js';

const TIMEOUT_MS = 3000;

/** The built program, as a user runs it (no docker on its PATH): `check --only tls.live` against one target. */
function liveCheck(target: string): { durationMs: number; results: Array<{ status: string; messageId: string }> } {
  const noDocker = mkdtempSync(join(tmpdir(), 'pd-nodocker-'));
  const run = binary(
    ['check', '--only', 'tls.live', '--format', 'json', '--config', join(REPO, 'examples/postal.yml'), '--smtp-target', target, '--timeout', String(TIMEOUT_MS)],
    { PATH: noDocker },
  );
  return JSON.parse(run.stdout) as ReturnType<typeof liveCheck>;
}

describe('an SMTP peer that accepts and never answers', () => {
  it('costs the run one --timeout (plus 10 %), with that result unknown', async () => {
    const silent = await startRawServer(() => undefined);
    try {
      const waited = liveCheck(`127.0.0.1:${silent.port}`);
      assert.deepEqual(waited.results.map(({ status, messageId }) => ({ status, messageId })), [{ status: 'unknown', messageId: 'timeout' }]);
      // The same run against a closed port, which answers at once: what the silent peer added is the difference.
      const refused = liveCheck(`127.0.0.1:${await freePort()}`);
      assert.deepEqual(refused.results.map(({ status, messageId }) => ({ status, messageId })), [{ status: 'unknown', messageId: 'unreachable' }]);
      const added = waited.durationMs - refused.durationMs;
      assert.ok(added >= TIMEOUT_MS - 50 && added <= TIMEOUT_MS * 1.1, `the silent peer added ${added} ms to the run`);
    } finally {
      await silent.close();
    }
  });
});
