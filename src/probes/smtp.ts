import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { connect as connectTls, createSecureContext, type SecureContext, type TLSSocket } from 'node:tls';
import type { SmtpPhase, SmtpProbe, SmtpSession } from './types.js';
import { isNodeStore } from './trust.js';
import { peerChain } from './peer-chain.js';

export interface SmtpLimits {
  /** Longest reply line accepted, in bytes. */
  maxLineBytes: number;
  /** Largest (multi-line) reply accepted, in bytes. */
  maxReplyBytes: number;
  /** How long to wait for the answer to QUIT before closing anyway. */
  quitWaitMs: number;
}

export const DEFAULT_SMTP_LIMITS: SmtpLimits = { maxLineBytes: 4096, maxReplyBytes: 64 * 1024, quitWaitMs: 1000 };

const HELO_NAME = /^(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?)*\.?|\[[0-9A-Fa-f:.]+\]|\[IPv6:[0-9A-Fa-f:.]+\])$/;

/** Ends a session: the phase it stopped in, a stable code and a one-line reason. */
class SessionFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Reply {
  code: number;
  /** The text of each line, without the code and separator. */
  lines: string[];
}

/**
 * Reads SMTP replies from a stream: lines end with LF (CR stripped), a reply ends at a line
 * `ddd text` or `ddd`, continuation lines are `ddd-text` with the same code.
 */
class ReplyReader {
  private buffer = Buffer.alloc(0);
  private lines: string[] = [];
  private replyBytes = 0;
  private waiting: ((line: string) => void) | null = null;
  private readonly onData = (chunk: Buffer) => this.take(chunk);

  constructor(
    private readonly stream: Socket,
    private readonly limits: SmtpLimits,
    private readonly abort: (failure: SessionFailure) => void,
  ) {
    stream.on('data', this.onData);
  }

  /** A peer over a limit is not read any further: the session ends here. */
  private fail(failure: SessionFailure): void {
    this.stream.off('data', this.onData);
    this.buffer = Buffer.alloc(0);
    this.abort(failure);
  }

  private take(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    let newline: number;
    while ((newline = this.buffer.indexOf(0x0a)) >= 0) {
      const line = this.buffer.subarray(0, newline).toString('utf8').replace(/\r$/, '');
      this.buffer = this.buffer.subarray(newline + 1);
      this.replyBytes += newline + 1;
      if (newline > this.limits.maxLineBytes) return this.fail(new SessionFailure('LINE_TOO_LONG', `the server sent a line longer than ${this.limits.maxLineBytes} bytes`));
      this.lines.push(line);
    }
    if (this.buffer.length > this.limits.maxLineBytes) {
      return this.fail(new SessionFailure('LINE_TOO_LONG', `the server sent more than ${this.limits.maxLineBytes} bytes without a line end`));
    }
    if (this.replyBytes + this.buffer.length > this.limits.maxReplyBytes) {
      return this.fail(new SessionFailure('REPLY_TOO_LARGE', `the server sent a reply larger than ${this.limits.maxReplyBytes} bytes`));
    }
    this.deliver();
  }

  private deliver(): void {
    if (this.waiting && this.lines.length > 0) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve(this.lines.shift()!);
    }
  }

  private nextLine(): Promise<string> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.deliver();
    });
  }

  /** The next complete reply; a malformed line fails the session. */
  async reply(): Promise<Reply> {
    this.replyBytes = 0;
    const lines: string[] = [];
    let code: number | null = null;
    for (;;) {
      const line = await this.nextLine();
      const match = /^(\d{3})([ -]|$)(.*)$/.exec(line);
      if (!match || (code !== null && Number(match[1]) !== code)) {
        throw new SessionFailure('BAD_REPLY', `the server answered with something that is not an SMTP reply: ${JSON.stringify(line.slice(0, 80))}`);
      }
      code = Number(match[1]);
      lines.push(match[3]);
      if (match[2] !== '-') return { code, lines };
    }
  }

  /** Stops reading; true when the server had already sent bytes nobody asked for. */
  detach(): boolean {
    this.stream.off('data', this.onData);
    return this.buffer.length > 0 || this.lines.length > 0;
  }
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? 'ERROR';
}

/** A one-line reason; OpenSSL errors give their short reason ("wrong version number"), not the library's trace. */
function oneLine(error: unknown): string {
  const reason = (error as { reason?: unknown }).reason;
  if (typeof reason === 'string' && reason) return reason;
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}

/**
 * A small SMTP client that goes as far as a remote sender would before a transaction:
 * banner, EHLO, STARTTLS, the TLS handshake (with SNI when the target is a name), EHLO again,
 * then QUIT. It never sends MAIL, RCPT or DATA. One deadline covers the whole session and the
 * sockets are always destroyed.
 */
export function createSmtpProbe(limits: SmtpLimits = DEFAULT_SMTP_LIMITS): SmtpProbe {
  // Building a context parses every root given (about 150 for Node's store): done once per list of roots, not per
  // session, and not at all for Node's own store, which a connection given no roots uses as it is.
  const contexts = new WeakMap<string[], SecureContext>();
  const contextFor = (ca: string[]) => {
    let context = contexts.get(ca);
    if (!context) contexts.set(ca, (context = createSecureContext({ ca })));
    return context;
  };
  return {
    async session(target): Promise<SmtpSession> {
      const started = performance.now();
      const session: SmtpSession = {
        host: target.host,
        port: target.port,
        banner: null,
        ehlo: [],
        starttlsOffered: false,
        tls: null,
        failure: null,
        timings: {},
      };
      // The name goes into a command line: anything but a hostname or address literal could smuggle in another command.
      if (!HELO_NAME.test(target.helo)) {
        session.failure = { phase: 'ehlo', code: 'INVALID_HELO', message: `${JSON.stringify(target.helo)} is not a hostname to announce` };
        return session;
      }
      let phase: SmtpPhase = 'connect';
      const mark = (name: SmtpPhase | 'total') => {
        session.timings[name] = Math.round((performance.now() - started) * 10) / 10;
      };

      let abort!: (failure: SessionFailure) => void;
      const aborted = new Promise<never>((_, reject) => {
        abort = reject;
      });
      aborted.catch(() => undefined);
      const within = <T>(step: Promise<T>): Promise<T> => {
        step.catch(() => undefined);
        return Promise.race([step, aborted]);
      };
      const deadline = setTimeout(() => abort(new SessionFailure('ETIMEDOUT', `no progress within the ${target.timeoutMs} ms time limit`)), target.timeoutMs);
      const cancel = () => abort(new SessionFailure('ABORTED', 'stopped: the check ran out of time'));
      if (target.signal?.aborted) cancel();
      target.signal?.addEventListener('abort', cancel, { once: true });

      const servername = target.servername ?? (isIP(target.host) ? undefined : target.host);
      const implicit = target.tls === 'implicit';
      const local = target.localAddress ? { localAddress: target.localAddress } : {};
      // Names are judged by the checks, with mail rules; `authorized` says only whether the chain verifies.
      const tlsOptions = {
        servername,
        rejectUnauthorized: false,
        ...(target.ca && !isNodeStore(target.ca) ? { secureContext: contextFor(target.ca) } : {}),
        checkServerIdentity: () => undefined,
      };
      const socket = implicit ? connectTls({ host: target.host, port: target.port, ...local, ...tlsOptions }) : connectTcp({ host: target.host, port: target.port, ...local });
      let tlsSocket: TLSSocket | null = implicit ? (socket as TLSSocket) : null;
      let channel: Socket = socket;
      const onSocketError = (error: Error) => abort(new SessionFailure(errorCode(error), oneLine(error)));
      const onSocketClose = () => abort(new SessionFailure('EOF', 'the server closed the connection'));
      socket.on('error', onSocketError);
      socket.on('close', onSocketClose);

      let reader = new ReplyReader(socket, limits, abort);
      const command = async (line: string): Promise<Reply> => {
        channel.write(`${line}\r\n`);
        return within(reader.reply());
      };
      const expect = (reply: Reply, code: number) => {
        if (reply.code !== code) throw new SessionFailure(`SMTP_${reply.code}`, `the server answered ${reply.code} ${reply.lines[0] ?? ''}`.trim());
      };
      // QUIT is a courtesy: its answer changes nothing, so it gets a short wait and no error.
      const quit = async () => {
        let wait: NodeJS.Timeout | undefined;
        try {
          channel.write('QUIT\r\n');
          await Promise.race([reader.reply(), aborted, new Promise((resolve) => (wait = setTimeout(resolve, limits.quitWaitMs)))]);
        } catch {
          // the session is already complete
        } finally {
          clearTimeout(wait);
        }
      };

      const secure = async (secured: TLSSocket) => {
        await within(new Promise<void>((resolve) => secured.once('secureConnect', resolve)));
        session.tls = {
          protocol: secured.getProtocol(),
          cipher: secured.getCipher()?.name ?? null,
          authorized: secured.authorized,
          authorizationError: secured.authorizationError ? String(secured.authorizationError) : null,
          chainPem: peerChain(secured),
        };
        mark('tls');
        // The next command leaves in its own segment, not with the client's Finished: a server that writes its
        // TLS 1.3 session tickets apart from its reply (Postfix does) otherwise holds that reply for a delayed ACK, 40 ms.
        await new Promise((resolve) => setImmediate(resolve));
      };

      try {
        if (implicit) {
          // SMTPS: the handshake comes first and the greeting is read over TLS.
          phase = 'tls';
          await secure(socket as TLSSocket);
        } else {
          await within(new Promise<void>((resolve) => socket.once('connect', resolve)));
        }
        mark('connect');

        phase = 'banner';
        const banner = await within(reader.reply());
        expect(banner, 220);
        session.banner = banner.lines[0] ?? '';
        mark('banner');

        phase = 'ehlo';
        const ehlo = await command(`EHLO ${target.helo}`);
        expect(ehlo, 250);
        session.ehlo = ehlo.lines;
        session.starttlsOffered = ehlo.lines.some((line) => /^STARTTLS\b/i.test(line));
        mark('ehlo');
        if (!session.starttlsOffered || implicit || target.tls === 'none') {
          await quit();
          return session;
        }

        phase = 'starttls';
        expect(await command('STARTTLS'), 220);
        mark('starttls');
        if (reader.detach()) throw new SessionFailure('PLAINTEXT_AFTER_STARTTLS', 'the server sent plain text after agreeing to STARTTLS');

        phase = 'tls';
        tlsSocket = connectTls({ socket, ...tlsOptions });
        tlsSocket.on('error', onSocketError);
        tlsSocket.on('close', onSocketClose);
        const secured = tlsSocket;
        await secure(secured);

        phase = 'ehlo-tls';
        channel = secured;
        reader = new ReplyReader(secured, limits, abort);
        const ehloTls = await command(`EHLO ${target.helo}`);
        expect(ehloTls, 250);
        session.ehloAfterTls = ehloTls.lines;
        mark('ehlo-tls');
        await quit();
        return session;
      } catch (error) {
        const failure = error instanceof SessionFailure ? error : new SessionFailure(errorCode(error), oneLine(error));
        session.failure = { phase, code: failure.code, message: failure.message };
        // A server that is still speaking SMTP is told goodbye; one mid-handshake or gone is not.
        if (['ehlo', 'starttls', 'ehlo-tls'].includes(phase) && failure.code.startsWith('SMTP_') && !channel.destroyed) await quit();
        return session;
      } finally {
        clearTimeout(deadline);
        target.signal?.removeEventListener('abort', cancel);
        mark('total');
        socket.off('close', onSocketClose);
        tlsSocket?.off('close', onSocketClose);
        tlsSocket?.destroy();
        socket.destroy();
      }
    },
  };
}
