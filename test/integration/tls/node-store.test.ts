import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { makePki, type TestPki } from '../../support/pki.js';
import { startSmtpServer, type TestSmtp } from '../../support/smtp.js';
import { REPO } from '../../support/cli.js';

const run = promisify(execFile);
const HELO = 'smtp.postal.example';

/** A session with the roots the real trust probe reads, in a process started with this environment (Node reads NODE_EXTRA_CA_CERTS at start). */
async function authorizedWith(port: number, env: NodeJS.ProcessEnv): Promise<boolean> {
  const script = `
    import { createTrustProbe } from './src/probes/trust.ts';
    import { createSmtpProbe } from './src/probes/smtp.ts';
    const ca = await createTrustProbe().roots();
    const session = await createSmtpProbe().session({ host: '127.0.0.1', port: ${port}, servername: '${HELO}', helo: '${HELO}', timeoutMs: 3000, ca });
    console.log(JSON.stringify(session.tls?.authorized ?? null));`;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO, env: { ...process.env, ...env } });
  return JSON.parse(stdout) as boolean;
}

describe("the SMTP probe with Node's own store of roots", () => {
  let pki: TestPki;
  let server: TestSmtp;
  before(async () => {
    pki = makePki();
    server = await startSmtpServer({ name: HELO, key: pki.read('rsa.key'), cert: pki.read('chain.pem') });
  });
  after(async () => {
    await server?.close();
    pki?.cleanup();
  });

  it('trusts a private CA named by NODE_EXTRA_CA_CERTS, and nothing else', async () => {
    assert.equal(await authorizedWith(server.port, { NODE_EXTRA_CA_CERTS: pki.path('root.pem') }), true);
    assert.equal(await authorizedWith(server.port, { NODE_EXTRA_CA_CERTS: '' }), false);
  });
});
