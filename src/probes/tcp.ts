import { connect, isIP } from 'node:net';
import type { TcpAttempt, TcpProbe } from './types.js';

/** The longest banner line kept; a peer that sends more without a newline is cut here. */
const MAX_BANNER_BYTES = 512;

const UNREACHABLE = new Set(['EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'EHOSTDOWN', 'ENETDOWN']);

function classify(code: string | undefined): TcpAttempt['outcome'] {
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ETIMEDOUT') return 'timeout';
  if (code && UNREACHABLE.has(code)) return 'unreachable';
  return 'error';
}

/** A banner as text safe to print: control characters (terminal escapes included) become '?'. */
function cleanBanner(bytes: Buffer): string {
  const text = bytes.subarray(0, MAX_BANNER_BYTES).toString('latin1');
  const line = text.split('\n')[0].replace(/\r$/, '');
  return line.replace(/[\x00-\x1f\x7f]/g, '?');
}

/**
 * TCP connections from a chosen local address, with a time limit for the connect and another for
 * the banner. It sends nothing but `QUIT` after a banner, and always destroys the socket.
 */
export function createTcpProbe(): TcpProbe {
  return {
    connect({ host, port, localAddress, readBanner, timeoutMs, signal }): Promise<TcpAttempt> {
      return new Promise((resolve) => {
        const started = performance.now();
        const elapsed = () => Math.round(performance.now() - started);
        const family = localAddress ? isIP(localAddress) : isIP(host);
        const socket = connect({ host, port, localAddress, ...(family ? { family } : {}) });
        let settled = false;
        let connected = false;
        let received = Buffer.alloc(0);
        let timer: NodeJS.Timeout | undefined;

        const finish = (attempt: TcpAttempt, quit = false) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          socket.removeAllListeners('data');
          if (quit && socket.writable) {
            // Say goodbye politely, then close whether or not the peer answers.
            socket.end('QUIT\r\n', () => socket.destroy());
            // A peer that never reads is cut off after a second; a closed socket is let go at once, not held for it.
            const linger = setTimeout(() => socket.destroy(), 1000).unref();
            socket.once('close', () => clearTimeout(linger));
          } else {
            socket.destroy();
          }
          resolve(attempt);
        };

        timer = setTimeout(() => finish({ outcome: 'timeout', ms: elapsed() }), timeoutMs);
        const cancel = () => finish({ outcome: 'error', code: 'ABORTED', ms: elapsed() });
        if (signal?.aborted) cancel();
        signal?.addEventListener('abort', cancel, { once: true });
        socket.once('close', () => signal?.removeEventListener('abort', cancel));
        socket.on('error', (error: NodeJS.ErrnoException) => {
          if (received.length > 0) finish({ outcome: 'banner', banner: cleanBanner(received), code: error.code, ms: elapsed() });
          else if (connected) finish({ outcome: 'connected', code: error.code, ms: elapsed() });
          else finish({ outcome: classify(error.code), code: error.code, ms: elapsed() });
        });
        socket.on('connect', () => {
          connected = true;
          if (!readBanner) return finish({ outcome: 'connected', ms: elapsed() });
          clearTimeout(timer);
          // The banner has its own time limit: a slow greeter is still an open port.
          timer = setTimeout(() => {
            if (received.length > 0) finish({ outcome: 'banner', banner: cleanBanner(received), ms: elapsed() }, true);
            else finish({ outcome: 'connected', ms: elapsed() });
          }, timeoutMs);
          socket.on('data', (chunk: Buffer) => {
            received = Buffer.concat([received, chunk]).subarray(0, MAX_BANNER_BYTES);
            if (received.includes(0x0a) || received.length >= MAX_BANNER_BYTES) {
              finish({ outcome: 'banner', banner: cleanBanner(received), ms: elapsed() }, true);
            }
          });
          socket.on('end', () => {
            if (received.length > 0) finish({ outcome: 'banner', banner: cleanBanner(received), ms: elapsed() });
            else finish({ outcome: 'connected', ms: elapsed() });
          });
        });
      });
    },
  };
}
