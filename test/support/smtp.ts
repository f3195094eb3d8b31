import { connect, createServer, type Server, type Socket } from 'node:net';
import { createSecureContext, TLSSocket } from 'node:tls';
import { execFileSync, execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SMTPServer } from 'smtp-server';
import { freePort } from './knot.js';

export interface TestSmtp {
  port: number;
  close(): Promise<void>;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** smtp-server on loopback: STARTTLS with the given PEM chain and key (or none), and it accepts no mail. */
export async function startSmtpServer(options: { name: string; key: string; cert: string; noStarttls?: boolean }): Promise<TestSmtp> {
  const server = new SMTPServer({
    name: options.name,
    banner: 'Postal/test',
    key: options.key,
    cert: options.cert,
    hideSTARTTLS: !!options.noStarttls,
    authOptional: true,
    disabledCommands: ['AUTH'],
    logger: false,
    disableReverseLookup: true,
    onData(stream, _session, callback) {
      stream.resume();
      stream.on('end', () => callback(Object.assign(new Error('test server accepts no mail'), { responseCode: 550 })));
    },
  });
  const port = await listen(server.server);
  return { port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A TCP server whose every connection is handed to `handle`; close() destroys what is still open. */
export async function startRawServer(handle: (socket: Socket) => void): Promise<TestSmtp> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    handle(socket);
  });
  const port = await listen(server);
  return {
    port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Calls `onLine` for each CRLF/LF-terminated line the client sends on `stream`. */
function readLines(stream: Socket, onLine: (line: string) => void): () => void {
  let buffer = '';
  const onData = (chunk: Buffer) => {
    buffer += chunk.toString('latin1');
    let newline: number;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).replace(/\r$/, '');
      buffer = buffer.slice(newline + 1);
      onLine(line);
    }
  };
  stream.on('data', onData);
  return () => stream.off('data', onData);
}

/**
 * A Postal-like SMTP server that records every line the client sends, in clear and inside TLS,
 * so a test can see exactly what a probe said.
 */
export async function startRecordingSmtp(
  options: { name: string; key: string; cert: string },
): Promise<TestSmtp & { transcripts: string[][]; servernames: Array<string | false> }> {
  const transcripts: string[][] = [];
  const servernames: Array<string | false> = [];
  const context = createSecureContext({ key: options.key, cert: options.cert });
  const raw = await startRawServer((socket) => {
    const transcript: string[] = [];
    transcripts.push(transcript);
    const converse = (stream: Socket, secure: boolean) => {
      const stop = readLines(stream, (line) => {
        transcript.push(line);
        const verb = line.split(' ')[0].toUpperCase();
        if (verb === 'EHLO') stream.write(`250-${options.name}\r\n${secure ? '' : '250-STARTTLS\r\n'}250 AUTH PLAIN LOGIN\r\n`);
        else if (verb === 'STARTTLS' && !secure) {
          stream.write('220 Ready to start TLS\r\n');
          stop();
          const tlsSocket = new TLSSocket(stream, { isServer: true, secureContext: context });
          tlsSocket.on('error', () => undefined);
          tlsSocket.once('secure', () => servernames.push(tlsSocket.servername ?? false));
          converse(tlsSocket, true);
        } else if (verb === 'QUIT') stream.end('221 Bye\r\n');
        else stream.write('502 not here\r\n');
      });
    };
    socket.write(`220 ${options.name} ESMTP Postal/recording\r\n`);
    converse(socket, false);
  });
  return { ...raw, transcripts, servernames };
}

const run = promisify(execFile);

/** Why a Postfix test cannot run here, or null when it can. */
export function postfixMissing(): string | null {
  if (process.getuid?.() !== 0) return 'Postfix tests need root (postfix runs its daemons as the postfix user)';
  try {
    execFileSync('postconf', ['-d', 'mail_version'], { stdio: 'ignore' });
    return null;
  } catch {
    return 'postfix is not installed (apt-get install postfix)';
  }
}

/**
 * A real Postfix smtpd on a free loopback port (or on `address`:`port`), with STARTTLS from the given key and
 * chain files, relaying and delivering nothing. Stopped with `postfix -c DIR stop`.
 */
export async function startPostfix(options: { name: string; keyFile: string; chainFile: string; address?: string; port?: number }): Promise<TestSmtp> {
  const dir = mkdtempSync(join(tmpdir(), 'pd-postfix-'));
  // The postfix user must reach its data directory inside.
  chmodSync(dir, 0o755);
  const address = options.address ?? '127.0.0.1';
  const port = options.port ?? (await freePort());
  const etc = join(dir, 'etc');
  for (const sub of ['etc', 'spool', 'data']) mkdirSync(join(dir, sub));
  execFileSync('chown', ['postfix', join(dir, 'data')]);
  writeFileSync(join(etc, 'main.cf'), [
    'compatibility_level = 3.6',
    `config_directory = ${etc}`,
    `queue_directory = ${join(dir, 'spool')}`,
    `data_directory = ${join(dir, 'data')}`,
    'meta_directory = /etc/postfix',
    'command_directory = /usr/sbin',
    'daemon_directory = /usr/lib/postfix/sbin',
    'shlib_directory = /usr/lib/postfix',
    'mail_owner = postfix',
    'setgid_group = postdrop',
    `myhostname = ${options.name}`,
    'mydomain = postal.example',
    'myorigin = $myhostname',
    `inet_interfaces = ${address}`,
    'inet_protocols = ipv4',
    'mydestination =',
    'relay_domains =',
    'mynetworks = 127.0.0.0/8',
    'alias_maps =',
    'alias_database =',
    'local_recipient_maps =',
    'smtpd_banner = $myhostname ESMTP Postfix (postal-doctor test)',
    'smtpd_relay_restrictions = reject',
    'smtpd_recipient_restrictions = reject',
    `smtpd_tls_chain_files = ${options.keyFile}, ${options.chainFile}`,
    'smtpd_tls_security_level = may',
    'smtp_dns_support_level = disabled',
    'default_transport = error:test instance never relays',
    `maillog_file_prefixes = /var, /dev/stdout, ${dir}`,
    `maillog_file = ${join(dir, 'maillog')}`,
    '',
  ].join('\n'));
  writeFileSync(join(etc, 'master.cf'), [
    `${address}:${port} inet n - n - - smtpd`,
    'pickup    unix  n - n 60 1 pickup',
    'cleanup   unix  n - n - 0 cleanup',
    'qmgr      unix  n - n 300 1 qmgr',
    'tlsmgr    unix  - - n 1000? 1 tlsmgr',
    'rewrite   unix  - - n - - trivial-rewrite',
    'bounce    unix  - - n - 0 bounce',
    'defer     unix  - - n - 0 bounce',
    'trace     unix  - - n - 0 bounce',
    'verify    unix  - - n - 1 verify',
    'flush     unix  n - n 1000? 0 flush',
    'proxymap  unix  - - n - - proxymap',
    'showq     unix  n - n - - showq',
    'error     unix  - - n - - error',
    'retry     unix  - - n - - error',
    'discard   unix  - - n - - discard',
    'anvil     unix  - - n - 1 anvil',
    'scache    unix  - - n - 1 scache',
    'postlog   unix-dgram n - n - 1 postlogd',
    '',
  ].join('\n'));
  const stop = async () => {
    await run('postfix', ['-c', etc, 'stop']).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await run('postfix', ['-c', etc, 'check']);
    await run('postfix', ['-c', etc, 'start']);
  } catch (error) {
    await stop();
    throw new Error(`postfix did not start (see its maillog): ${(error as Error).message.split('\n')[0]}`);
  }
  // Ready when smtpd greets.
  const deadline = Date.now() + 5000;
  for (;;) {
    if (await greets(address, port)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`postfix did not listen on ${address}:${port} within 5 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { port, close: stop };
}

/** Whether a server on address:port greets with 220. */
function greets(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, address);
    socket.setTimeout(500, () => (socket.destroy(), resolve(false)));
    socket.once('data', (chunk: Buffer) => {
      resolve(chunk.toString().startsWith('220'));
      socket.end('QUIT\r\n');
    });
    socket.once('error', () => resolve(false));
  });
}
