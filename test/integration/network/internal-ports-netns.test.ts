import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createLab, netnsSkipReason, type Lab } from '../../support/netns.js';
import type { Result } from '../../../src/core/types.js';

/** Why this test cannot run here: no namespaces, or no iptables and nft to write rules with. */
function skipReason(): string | undefined {
  const netns = netnsSkipReason();
  if (netns) return netns;
  try {
    execFileSync('iptables', ['-V'], { stdio: 'ignore' });
    execFileSync('ip6tables', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'iptables is not installed (apt-get install iptables)';
  }
  try {
    execFileSync('nft', ['--version'], { stdio: 'ignore' });
  } catch {
    return 'nft is not installed (apt-get install nftables)';
  }
  return undefined;
}

const skip = skipReason();
if (skip) console.log(`# skipping the internal-ports namespace test: ${skip}`);

/** The host's public addresses, and a machine elsewhere on the internet. */
const HOST4 = '203.0.113.10';
const HOST6 = '2001:db8:77::10';
const OUTSIDE4 = '203.0.113.20';
const OUTSIDE6 = '2001:db8:77::20';

/** Postal's defaults: main_db.port, web_server.default_port and the two health servers. */
const YAML = 'version: 2\n';

/** What each exposed port says, so a connection shows which listener answered. */
const GREETING: Record<number, string> = { 3306: 'mariadb', 5000: 'web', 9090: 'worker-health', 9091: 'smtp-health', 25: '220 postal.example.net ESMTP' };

/** Every endpoint the check should find open: three listeners on 0.0.0.0, the SMTP health server on both families. */
const EXPOSED = [`${HOST4}:3306`, `${HOST4}:5000`, `${HOST4}:9090`, `${HOST4}:9091`, `[${HOST6}]:9091`];

function endpoint(target: string): { host: string; port: number } {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(target);
  assert.ok(match, target);
  return { host: match[1]!, port: Number(match[2]) };
}

const brief = (results: Result[]) =>
  results.map(({ target, status, messageId }) => ({ target, status, messageId })).sort((a, b) => String(a.target).localeCompare(String(b.target)));

describe('network.internal-ports: the printed firewall rules, applied in a network namespace', { skip }, () => {
  let lab: Lab;
  let warned: Result[] = [];
  let applied = { v4: '', v6: '' };

  before(async () => {
    lab = await createLab({ clientAddresses: [`${HOST4}/24`, `${HOST6}/64`], remoteAddresses: [`${OUTSIDE4}/24`, `${OUTSIDE6}/64`] });
    // MariaDB, the web server and the worker's health server bound to every IPv4 address, as a changed bind address
    // or a published port leaves them; the SMTP server's health server on every address of both families.
    for (const port of [3306, 5000, 9090]) await lab.client.startGreeter('0.0.0.0', port, GREETING[port]!);
    await lab.client.startGreeter('::', 9091, GREETING[9091]!);
    // Postal's SMTP port, which must stay open to the world.
    await lab.client.startGreeter('0.0.0.0', 25, GREETING[25]!);
  });
  after(async () => {
    await lab?.destroy();
  });

  const check = () => lab.client.doctor(['network.internal-ports'], YAML, { timeoutMs: 1500 });
  /** The host's filter rules, as `iptables -S` prints them. */
  const rules = async () => ({ v4: await lab.client.must('iptables', ['-S']), v6: await lab.client.must('ip6tables', ['-S']) });
  /** Runs every printed command in the host namespace, as an operator pasting them into a root shell would. */
  const applyFixes = async (round: string) => {
    for (const result of warned) {
      for (const command of result.fix?.commands ?? []) {
        const ran = await lab.client.sh(command);
        assert.equal(ran.code, 0, `${round}: ${command}: ${ran.stderr}`);
      }
    }
  };
  /** What a connection from `from` to each endpoint returns: the greeting, or the error (TIMEOUT when dropped). */
  const reach = (from: 'client' | 'remote', targets: string[]) =>
    Promise.all(targets.map(async (target) => [target, await lab[from].connect(endpoint(target).host, endpoint(target).port)] as const)).then(Object.fromEntries);

  it('warns once for each exposed address and port, each with a rule naming that address and port', async () => {
    assert.deepEqual(await reach('remote', EXPOSED), Object.fromEntries(EXPOSED.map((target) => [target, GREETING[endpoint(target).port]])), 'reachable from outside before the fix');
    warned = await check();
    assert.deepEqual(brief(warned), EXPOSED.map((target) => ({ target, status: 'warn', messageId: 'open' })).sort((a, b) => a.target.localeCompare(b.target)));
    for (const result of warned) {
      const { host, port } = endpoint(result.target!);
      assert.equal(result.fix?.kind, 'firewall');
      assert.ok(result.fix?.commands?.length, `${result.target} has commands`);
      for (const command of result.fix!.commands!) {
        assert.match(command, new RegExp(`^${host.includes(':') ? 'ip6tables' : 'iptables'} `), command);
        assert.ok(command.includes(`-d ${host} `) && command.includes(`--dport ${port} `), command);
      }
    }
  });

  it('the printed commands drop other machines only: the ports still answer on loopback and the host\'s own address, port 25 stays open', async () => {
    await applyFixes('first run');
    applied = await rules();
    const drops = (text: string) => text.split('\n').filter((line) => line.startsWith('-A INPUT') && line.includes('-j DROP'));
    assert.equal(drops(applied.v4).length, 4, applied.v4);
    assert.equal(drops(applied.v6).length, 1, applied.v6);

    const outside = await reach('remote', [...EXPOSED, `${HOST4}:25`]);
    assert.deepEqual(outside, { ...Object.fromEntries(EXPOSED.map((target) => [target, 'TIMEOUT'])), [`${HOST4}:25`]: GREETING[25] });
    const inside = await reach('client', ['127.0.0.1:3306', '127.0.0.1:5000', '127.0.0.1:9090', '[::1]:9091', ...EXPOSED]);
    for (const [target, answer] of Object.entries(inside)) assert.equal(answer, GREETING[endpoint(target).port], `${target} from the host itself`);
  });

  it('running the same commands again changes nothing: no rule twice', async () => {
    await applyFixes('second run');
    assert.deepEqual(await rules(), applied);
  });

  it('the check run again passes each port, naming the rule that drops outside connections', async () => {
    const results = await check();
    assert.deepEqual(brief(results), EXPOSED.map((target) => ({ target, status: 'pass', messageId: 'firewalled' })).sort((a, b) => a.target.localeCompare(b.target)));
    for (const result of results) {
      const { port } = endpoint(result.target!);
      assert.match(result.message, new RegExp(`--dport ${port} -j DROP" \\(${result.target!.startsWith('[') ? 'ip6tables' : 'iptables'} filter INPUT\\)`), result.message);
      assert.equal(result.fix ?? null, null);
    }
  });

  it('a drop rule written in nft itself counts too; ports it leaves open are warned about again', async () => {
    await lab.client.must('iptables', ['-F', 'INPUT']);
    await lab.client.must('ip6tables', ['-F', 'INPUT']);
    const ruleset = `table inet filter {\n  chain input {\n    type filter hook input priority filter; policy accept;\n    iifname != "lo" ip daddr ${HOST4} tcp dport { 3306, 5000 } drop\n  }\n}\n`;
    await lab.client.must('nft', ['-f', '-'], ruleset);
    const results = await check();
    const dropped = [`${HOST4}:3306`, `${HOST4}:5000`];
    assert.deepEqual(
      brief(results),
      EXPOSED.map((target) => (dropped.includes(target) ? { target, status: 'pass', messageId: 'firewalled' } : { target, status: 'warn', messageId: 'open' })).sort((a, b) => a.target.localeCompare(b.target)),
    );
    for (const result of results.filter((item) => item.status === 'pass')) assert.match(result.message, /\(nft inet filter input\)\.$/, result.message);
    assert.deepEqual(await reach('remote', [`${HOST4}:3306`, `${HOST4}:9090`]), { [`${HOST4}:3306`]: 'TIMEOUT', [`${HOST4}:9090`]: GREETING[9090] });
  });
});
