/**
 * `npm run bench`: whole postal-doctor processes against real servers behind a delaying forwarder, with the
 * targets they must meet. As root it creates a network namespace holding the sending IPs (198.18.0.0/15),
 * the remote MX (203.0.113.25) and every server, and runs itself inside; nothing leaves the namespace.
 * Prints a Markdown table and writes bench/results/latest.json.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { arch, availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startKnot, knotMissing } from '../test/support/knot.js';
import { mariadbMissing, startMariaDb } from '../test/support/mariadb.js';
import { POSTAL_MAIN_TABLES } from '../test/support/postal-schema.js';
import { makePki } from '../test/support/pki.js';
import { postfixMissing, startPostfix, startRawServer, startSmtpServer } from '../test/support/smtp.js';
import { DOCKER_STUB_DIR } from '../test/support/docker.js';
import { POSTAL_DOMAIN_TABLES } from '../test/support/domains.js';
import { startDnsDelay, startTcpDelay, QuestionLog, type Delay } from './latency.js';
import { runProcess, statsOf, median, type Run, type Stats } from './measure.js';
import {
  BLOCKLISTS, CUSTOMER_NAMESERVER, CUSTOMER_ZONE, REMOTE_MX_IP, RESOLVER, SERVER_IP, ZONE, customerDomains, deploymentZones, domainRowsSql, healthyPostalRowsSql,
  generateKey, poolRowsSql, postalYaml, sendingIp,
} from './deployment.js';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const BIN = join(REPO, 'bin/postal-doctor.js');
/** The single executable `npm run package` builds; measured beside the Node script when it is there. */
const SINGLE = join(REPO, 'dist', `postal-doctor-linux-${arch()}`);
const RESULTS = join(REPO, 'bench/results');
/** BENCH_IPS=1,1024 BENCH_RTTS=50 narrow the full-check cases while working on one figure. */
const listFrom = (text: string | undefined, fallback: number[]) => (text ? text.split(',').map(Number) : fallback);
const IP_COUNTS = listFrom(process.env.BENCH_IPS, [1, 16, 256, 1024]);
const RTTS = listFrom(process.env.BENCH_RTTS, [0, 50]);
const DOMAIN_COUNT = 5000;
/** Runs per full-check case; the 5,000-domain case, at eight seconds a run, has three. */
const FULL_CHECK_RUNS = 5;
/** The default --timeout: a silent peer costs what it costs a user who sets nothing. */
const SILENT_TIMEOUT_MS = 5000;
const TESTSSL_LIMIT_S = 60;

function outside(): never {
  if (process.getuid?.() !== 0) {
    console.error('npm run bench needs root: it creates a network namespace for the sending IPs and its servers.');
    process.exit(1);
  }
  for (const missing of [knotMissing(), mariadbMissing()]) {
    if (missing) {
      console.error(`npm run bench cannot run: ${missing}`);
      process.exit(1);
    }
  }
  const namespace = `pd-bench-${process.pid}`;
  // Ctrl-C reaches the inner run too; this one waits for it and removes the namespace.
  process.on('SIGINT', () => undefined);
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['pipe', 'ignore', 'inherit'] });
  ip('netns', 'add', namespace);
  try {
    ip('-n', namespace, 'link', 'set', 'lo', 'up');
    // A veth pair whose both ends stay inside: an interface that is not loopback, as a host's public one.
    ip('-n', namespace, 'link', 'add', 'bench0', 'type', 'veth', 'peer', 'name', 'bench1');
    ip('-n', namespace, 'link', 'set', 'bench0', 'up');
    ip('-n', namespace, 'link', 'set', 'bench1', 'up');
    const inner = spawnSync('ip', ['netns', 'exec', namespace, process.execPath, ...process.execArgv, fileURLToPath(import.meta.url)], {
      stdio: 'inherit',
      killSignal: 'SIGINT',
      env: { ...process.env, PD_BENCH_INSIDE: '1' },
    });
    process.exitCode = inner.status ?? 1;
  } finally {
    ip('netns', 'del', namespace);
  }
  process.exit();
}

interface CaseResult {
  name: string;
  ips?: number;
  domains?: number;
  rttMs: number;
  stats: Stats;
  dns?: { total: number; distinct: number; tcp: number; repeated: Array<[string, number]> };
  results?: number;
  statuses?: Record<string, number>;
  command: string;
}

interface Target {
  figure: string;
  target: string;
  measured: string;
  met: boolean | null;
}

/** The last report of each case is kept beside the results, to see what a figure was made of. */
function keepReport(run: Run, label: string): void {
  const slug = label.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
  mkdirSync(join(RESULTS, 'reports'), { recursive: true });
  writeFileSync(join(RESULTS, 'reports', `${slug}.json`), run.stdout);
}

function summaryOf(run: Run, label: string, domains = 0): { results: number; statuses: Record<string, number> } {
  keepReport(run, label);
  let report: { results: Array<{ check: string; status: string; target: string | null }> };
  try {
    report = JSON.parse(run.stdout);
  } catch {
    throw new Error(`${label}: exit ${run.code}, no JSON report: ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  }
  // A figure for D domains counts only if the domains were judged, not if reading them failed.
  const judged = new Set(report.results.filter((result) => result.check === 'domains.spf' && result.target?.endsWith(CUSTOMER_ZONE)).map((result) => result.target));
  if (judged.size < domains) throw new Error(`${label}: domains.spf judged ${judged.size} of ${domains} domains (see bench/results/reports)`);
  const statuses: Record<string, number> = {};
  for (const result of report.results) statuses[result.status] = (statuses[result.status] ?? 0) + 1;
  return { results: report.results.length, statuses };
}

const seconds = (ms: number) => (ms / 1000).toFixed(2);

/**
 * `docker` for the doctor: the installer-shaped containers of the test stand-in (test/support/docker), its answers
 * recorded on first use and replayed by sh, so a figure holds the doctor's time rather than the stand-in's own
 * Node start-up. A real docker CLI answers in some 30–60 ms per call.
 */
function dockerReplay(hostRoot: string): string {
  const dir = join(hostRoot, 'docker-replay');
  mkdirSync(join(dir, 'answers'), { recursive: true });
  const answers = join(dir, 'answers');
  writeFileSync(
    join(dir, 'docker'),
    [
      '#!/bin/sh',
      `key="${answers}/$(printf '%s\n' "$@" | cksum | cut -d' ' -f1)"`,
      `[ -f "$key.code" ] || { "${process.execPath}" "${join(DOCKER_STUB_DIR, 'stub.mjs')}" "$@" >"$key.out" 2>"$key.err"; echo $? >"$key.code"; }`,
      'cat "$key.out"; cat "$key.err" >&2; exit "$(cat "$key.code")"',
      '',
    ].join('\n'),
  );
  chmodSync(join(dir, 'docker'), 0o755);
  return dir;
}

/** The host has the first `count` sending IPs and the remote MX its address: exactly what the case's deployment has. */
function bindAddresses(count: number): void {
  execFileSync('ip', ['addr', 'flush', 'dev', 'bench0']);
  const addresses = [...Array.from({ length: count }, (_, index) => sendingIp(index)), REMOTE_MX_IP];
  execFileSync('ip', ['-batch', '-'], { input: addresses.map((address) => `addr add ${address}/32 dev bench0`).join('\n') });
}

async function inside(): Promise<void> {
  const startedAll = performance.now();
  process.stderr.write('starting servers…\n');
  const pki = makePki();
  const signingKey = generateKey();
  const domainsCheck = listedIds().some((id) => /^domains?\./.test(id));
  const domains = domainsCheck ? customerDomains(DOMAIN_COUNT) : [];

  // The host the doctor looks at: postal.yml and the files it names, under --host-root.
  const hostRoot = mkdtempSync(join(tmpdir(), 'pd-bench-host-'));
  const configDir = join(hostRoot, 'opt/postal/config');
  mkdirSync(configDir, { recursive: true });
  const stop: Array<() => Promise<unknown> | unknown> = [() => rmSync(hostRoot, { recursive: true, force: true }), () => pki.cleanup()];
  try {
    bindAddresses(1);
    const [knot, db] = await Promise.all([startKnot(deploymentZones(Math.max(...IP_COUNTS), signingKey, domains)), startMariaDb()]);
    stop.push(() => knot.stop(), () => db.stop());
    await db.sql(
      "CREATE DATABASE postal; CREATE USER 'postal'@'%' IDENTIFIED BY 'bench-db-password'; GRANT SELECT ON postal.* TO 'postal'@'%';",
    );
    await db.sql(POSTAL_MAIN_TABLES + POSTAL_DOMAIN_TABLES + healthyPostalRowsSql(), 'postal');

    writeFileSync(join(configDir, 'postal.yml'), postalYaml(db.port));
    writeFileSync(join(configDir, 'signing.key'), signingKey);
    writeFileSync(join(configDir, 'smtp.cert'), pki.read('chain.pem'));
    writeFileSync(join(configDir, 'smtp.key'), pki.read('rsa.key'));
    for (const file of ['postal.yml', 'signing.key', 'smtp.key']) chmodSync(join(configDir, file), 0o640);

    // Postal's SMTP server on its public address (the first sending IP): Postfix when it can run, else smtp-server.
    const smtpName = `smtp.${ZONE}`;
    const smtp = postfixMissing()
      ? await startSmtpServer({ name: smtpName, key: pki.read('rsa.key'), cert: pki.read('chain.pem') })
      : await startPostfix({ name: smtpName, keyFile: pki.path('rsa.key'), chainFile: pki.path('chain.pem'), address: SERVER_IP, port: 25 });
    stop.push(() => smtp.close());
    const smtpEndpoint = postfixMissing() ? `127.0.0.1:${smtp.port}` : `${SERVER_IP}:25`;

    const delay: Delay = { rttMs: 0 };
    const questions = new QuestionLog();
    const dns = await startDnsDelay({ host: RESOLVER, port: 53 }, knot.port, delay, questions);
    stop.push(() => dns.close());
    const customerNameserver = await startDnsDelay({ host: CUSTOMER_NAMESERVER, port: 53 }, knot.port, delay, questions);
    stop.push(() => customerNameserver.close());
    // The remote MX that outbound port 25 is tried against: greets, says goodbye to QUIT.
    const remoteMx = await startRawServer((socket) => {
      socket.write('220 mx.remote.example ESMTP\r\n');
      socket.on('data', (chunk: Buffer) => {
        if (/^QUIT/im.test(chunk.toString())) socket.end('221 bye\r\n');
      });
    });
    stop.push(() => remoteMx.close());
    const remoteMxDelay = await startTcpDelay({ host: REMOTE_MX_IP, port: 25 }, { host: '127.0.0.1', port: remoteMx.port }, delay);
    stop.push(() => remoteMxDelay.close());
    // A peer that accepts the connection and never says a word, and a port where nothing listens.
    const silent = await startRawServer(() => undefined);
    stop.push(() => silent.close());
    const closedPort = await freePort();
    process.stderr.write(`servers ready in ${seconds(performance.now() - startedAll)} s (knotd ${knot.readyMs} ms, MariaDB ${db.readyMs} ms)\n`);

    const env: NodeJS.ProcessEnv = {
      ...process.env,
      CI: 'true',
      NODE_EXTRA_CA_CERTS: pki.path('root.pem'),
      PATH: `${dockerReplay(hostRoot)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      DOCKER_STUB_SCENARIO: 'running',
    };
    const deployment = ['--host-root', hostRoot, '--config', '/opt/postal/config/postal.yml'];
    const network = [
      '--resolver', RESOLVER, '--dnsbl-resolver', RESOLVER, ...BLOCKLISTS.flatMap((zone) => ['--dnsbl-zone', zone]),
      '--probe-target', REMOTE_MX_IP, '--smtp-target', smtpName, '--ip', SERVER_IP,
    ];
    const doctor = (args: string[]) => runProcess(process.execPath, [BIN, ...args], env);
    const single = existsSync(SINGLE) ? (args: string[]) => runProcess(SINGLE, args, env) : null;
    const cases: CaseResult[] = [];

    if (process.env.BENCH_SERVE) {
      // Keep the servers up for profiling by hand: BENCH_SERVE=<ips>,<rtt>[,domains] npm run bench, then run the printed command.
      const [ips, rttMs, withDomains] = listFrom(process.env.BENCH_SERVE, [1, 50, 0]);
      await db.sql(poolRowsSql(ips), 'postal');
      if (withDomains) await db.sql(domainRowsSql(domains, signingKey), 'postal');
      bindAddresses(ips);
      delay.rttMs = rttMs;
      const exports = ['NODE_EXTRA_CA_CERTS', 'PATH', 'DOCKER_STUB_SCENARIO'].map((name) => `${name}=${env[name]}`).join(' ');
      console.log(`ip netns exec ${execFileSync('ip', ['netns', 'identify']).toString().trim()} env ${exports} node ${BIN} check --format json ${[...deployment, ...network].join(' ')}`);
      await new Promise((resolve) => process.once('SIGINT', resolve));
      return;
    }

    async function fullCheck(name: string, ips: number, rttMs: number, runs: number, extra: Partial<CaseResult> = {}): Promise<CaseResult> {
      await db.sql(poolRowsSql(ips), 'postal');
      bindAddresses(ips);
      delay.rttMs = rttMs;
      const args = ['check', '--format', 'json', ...deployment, ...network];
      const measured: Run[] = [];
      let dnsSeen: CaseResult['dns'];
      let summary: { results: number; statuses: Record<string, number> } | undefined;
      for (let run = 0; run < runs; run++) {
        questions.reset();
        const result = await doctor(args);
        summary = summaryOf(result, name, extra.domains ?? 0);
        // The run that asked most questions twice stands for the case (none, when each is asked once).
        const seen = questions.summary();
        if (!dnsSeen || seen.total - seen.distinct > dnsSeen.total - dnsSeen.distinct) dnsSeen = seen;
        measured.push(result);
      }
      const entry: CaseResult = { name, ips, rttMs, stats: statsOf(measured), dns: dnsSeen, ...summary, command: `postal-doctor ${args.join(' ')}`, ...extra };
      process.stderr.write(`${name}: median ${entry.stats.medianMs} ms\n`);
      cases.push(entry);
      return entry;
    }

    // One run first, not counted: records the docker answers and warms the caches every later run finds warm.
    await fullCheck('warm-up', 1, 0, 1);
    cases.pop();
    // One STARTTLS endpoint, no latency: the doctor's live TLS check against the peers that do the same job. These
    // and the start-up cases come before the big runs, whose load outlasts them (MariaDB purges the deleted rows).
    delay.rttMs = 0;
    await db.sql(poolRowsSql(1), 'postal');
    const tlsArgs = ['check', '--only', 'tls.live', '--format', 'json', ...deployment, '--resolver', RESOLVER, '--smtp-target', smtpEndpoint];
    const tlsRuns: Run[] = [];
    for (let run = 0; run < 5; run++) tlsRuns.push(await doctor(tlsArgs));
    const tlsSummary = summaryOf(tlsRuns[0], 'tls.live');
    cases.push({ name: 'check --only tls.live, one endpoint, 0 ms', rttMs: 0, stats: statsOf(tlsRuns), ...tlsSummary, command: `postal-doctor ${tlsArgs.join(' ')}` });
    if (single) {
      const singleTlsRuns = await repeat(5, () => single(tlsArgs));
      cases.push({ name: 'single executable: check --only tls.live, one endpoint, 0 ms', rttMs: 0, stats: statsOf(singleTlsRuns), ...summaryOf(singleTlsRuns[0], 'tls.live (single executable)'), command: `postal-doctor ${tlsArgs.join(' ')}` });
    }
    const [smtpHost, smtpPort] = smtpEndpoint.split(':');
    const fingerArgs = ['-c', '-l', 'verify', '-F', pki.path('root.pem'), '-t', '5', '-T', '5', `[${smtpHost}]:${smtpPort}`];
    // posttls-finger reads main.cf: one that names this client and asks no DNS, as on a configured Postfix host.
    const fingerConfig = join(hostRoot, 'postfix');
    mkdirSync(fingerConfig);
    writeFileSync(join(fingerConfig, 'main.cf'), 'compatibility_level = 3.6\nmyhostname = client.bench.example\nsmtp_dns_support_level = disabled\n');
    const finger = toolPresent('posttls-finger')
      ? await repeat(5, () => runProcess('posttls-finger', fingerArgs, { ...process.env, MAIL_CONFIG: fingerConfig }))
      : null;
    if (finger) cases.push({ name: 'posttls-finger, same endpoint', rttMs: 0, stats: statsOf(finger), command: `posttls-finger ${fingerArgs.join(' ')}` });
    // testssl.sh runs hundreds of openssl processes: one run, stopped after TESTSSL_LIMIT_S to keep the whole under five minutes.
    const testsslArgs = ['--starttls', 'smtp', '-S', '--quiet', '--color', '0', '--warnings', 'off', '--nodns', 'none', `${smtpHost}:${smtpPort}`];
    const testsslCommand = ['testssl.sh', 'testssl'].find((command) => toolPresent(command));
    if (testsslCommand) {
      const testssl = await runProcess('timeout', [String(TESTSSL_LIMIT_S), testsslCommand, ...testsslArgs]);
      const stopped = testssl.code === 124;
      cases.push({
        name: `${testsslCommand} --starttls smtp -S, same endpoint${stopped ? ` (stopped at ${TESTSSL_LIMIT_S} s)` : ''}`,
        rttMs: 0,
        stats: statsOf([testssl]),
        command: `${testsslCommand} ${testsslArgs.join(' ')}`,
      });
    }

    // A peer that never answers: the run must end within --timeout + 10 %, that result unknown.
    const silentArgs = ['check', '--only', 'tls.live', '--format', 'json', ...deployment, '--resolver', RESOLVER, '--smtp-target', `127.0.0.1:${silent.port}`, '--timeout', String(SILENT_TIMEOUT_MS)];
    const silentRuns = await repeat(2, () => doctor(silentArgs));
    const silentSummary = summaryOf(silentRuns[0], 'silent peer');
    // The same run against a closed port, answered at once: the difference is what the silent peer cost.
    const refusedArgs = silentArgs.map((arg) => (arg === `127.0.0.1:${silent.port}` ? `127.0.0.1:${closedPort}` : arg));
    const refusedRuns = await repeat(2, () => doctor(refusedArgs));
    const runMs = (runs: Run[]) => median(runs.map((run) => (JSON.parse(run.stdout) as { durationMs: number }).durationMs));
    const silentAddedMs = Math.round(runMs(silentRuns) - runMs(refusedRuns));
    cases.push({ name: `check --only tls.live, a peer that never answers, --timeout ${SILENT_TIMEOUT_MS}`, rttMs: 0, stats: statsOf(silentRuns), ...silentSummary, command: `postal-doctor ${silentArgs.join(' ')}` });

    // Start-up: --help and an offline check of examples/ against an empty node.
    const nodeEmpty = await repeat(10, () => runProcess(process.execPath, ['-e', '0']));
    const help = await repeat(10, () => doctor(['--help']));
    const offlineArgs = ['check', '--offline', '--format', 'json', '--config', join(REPO, 'examples/postal.yml')];
    const offline = await repeat(5, () => doctor(offlineArgs));
    summaryOf(offline[0], 'offline check');
    cases.push({ name: 'node -e 0', rttMs: 0, stats: statsOf(nodeEmpty), command: 'node -e 0' });
    cases.push({ name: 'postal-doctor --help', rttMs: 0, stats: statsOf(help), command: 'postal-doctor --help' });
    cases.push({ name: 'check --offline examples/postal.yml', rttMs: 0, stats: statsOf(offline), ...summaryOf(offline[0], 'offline'), command: `postal-doctor ${offlineArgs.join(' ')}` });
    if (single) {
      const singleHelp = await repeat(10, () => single(['--help']));
      const singleOffline = await repeat(5, () => single(offlineArgs));
      cases.push({ name: 'single executable: --help', rttMs: 0, stats: statsOf(singleHelp), command: 'postal-doctor --help' });
      cases.push({ name: 'single executable: check --offline examples/postal.yml', rttMs: 0, stats: statsOf(singleOffline), ...summaryOf(singleOffline[0], 'offline (single executable)'), command: `postal-doctor ${offlineArgs.join(' ')}` });
    }

    for (const rttMs of RTTS) for (const ips of IP_COUNTS) await fullCheck(`full check, N = ${ips}, ${rttMs} ms RTT`, ips, rttMs, FULL_CHECK_RUNS);
    if (domains.length > 0) {
      // Only this case has customer domains, so the N cases measure the pool alone.
      await db.sql(domainRowsSql(domains, signingKey), 'postal');
      await fullCheck(`full check, N = 1, D = ${DOMAIN_COUNT} domains, 50 ms RTT`, 1, 50, 3, { domains: DOMAIN_COUNT });
      await db.sql('DELETE FROM domains;', 'postal');
    }

    const find = (name: string) => cases.find((entry) => entry.name === name);
    const full = (ips: number, rttMs: number) => find(`full check, N = ${ips}, ${rttMs} ms RTT`);
    const targets: Target[] = [];
    const n1 = full(1, 50)?.stats.medianMs;
    const n256 = full(256, 50)?.stats.medianMs;
    if (n1 && n256) {
      targets.push({ figure: 'full check, N = 256, 50 ms RTT', target: '< 2 s and < 3 × N = 1 at 50 ms', measured: `${seconds(n256)} s, ${(n256 / n1).toFixed(2)} × N = 1 (${seconds(n1)} s)`, met: n256 < 2000 && n256 < 3 * n1 });
    }
    const n1024 = full(1024, 50)?.stats;
    if (n1024) {
      targets.push({ figure: 'full check, N = 1,024, 50 ms RTT', target: '< 6 s; peak RSS < 150 MB', measured: `${seconds(n1024.medianMs)} s, ${n1024.peakRssMb ?? '?'} MB (worst run ${n1024.peakRssMaxMb ?? '?'} MB)`, met: n1024.medianMs < 6000 && (n1024.peakRssMb ?? 0) < 150 });
    }
    const domainCase = cases.find((entry) => entry.domains);
    targets.push(
      domainCase
        ? { figure: `D = ${DOMAIN_COUNT} domains, 50 ms RTT`, target: '< 10 s', measured: `${seconds(domainCase.stats.medianMs)} s`, met: domainCase.stats.medianMs < 10000 }
        : { figure: `D = ${DOMAIN_COUNT} domains, 50 ms RTT`, target: '< 10 s', measured: 'not run: no sending-domain checks in this build', met: null },
    );
    const repeatedCases = cases.filter((entry) => entry.dns && entry.dns.total !== entry.dns.distinct);
    targets.push({
      figure: 'DNS questions',
      target: 'each distinct question asked once per run',
      measured: repeatedCases.length === 0 ? 'total = distinct in every full check' : repeatedCases.map((entry) => `${entry.name}: ${entry.dns!.total} asked, ${entry.dns!.distinct} distinct`).join('; '),
      met: repeatedCases.length === 0,
    });
    const fingerMs = finger ? statsOf(finger).medianMs : null;
    for (const form of ['', 'single executable: ']) {
      const tls = find(`${form}check --only tls.live, one endpoint, 0 ms`)?.stats.medianMs;
      if (tls === undefined) continue;
      targets.push({
        figure: `${form}check --only tls.live, one endpoint, 0 ms RTT`,
        target: '< 6 × posttls-finger',
        measured: fingerMs ? `${tls} ms, ${(tls / fingerMs).toFixed(1)} × posttls-finger (${fingerMs} ms)` : `${tls} ms; posttls-finger not installed`,
        met: fingerMs ? tls < 6 * fingerMs : null,
      });
    }
    const nodeMs = median(nodeEmpty.map((run) => run.wallMs));
    for (const form of ['', 'single executable: ']) {
      const helpMs = find(`${form === '' ? 'postal-doctor ' : form}--help`)?.stats.medianMs;
      if (helpMs === undefined) continue;
      targets.push({ figure: `${form}--help`, target: '< 2 × node -e 0', measured: `${Math.round(helpMs)} ms, ${(helpMs / nodeMs).toFixed(2)} × node -e 0 (${Math.round(nodeMs)} ms)`, met: helpMs < 2 * nodeMs });
    }
    const silentStats = statsOf(silentRuns);
    const silentRunMs = Math.max(...silentRuns.map((run) => (JSON.parse(run.stdout) as { durationMs: number }).durationMs));
    const silentUnknown = silentSummary.statuses.unknown === 1 && silentSummary.results === 1;
    targets.push({
      figure: 'one SMTP peer that never answers',
      target: `the run ends within --timeout + 10 % (${Math.round(SILENT_TIMEOUT_MS * 1.1)} ms), result unknown`,
      measured:
        `run ${silentRunMs} ms (report durationMs, worst of ${silentStats.runs}), of which the peer ${silentAddedMs} ms (median, against a refused port); ` +
        `whole process with Node start-up ${silentStats.maxMs} ms; result ${Object.keys(silentSummary.statuses).join('/')}`,
      met: silentRunMs <= SILENT_TIMEOUT_MS * 1.1 && silentUnknown,
    });

    const totalS = (performance.now() - startedAll) / 1000;
    const table = renderTable(cases, targets, totalS);
    console.log(table);
    mkdirSync(RESULTS, { recursive: true });
    writeFileSync(
      join(RESULTS, 'latest.json'),
      `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cpus: availableParallelism(), totalSeconds: Math.round(totalS), cases, targets }, null, 2)}\n`,
    );
  } finally {
    for (const action of stop.reverse()) await Promise.resolve(action()).catch(() => undefined);
  }
}

async function repeat(times: number, run: () => Promise<Run>): Promise<Run[]> {
  const runs: Run[] = [];
  for (let index = 0; index < times; index++) runs.push(await run());
  return runs;
}

function toolPresent(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** Check ids of the built program, to know whether the sending-domain checks exist yet. */
function listedIds(): string[] {
  const listed = spawnSync(process.execPath, [BIN, 'list', '--format', 'json'], { encoding: 'utf8' });
  return (JSON.parse(listed.stdout) as Array<{ id: string }>).map((check) => check.id);
}

function renderTable(cases: CaseResult[], targets: Target[], totalS: number): string {
  const lines = [
    '| case | runs | median | min – max | peak RSS (median / max) | DNS questions received (total / distinct per server) | results |',
    '|---|---:|---:|---:|---:|---:|---|',
    ...cases.map((entry) => {
      const { stats } = entry;
      const dns = entry.dns ? `${entry.dns.total} / ${entry.dns.distinct}${entry.dns.tcp ? ` (${entry.dns.tcp} TCP)` : ''}` : '';
      const statuses = entry.statuses ? `${entry.results} (${Object.entries(entry.statuses).map(([status, count]) => `${count} ${status}`).join(', ')})` : '';
      return `| ${entry.name} | ${stats.runs} | ${stats.medianMs} ms | ${stats.minMs} – ${stats.maxMs} ms | ${stats.peakRssMb ?? '?'} / ${stats.peakRssMaxMb ?? '?'} MB | ${dns} | ${statuses} |`;
    }),
    '',
    '| figure | target | measured | met |',
    '|---|---|---|---|',
    ...targets.map((target) => `| ${target.figure} | ${target.target} | ${target.measured} | ${target.met === null ? 'n/a' : target.met ? 'yes' : 'NO'} |`),
    '',
    `Whole benchmark: ${totalS.toFixed(0)} s.`,
  ];
  return lines.join('\n');
}

if (process.env.PD_BENCH_INSIDE) await inside();
else outside();
