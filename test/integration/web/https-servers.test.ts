import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createHttpProbe } from '../../../src/probes/http.js';
import { webHttpsCheck } from '../../../src/checks/web/https.js';
import { brief, runCheck } from '../../support/check-tester.js';
import { fakeDns } from '../../support/fakes.js';
import { makePki, type PkiFile, type TestPki } from '../../support/pki.js';
import { hostWith } from '../../support/sending.js';
import { startSilentServer, type SilentServer } from '../../support/silent-server.js';

const missing = process.getuid?.() === 0 ? null : 'the web checks try ports 443 and 80, which only root may listen on (CI runs as root)';
if (missing) console.log(`# skipping the HTTPS server tests: ${missing}`);

/** One host per case, each on its own loopback address, as the web interface would be on a public one. */
interface Site {
  address: string;
  name: 'mx1' | 'mx2';
  chain?: PkiFile;
  /** What the web server behind the proxy answers. */
  upstream?: number;
  /** Port 80: a redirect to HTTPS, a page, or nothing. */
  http?: 'redirect' | 'page';
  /** Port 443 accepts and never answers. */
  hang?: boolean;
}

const SITES: Record<string, Site> = {
  good: { address: '127.77.11.1', name: 'mx1', chain: 'chain.pem', http: 'redirect' },
  'wrong-name': { address: '127.77.11.2', name: 'mx2', chain: 'no-mx2-chain.pem' },
  expired: { address: '127.77.11.3', name: 'mx1', chain: 'expired-chain.pem', http: 'page' },
  'no-intermediate': { address: '127.77.11.4', name: 'mx1', chain: 'leaf.pem', http: 'redirect' },
  expiring: { address: '127.77.11.5', name: 'mx1', chain: 'ten-days-chain.pem', http: 'redirect' },
  'web-down': { address: '127.77.11.6', name: 'mx1', chain: 'chain.pem', upstream: 502, http: 'redirect' },
  'no-proxy': { address: '127.77.11.7', name: 'mx1' },
  hanging: { address: '127.77.11.8', name: 'mx1', hang: true },
};

describe('web.https against real HTTPS servers', { skip: missing ?? false }, () => {
  let pki: TestPki;
  const servers: HttpServer[] = [];
  const silent: SilentServer[] = [];

  const listen = (server: HttpServer, address: string, port: number) =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, address, () => resolve());
      servers.push(server);
    });

  before(async () => {
    pki = makePki();
    for (const site of Object.values(SITES)) {
      if (site.chain) {
        const https = createHttpsServer({ key: pki.read('rsa.key'), cert: pki.read(site.chain) }, (_request, response) => {
          response.writeHead(site.upstream ?? 200, { 'content-type': 'text/html' }).end(site.upstream ? 'Bad Gateway' : '<title>Postal</title>');
        });
        await listen(https, site.address, 443);
      }
      if (site.hang) {
        silent.push(await startSilentServer(site.address, 443));
      }
      if (site.http) {
        const plain = createHttpServer((request, response) => {
          if (site.http === 'redirect') response.writeHead(308, { location: `https://${request.headers.host}${request.url}` }).end();
          else response.writeHead(200).end('<title>Postal</title>');
        });
        await listen(plain, site.address, 80);
      }
    }
  });
  after(async () => {
    await Promise.all(silent.map((server) => server.close()));
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    pki?.cleanup();
  });

  const run = (site: Site, timeoutMs = 3000) =>
    runCheck(webHttpsCheck, {
      yaml: `version: 2\npostal:\n  web_hostname: ${pki.names[site.name]}\n`,
      probes: { http: createHttpProbe(), dns: fakeDns({}), host: hostWith(site.address), trust: { roots: async () => [pki.rootPem] }, clock: { now: () => pki.now } },
      options: { timeoutMs },
    });

  it('passes a certificate that covers the name and chains, and an HTTP redirect to HTTPS', async () => {
    const results = await run(SITES.good);
    assert.deepEqual(brief(results), [
      { target: 'https://mx1.postal.example/ at 127.77.11.1', status: 'pass', messageId: 'ok' },
      { target: 'http://mx1.postal.example/ at 127.77.11.1', status: 'pass', messageId: 'redirects' },
    ]);
    assert.match(results[0].message, /answered 200 with a certificate that covers mx1\.postal\.example, chains to a trusted root and is valid until .* \(88 days\)/);
  });

  const cases: Array<[string, string, string, RegExp]> = [
    ['wrong-name', 'fail', 'wrong-name', /covers DNS:smtp\.postal\.example, DNS:mx1\.postal\.example, not mx2\.postal\.example/],
    ['expired', 'fail', 'expired', /is valid from .* until /],
    ['no-intermediate', 'fail', 'untrusted', /does not send the intermediate certificate/],
    ['expiring', 'warn', 'expiring', /in 9 days \(limit 14\)/],
    ['web-down', 'fail', 'upstream', /answered 502/],
    ['no-proxy', 'fail', 'refused', /port 443 for mx1\.postal\.example was refused/],
  ];
  for (const [site, status, messageId, message] of cases) {
    it(`${site}: ${status} (${messageId})`, async () => {
      const [https] = await run(SITES[site]);
      assert.deepEqual(brief([https]), [{ target: `https://${pki.names[SITES[site].name]}/ at ${SITES[site].address}`, status, messageId }]);
      assert.match(https.message, message);
    });
  }

  it('warns when port 80 gives a page instead of a redirect, or nothing at all', async () => {
    assert.deepEqual(brief(await run(SITES.expired))[1], { target: 'http://mx1.postal.example/ at 127.77.11.3', status: 'warn', messageId: 'no-redirect' });
    assert.deepEqual(brief(await run(SITES['wrong-name']))[1], { target: 'http://mx2.postal.example/ at 127.77.11.2', status: 'warn', messageId: 'no-http' });
  });

  it('a server that never answers is unknown within --timeout', async () => {
    const started = performance.now();
    const [https] = await run(SITES.hanging, 300);
    const elapsed = performance.now() - started;
    assert.deepEqual(brief([https]), [{ target: 'https://mx1.postal.example/ at 127.77.11.8', status: 'unknown', messageId: 'timeout' }]);
    assert.ok(elapsed < 1500, `took ${Math.round(elapsed)} ms`);
  });

  it('sends GET requests only', async () => {
    const methods: string[] = [];
    const spy = createHttpServer((request, response) => {
      methods.push(request.method ?? '');
      response.writeHead(308, { location: 'https://mx1.postal.example/' }).end();
    });
    await listen(spy, '127.77.11.9', 80);
    await run({ address: '127.77.11.9', name: 'mx1' });
    assert.deepEqual(methods, ['GET']);
  });
});
