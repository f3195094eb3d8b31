import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Result } from '../../src/core/types.js';

/**
 * Network namespaces for tests that need a real network: a "client" namespace (this host, where the
 * doctor runs) and a "remote" one (a mail server elsewhere), joined by a veth pair with TEST-NET
 * addresses that exist only inside them. Everything a lab starts is removed by `destroy()`, and by
 * an exit hook if a test dies first.
 */

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Why namespace tests cannot run here, or undefined when they can. */
export function netnsSkipReason(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'network namespace tests need root (CI runs as root)';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'the ip command (iproute2) is not installed';
  }
  return undefined;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], input?: string): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(command, args, { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024, timeout: 60000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

async function must(command: string, args: string[], input?: string): Promise<string> {
  const result = await run(command, args, input);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.code}): ${result.stderr.trim()}`);
  return result.stdout;
}

export class Netns {
  readonly processes = new Set<ChildProcess>();
  constructor(readonly name: string) {}

  /** Runs a program inside the namespace. */
  exec(command: string, args: string[], input?: string): Promise<RunResult> {
    return run('ip', ['netns', 'exec', this.name, command, ...args], input);
  }

  /** Runs a program inside the namespace and fails the test when it fails. */
  must(command: string, args: string[], input?: string): Promise<string> {
    return must('ip', ['netns', 'exec', this.name, command, ...args], input);
  }

  /** A shell command line inside the namespace, as an operator would paste it. */
  sh(line: string): Promise<RunResult> {
    return this.exec('sh', ['-c', line]);
  }

  /** Starts a long-running program inside the namespace; resolves once it prints `readyText` (on stdout or stderr). */
  start(command: string, args: string[], readyText = 'ready'): Promise<ChildProcess> {
    const child = spawn('ip', ['netns', 'exec', this.name, command, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    this.processes.add(child);
    child.on('exit', () => this.processes.delete(child));
    return new Promise((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`${command} did not get ready: ${output}`)), 10000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes(readyText)) {
          clearTimeout(timer);
          resolve(child);
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${command} exited (${code}) before it was ready: ${output}`));
      });
    });
  }

  /** A TCP greeter on `host:port` inside the namespace that sends `greeting` to every client. */
  startGreeter(host: string, port: number, greeting: string): Promise<ChildProcess> {
    const script = `
      const [host, port, greeting] = process.argv.slice(1);
      const server = require('net').createServer((socket) => { socket.on('error', () => {}); socket.end(greeting + '\\r\\n'); });
      server.listen({ host, port: Number(port), ipv6Only: false }, () => console.log('ready'));`;
    return this.start('node', ['-e', script, host, String(port), greeting]);
  }

  /** dnsmasq on `address`:53 inside the namespace, answering only the PTR records given (name → target) and the root NS. */
  startPtrServer(address: string, records: Record<string, string>): Promise<ChildProcess> {
    const ptr = Object.entries(records).map(([name, target]) => `--ptr-record=${name},${target}`);
    // The root's NS record (a.root.invalid. in wire format), which the doctor asks every resolver for before believing it.
    const rootNs = '--dns-rr=.,2,016104726f6f7407696e76616c696400';
    const args = ['--keep-in-foreground', '--log-facility=-', '--no-resolv', '--no-hosts', '--bind-interfaces', `--listen-address=${address}`, '--port=53', '--user=root', rootNs, ...ptr];
    return this.start('dnsmasq', args, 'started');
  }

  /** Connects from inside the namespace and says what came back: the first line, or the error code. */
  async connect(host: string, port: number, timeoutMs = 1500): Promise<string> {
    const script = `
      const [host, port, timeout] = process.argv.slice(1);
      const socket = require('net').connect({ host, port: Number(port) });
      socket.setTimeout(Number(timeout), () => { console.log('TIMEOUT'); socket.destroy(); });
      socket.on('data', (data) => { console.log(String(data).split('\\r\\n')[0]); socket.destroy(); });
      socket.on('error', (error) => console.log(error.code));`;
    const result = await this.exec('node', ['-e', script, host, String(port), String(timeoutMs)]);
    return result.stdout.trim();
  }

  /** Runs checks inside the namespace with the doctor's real probes (test/support/netns-runner.ts). */
  async doctor(checks: string[], yaml: string, options: Record<string, unknown>): Promise<Result[]> {
    const input = JSON.stringify({ checks, yaml, options });
    const result = await this.exec('node', ['--import', 'tsx', 'test/support/netns-runner.ts', input]);
    if (result.code !== 0) throw new Error(`netns-runner failed (${result.code}): ${result.stderr.trim()}`);
    return JSON.parse(result.stdout) as Result[];
  }
}

export interface LabOptions {
  /** Addresses of the client's veth (the first is its main address). Default 192.0.2.1/24. */
  clientAddresses?: string[];
  /** Address of the remote end. Default 192.0.2.10/24. */
  remoteAddresses?: string[];
}

export interface Lab {
  client: Netns;
  remote: Netns;
  destroy(): Promise<void>;
}

let labCount = 0;
const liveNamespaces = new Set<string>();

process.on('exit', () => {
  // Last resort when a test process ends without destroy(): never leave namespaces behind.
  for (const name of liveNamespaces) {
    try {
      execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
    } catch {
      /* already gone */
    }
  }
});

/** Two namespaces joined by a veth pair; `lo` is up in both. */
export async function createLab(options: LabOptions = {}): Promise<Lab> {
  const id = `${process.pid % 100000}x${++labCount}`;
  const client = new Netns(`pd-${id}-client`);
  const remote = new Netns(`pd-${id}-remote`);
  const lab: Lab = {
    client,
    remote,
    async destroy() {
      for (const namespace of [client, remote]) {
        for (const child of namespace.processes) {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGKILL');
          await exited;
        }
      }
      for (const namespace of [client, remote]) {
        // Deleting a namespace deletes its end of the veth pair too.
        await run('ip', ['netns', 'del', namespace.name]);
        liveNamespaces.delete(namespace.name);
      }
    },
  };
  try {
    for (const namespace of [client, remote]) {
      await must('ip', ['netns', 'add', namespace.name]);
      liveNamespaces.add(namespace.name);
    }
    const clientLink = `pdc${id}`;
    const remoteLink = `pdr${id}`;
    await must('ip', ['link', 'add', clientLink, 'netns', client.name, 'type', 'veth', 'peer', 'name', remoteLink, 'netns', remote.name]);
    const setup = async (namespace: Netns, link: string, addresses: string[]) => {
      for (const address of addresses) {
        await must('ip', ['-n', namespace.name, 'addr', 'add', address, 'dev', link, ...(address.includes(':') ? ['nodad'] : [])]);
      }
      await must('ip', ['-n', namespace.name, 'link', 'set', link, 'up']);
      await must('ip', ['-n', namespace.name, 'link', 'set', 'lo', 'up']);
    };
    await setup(client, clientLink, options.clientAddresses ?? ['192.0.2.1/24']);
    await setup(remote, remoteLink, options.remoteAddresses ?? ['192.0.2.10/24']);
  } catch (error) {
    await lab.destroy();
    throw error;
  }
  return lab;
}
