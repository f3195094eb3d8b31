import { createSocket, type Socket } from 'node:dgram';

export interface UdpServer {
  port: number;
  server: string;
  /** Queries received so far. */
  received(): number;
  stop(): Promise<void>;
}

async function listen(socket: Socket): Promise<number> {
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return socket.address().port;
}

/** A DNS "server" that reads every query and never answers: the resolver that has died silently. */
export async function startBlackHoleDns(): Promise<UdpServer> {
  const socket = createSocket('udp4');
  let count = 0;
  socket.on('message', () => count++);
  const port = await listen(socket);
  return { port, server: `127.0.0.1:${port}`, received: () => count, stop: () => new Promise((resolve) => socket.close(() => resolve())) };
}

/** A UDP proxy in front of a real DNS server that holds every answer for `delayMs`, like a distant resolver. */
export async function startSlowDns(upstreamPort: number, delayMs: number): Promise<UdpServer> {
  const socket = createSocket('udp4');
  const pending = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let count = 0;
  socket.on('message', (query, client) => {
    count++;
    const upstream = createSocket('udp4');
    pending.add(upstream);
    upstream.on('message', (answer) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        socket.send(answer, client.port, client.address);
      }, delayMs);
      timers.add(timer);
      upstream.close();
      pending.delete(upstream);
    });
    upstream.send(query, upstreamPort, '127.0.0.1');
  });
  const port = await listen(socket);
  return {
    port,
    server: `127.0.0.1:${port}`,
    received: () => count,
    async stop() {
      for (const timer of timers) clearTimeout(timer);
      for (const upstream of pending) upstream.close();
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}
