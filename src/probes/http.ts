import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { HttpProbe, HttpResponse } from './types.js';
import { peerChain } from './peer-chain.js';

/** The most of a body kept unless a request asks for more: enough for a health answer or an error page. */
const MAX_BODY_BYTES = 64 * 1024;

/** Control characters (terminal escapes included) become '?': the body is shown in reports. */
function cleanText(bytes: Buffer): string {
  return bytes.toString('utf8').replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '?');
}

/**
 * HTTP and HTTPS GETs with one time limit for the whole exchange. Certificates are not refused but judged:
 * the chain the server sent and whether it verifies against `ca` come back with the response.
 */
export function createHttpProbe(): HttpProbe {
  return {
    get({ url, address, ca, timeoutMs, signal, maxBytes = MAX_BODY_BYTES }): Promise<HttpResponse> {
      return new Promise((resolve) => {
        const started = performance.now();
        const parsed = new URL(url);
        const secure = parsed.protocol === 'https:';
        const hostname = parsed.hostname.replace(/^\[|\]$/g, '');
        let settled = false;
        let tls: HttpResponse['tls'] = null;
        const base = { url, address: address ?? null };
        const finish = (result: Omit<HttpResponse, 'url' | 'address' | 'ms' | 'tls'>) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          signal?.removeEventListener('abort', cancel);
          req.destroy();
          resolve({ ...base, ...result, tls, ms: Math.round(performance.now() - started) });
        };
        const failed = (code: string, message: string) => finish({ status: null, location: null, body: '', failure: { code, message } });

        const options = {
          method: 'GET' as const,
          host: address ?? hostname,
          port: parsed.port ? Number(parsed.port) : secure ? 443 : 80,
          path: `${parsed.pathname}${parsed.search}`,
          headers: { Host: parsed.host, 'User-Agent': 'postal-doctor', Accept: '*/*', Connection: 'close' },
          agent: false as const,
          ...(secure ? { servername: isIP(hostname) ? undefined : hostname, rejectUnauthorized: false, ...(ca ? { ca } : {}) } : {}),
        };
        const req = (secure ? httpsRequest : httpRequest)(options, (response: IncomingMessage) => {
          const chunks: Buffer[] = [];
          let size = 0;
          const done = (truncated: boolean) =>
            finish({
              status: response.statusCode ?? null,
              location: (response.headers.location as string | undefined) ?? null,
              body: cleanText(Buffer.concat(chunks).subarray(0, maxBytes)),
              failure: null,
              ...(truncated ? { truncated } : {}),
            });
          response.on('data', (chunk: Buffer) => {
            chunks.push(chunk);
            size += chunk.length;
            if (size > maxBytes) done(true);
          });
          response.on('end', () => done(false));
          response.on('error', () => done(false));
        });
        req.on('socket', (socket) => {
          if (!secure) return;
          (socket as TLSSocket).once('secureConnect', () => {
            const secured = socket as TLSSocket;
            tls = {
              protocol: secured.getProtocol() ?? null,
              authorized: secured.authorized,
              authorizationError: secured.authorizationError ? String(secured.authorizationError) : null,
              chainPem: peerChain(secured),
            };
          });
        });
        req.on('error', (error: NodeJS.ErrnoException) => failed(error.code ?? 'ERROR', error.message.split('\n')[0] ?? 'error'));
        const timer = setTimeout(() => failed('ETIMEDOUT', `no answer within ${timeoutMs} ms`), timeoutMs);
        const cancel = () => failed('ABORTED', 'stopped: the check ran out of time');
        if (signal?.aborted) cancel();
        signal?.addEventListener('abort', cancel, { once: true });
        req.end();
      });
    },
  };
}
