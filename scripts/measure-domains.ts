// Runs `postal-doctor check --only domains` against the test deployment of the domains checks (real knotd
// nameservers, MariaDB with Postal's tables, an HTTPS tracking server), with `bulk` extra all-OK domains, and
// prints the report and the time the whole process took. Needs root, knotd and MariaDB.
// Usage: node --import tsx scripts/measure-domains.ts [bulk] [extra postal-doctor flags…]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { domainsDeploymentMissing, startDomainsDeployment } from '../test/support/domains.js';

const bulk = Number(process.argv[2] ?? 0);
const flags = process.argv.slice(3);
const missing = domainsDeploymentMissing();
if (missing) {
  console.error(`cannot start the test deployment: ${missing}`);
  process.exit(2);
}

const setupStarted = performance.now();
const deployment = await startDomainsDeployment(bulk);
const dir = mkdtempSync(join(tmpdir(), 'pd-measure-'));
try {
  writeFileSync(join(dir, 'postal.yml'), deployment.yaml);
  writeFileSync(join(dir, 'ca.pem'), deployment.caPem);
  console.error(`deployment with ${bulk + 7} sending domains ready in ${Math.round(performance.now() - setupStarted)} ms`);
  const cli = "import { main } from './src/cli/main.ts'; await main(['node', 'postal-doctor', ...process.argv.slice(1)]);";
  const args = ['--import', 'tsx', '--input-type=module', '-e', cli, 'check', '--config', join(dir, 'postal.yml'), '--resolver', deployment.resolver, '--only', 'domains', '--no-color', ...flags];
  const started = performance.now();
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, args, { stdio: 'inherit', env: { ...process.env, NODE_EXTRA_CA_CERTS: join(dir, 'ca.pem') } });
    child.on('exit', resolve);
  });
  console.error(`postal-doctor check --only domains (${bulk + 7} domains): ${Math.round(performance.now() - started)} ms, exit code ${code}`);
} finally {
  await deployment.stop();
  rmSync(dir, { recursive: true, force: true });
}
