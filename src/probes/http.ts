import { request } from 'node:https';
import type { HttpProbe, HttpsAnswer } from './types.js';

/** The real HTTPS probe: one GET, the certificate verified for the name, the body never read. */
export function createHttpProbe(): HttpProbe {
  return {
    get({ address, port, servername, path, timeoutMs, ca, signal }): Promise<HttpsAnswer> {
      const started = performance.now();
      const ms = () => Math.round(performance.now() - started);
      return new Promise((resolve) => {
        let settled = false;
        const finish = (answer: Omit<HttpsAnswer, 'ms'>) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          req.destroy();
          resolve({ ...answer, ms: ms() });
        };
        const req = request({
          host: address,
          port,
          servername,
          path,
          method: 'GET',
          headers: { host: servername, 'user-agent': 'postal-doctor' },
          ...(ca ? { ca } : {}),
          rejectUnauthorized: true,
          agent: false,
          signal,
        });
        const timer = setTimeout(() => finish({ outcome: 'timeout', detail: `no answer from ${address}:${port} within ${timeoutMs} ms` }), timeoutMs);
        req.on('response', (response) => {
          response.resume();
          finish({ outcome: 'answered', status: response.statusCode });
        });
        req.on('error', (error: NodeJS.ErrnoException) => {
          const code = error.code ?? error.name;
          if (code === 'ECONNREFUSED') return finish({ outcome: 'refused', detail: `connection refused by ${address}:${port}` });
          if (code === 'ABORT_ERR') return finish({ outcome: 'timeout', detail: 'stopped: the check ran out of time' });
          const tls = /^(ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED)|^ERR_SSL_|EPROTO/.test(code) || /certificate|ssl|tls/i.test(error.message);
          finish({ outcome: tls ? 'tls' : 'error', detail: `${code}: ${error.message.split('\n')[0]}` });
        });
        req.end();
      });
    },
  };
}
