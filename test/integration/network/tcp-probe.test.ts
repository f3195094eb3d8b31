import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';
import { createTcpProbe } from '../../../src/probes/tcp.js';

interface Peer {
  port: number;
  /** What each client sent, by remote address, once it closed. */
  received: Array<{ from: string; data: string }>;
  close(): Promise<void>;
}

/** A loopback server that runs `greet` on each connection and records what the client sent. */
async function startPeer(greet: (socket: Socket) => void): Promise<Peer> {
  const received: Peer['received'] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    const from = socket.remoteAddress ?? '';
    let data = '';
    socket.on('data', (chunk) => (data += chunk.toString('latin1')));
    socket.on('close', () => {
      sockets.delete(socket);
      received.push({ from, data });
    });
    socket.on('error', () => {});
    greet(socket);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  return {
    port,
    received,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

const waitFor = async (test: () => boolean, ms = 2000) => {
  const start = Date.now();
  while (!test()) {
    if (Date.now() - start > ms) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('TCP probe', () => {
  const probe = createTcpProbe();
  const peers: Peer[] = [];
  after(async () => {
    for (const peer of peers) await peer.close();
  });

  it('reads the first banner line, sends only QUIT and closes', async () => {
    const peer = await startPeer((socket) => socket.write('220 mx.test ESMTP ready\r\n250-second line\r\n'));
    peers.push(peer);
    const attempt = await probe.connect({ host: '127.0.0.1', port: peer.port, readBanner: true, timeoutMs: 1000 });
    assert.equal(attempt.outcome, 'banner');
    assert.equal(attempt.banner, '220 mx.test ESMTP ready');
    assert.ok(attempt.ms >= 0 && attempt.ms < 1000);
    await waitFor(() => peer.received.length === 1);
    assert.equal(peer.received[0].data, 'QUIT\r\n');
  });

  it('binds the local address it is given', async () => {
    const peer = await startPeer((socket) => socket.end('220 mx.test ESMTP\r\n'));
    peers.push(peer);
    const attempt = await probe.connect({ host: '127.0.0.1', port: peer.port, localAddress: '127.0.0.2', readBanner: true, timeoutMs: 1000 });
    assert.equal(attempt.outcome, 'banner');
    await waitFor(() => peer.received.length === 1);
    assert.equal(peer.received[0].from, '127.0.0.2');
  });

  it('reports a refused connection with its code', async () => {
    const peer = await startPeer(() => {});
    await peer.close();
    const attempt = await probe.connect({ host: '127.0.0.1', port: peer.port, readBanner: true, timeoutMs: 1000 });
    assert.deepEqual({ outcome: attempt.outcome, code: attempt.code }, { outcome: 'refused', code: 'ECONNREFUSED' });
  });

  it('reports a source address this host does not have as unreachable (EADDRNOTAVAIL), without sending anything', async () => {
    const attempt = await probe.connect({ host: '127.0.0.1', port: 9, localAddress: '192.0.2.199', readBanner: true, timeoutMs: 1000 });
    assert.deepEqual({ outcome: attempt.outcome, code: attempt.code }, { outcome: 'unreachable', code: 'EADDRNOTAVAIL' });
  });

  it('gives a silent server its own banner time limit and then reports it connected, having sent nothing', async () => {
    const peer = await startPeer(() => {});
    peers.push(peer);
    const attempt = await probe.connect({ host: '127.0.0.1', port: peer.port, readBanner: true, timeoutMs: 200 });
    assert.equal(attempt.outcome, 'connected');
    assert.ok(attempt.ms >= 190, `waited ${attempt.ms} ms`);
    await waitFor(() => peer.received.length === 1);
    assert.equal(peer.received[0].data, '');
  });

  it('connects without reading when no banner is asked for', async () => {
    const peer = await startPeer((socket) => socket.write('220 x\r\n'));
    peers.push(peer);
    const attempt = await probe.connect({ host: '127.0.0.1', port: peer.port, readBanner: false, timeoutMs: 1000 });
    assert.equal(attempt.outcome, 'connected');
    assert.equal(attempt.banner, undefined);
    await waitFor(() => peer.received.length === 1);
    assert.equal(peer.received[0].data, '');
  });

  it('caps an endless banner at 512 bytes and makes control characters harmless', async () => {
    const peer = await startPeer((socket) => socket.write('220 \x1b[31mred\x07' + 'x'.repeat(4000)));
    peers.push(peer);
    const attempt = await probe.connect({ host: '127.0.0.1', port: peer.port, readBanner: true, timeoutMs: 1000 });
    assert.equal(attempt.outcome, 'banner');
    assert.equal(attempt.banner!.length, 512);
    assert.ok(attempt.banner!.startsWith('220 ?[31mred?xxx'));
  });

  it('keeps a banner that ends with the connection instead of a newline', async () => {
    const peer = await startPeer((socket) => socket.end('554 go away'));
    peers.push(peer);
    const attempt = await probe.connect({ host: '127.0.0.1', port: peer.port, readBanner: true, timeoutMs: 1000 });
    assert.deepEqual({ outcome: attempt.outcome, banner: attempt.banner }, { outcome: 'banner', banner: '554 go away' });
  });
});
