import { spawn, execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Resolver } from 'node:dns/promises';

export interface Knot {
  port: number;
  /** `<address>:<port>`, ready for `resolvers`. */
  server: string;
  readyMs: number;
  stop(): Promise<void>;
}

/** Why knotd tests cannot run here, or null when they can. */
export function knotMissing(): string | null {
  try {
    execFileSync('knotd', ['--version'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'knotd not installed (apt-get install knot)';
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/** The root zone with its NS records, which the doctor asks every resolver for before believing it. */
const ROOT_ZONE = ['$ORIGIN .', '$TTL 60', '@ SOA a.root.invalid. hostmaster.invalid. 1 3600 600 86400 60', '@ NS a.root.invalid.', ''].join('\n');

/**
 * A real authoritative DNS server (knotd) on a free loopback port (or at `listen`, e.g. a loopback address on
 * port 53 as a zone's nameserver), serving `zones`
 * (zone name → zone text with `$ORIGIN`) and, unless `zones` has its own, the root zone,
 * so that it passes the doctor's resolver sanity test. Ready when it answers the first zone's SOA.
 */
export async function startKnot(given: Record<string, string>, listen?: { address: string; port: number }): Promise<Knot> {
  const zones = { ...given, ...(Object.hasOwn(given, '.') ? {} : { '.': ROOT_ZONE }) };
  const started = performance.now();
  const dir = await mkdtemp(join(tmpdir(), 'pd-knot-'));
  await mkdir(join(dir, 'run'));
  await mkdir(join(dir, 'db'));
  const address = listen?.address ?? '127.0.0.1';
  const port = listen?.port ?? (await freePort());
  const names = Object.keys(zones);
  for (const [index, text] of Object.values(zones).entries()) await writeFile(join(dir, `${index}.zone`), text);
  const conf = [
    'server:',
    `    rundir: "${dir}/run"`,
    '    user: root:root',
    `    listen: [ ${address}@${port} ]`,
    'database:',
    `    storage: "${dir}/db"`,
    'log:',
    '  - target: stderr',
    '    any: warning',
    'template:',
    '  - id: default',
    `    storage: "${dir}"`,
    '    zonefile-sync: -1',
    '    zonefile-load: whole',
    '    journal-content: none',
    'zone:',
    ...names.flatMap((zone, index) => [`  - domain: "${zone}"`, `    file: "${index}.zone"`]),
    '',
  ].join('\n');
  const confPath = join(dir, 'knot.conf');
  await writeFile(confPath, conf);

  const child = spawn('knotd', ['-c', confPath], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let exited: { code: number | null } | null = null;
  const exit = new Promise<void>((resolve) => child.on('exit', (code) => ((exited = { code }), resolve())));

  const cleanup = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      await exit;
    }
    await rm(dir, { recursive: true, force: true });
  };

  const probe = new Resolver({ timeout: 100, tries: 1 });
  probe.setServers([`${address}:${port}`]);
  const firstZone = Object.keys(given)[0] ?? '.';
  for (let tries = 0; ; tries++) {
    if (exited) {
      await cleanup();
      throw new Error(`knotd exited with code ${(exited as { code: number | null }).code}: ${stderr.trim()}`);
    }
    try {
      await probe.resolveSoa(`${firstZone}.`);
      break;
    } catch {
      if (tries >= 200) {
        await cleanup();
        throw new Error(`knotd did not answer on ${address}:${port}: ${stderr.trim()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  return { port, server: `${address}:${port}`, readyMs: Math.round(performance.now() - started), stop: cleanup };
}

/** A zone's SOA and NS lines, so tests only write the records that matter. */
export function zone(origin: string, records: string[], nameserver = 'ns1.invalid.'): string {
  return [
    `$ORIGIN ${origin}.`,
    '$TTL 60',
    `@ SOA ${nameserver} hostmaster.invalid. 1 3600 600 86400 60`,
    `@ NS ${nameserver}`,
    ...records,
    '',
  ].join('\n');
}
