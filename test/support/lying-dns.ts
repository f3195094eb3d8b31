import { createSocket } from 'node:dgram';
import type { UdpServer } from './slow-dns.js';

/** RFC 1035 §4.1.1 response codes a lying or locked-down resolver gives for every question. */
const RCODES = { nxdomain: 3, refused: 5 } as const;

/**
 * A DNS "resolver" that answers every question with the same response code and nothing else: `nxdomain` is a
 * captive portal or broken forwarder denying every name, `refused` a resolver that serves nobody.
 */
export async function startLyingDns(answer: keyof typeof RCODES): Promise<UdpServer> {
  const socket = createSocket('udp4');
  let count = 0;
  socket.on('message', (query, client) => {
    count++;
    if (query.length < 12) return;
    // Header + the question (labels up to the root label, then type and class); EDNS records are dropped.
    let end = 12;
    while (end < query.length && query[end] !== 0) end += query[end] + 1;
    end += 5;
    if (end > query.length) return;
    const reply = Buffer.from(query.subarray(0, end));
    reply[2] = 0x80 | (query[2] & 0x01); // QR, RD copied
    reply[3] = 0x80 | RCODES[answer]; // RA, RCODE
    reply.writeUInt16BE(1, 4);
    reply.writeUInt32BE(0, 6);
    reply.writeUInt16BE(0, 10);
    socket.send(reply, client.port, client.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  return { port, server: `127.0.0.1:${port}`, received: () => count, stop: () => new Promise((resolve) => socket.close(() => resolve())) };
}
