import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * Round-trip latency without netem: forwarders that hold traffic for a settable time. `rttMs` may be changed
 * between runs. The kernel's TCP handshake is not delayed; every byte is, by half the round trip each way.
 */
export interface Delay {
  rttMs: number;
}

const TYPE_NAMES: Record<number, string> = { 1: 'A', 2: 'NS', 5: 'CNAME', 6: 'SOA', 12: 'PTR', 15: 'MX', 16: 'TXT', 28: 'AAAA', 33: 'SRV', 43: 'DS', 48: 'DNSKEY', 257: 'CAA' };

/** `name TYPE` of a DNS message's first question, or null when it has none that can be read. */
export function dnsQuestion(message: Buffer): string | null {
  if (message.length < 12 || message.readUInt16BE(4) < 1) return null;
  const labels: string[] = [];
  let offset = 12;
  for (;;) {
    if (offset >= message.length) return null;
    const length = message[offset];
    if (length === 0) break;
    if (length & 0xc0) return null; // queries never compress their question
    labels.push(message.toString('latin1', offset + 1, offset + 1 + length));
    offset += 1 + length;
  }
  if (offset + 3 > message.length) return null;
  const type = message.readUInt16BE(offset + 1);
  return `${labels.join('.').toLowerCase() || '.'} ${TYPE_NAMES[type] ?? `TYPE${type}`}`;
}

/** What a DNS forwarder saw: every question, in arrival order, and over which transport. */
export class QuestionLog {
  readonly asked: Array<{ question: string; transport: 'udp' | 'tcp' }> = [];
  reset(): void {
    this.asked.length = 0;
  }
  /** A question as one server received it: the same question asked of two servers is two questions. */
  record(message: Buffer, transport: 'udp' | 'tcp', server: string): void {
    this.asked.push({ question: `${dnsQuestion(message) ?? '(unreadable)'} @${server}`, transport });
  }
  summary(): { total: number; distinct: number; tcp: number; repeated: Array<[string, number]> } {
    const counts = new Map<string, number>();
    for (const { question } of this.asked) counts.set(question, (counts.get(question) ?? 0) + 1);
    const repeated = [...counts].filter(([, count]) => count > 1).sort((a, b) => b[1] - a[1]);
    return { total: this.asked.length, distinct: counts.size, tcp: this.asked.filter((entry) => entry.transport === 'tcp').length, repeated };
  }
}

export interface Forwarder {
  close(): Promise<void>;
}

async function listenTcp(server: Server, host: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => (server.off('error', reject), resolve()));
  });
}

/**
 * A TCP proxy from host:port to upstream that holds each chunk for half the round trip in each direction.
 * `tap` sees what clients send (before the delay).
 */
export async function startTcpDelay(
  listen: { host: string; port: number },
  upstream: { host: string; port: number },
  delay: Delay,
  tap?: (client: Socket) => (chunk: Buffer) => void,
): Promise<Forwarder> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const later = (action: () => void) => {
    const half = delay.rttMs / 2;
    if (half <= 0) return action();
    const timer = setTimeout(() => (timers.delete(timer), action()), half);
    timers.add(timer);
  };
  const server = createServer((client) => {
    const server = connect(upstream);
    for (const socket of [client, server]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
    }
    const observe = tap?.(client);
    client.on('data', (chunk: Buffer) => {
      observe?.(chunk);
      later(() => server.write(chunk));
    });
    server.on('data', (chunk: Buffer) => later(() => client.write(chunk)));
    client.on('end', () => later(() => server.end()));
    server.on('end', () => later(() => client.end()));
    client.on('close', () => later(() => server.destroy()));
    server.on('close', () => later(() => client.destroy()));
  });
  await listenTcp(server, listen.host, listen.port);
  return {
    async close() {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Splits a DNS-over-TCP stream (two-byte length before each message) into messages. */
function tcpMessages(onMessage: (message: Buffer) => void): (chunk: Buffer) => void {
  let buffer = Buffer.alloc(0);
  return (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    while (buffer.length >= 2 && buffer.length >= 2 + buffer.readUInt16BE(0)) {
      onMessage(buffer.subarray(2, 2 + buffer.readUInt16BE(0)));
      buffer = buffer.subarray(2 + buffer.readUInt16BE(0));
    }
  };
}

/**
 * A DNS forwarder on UDP and TCP at host:port in front of an authoritative server on 127.0.0.1:upstreamPort:
 * each answer comes back one round trip late, and every question is logged where it arrives.
 */
export async function startDnsDelay(listen: { host: string; port: number }, upstreamPort: number, delay: Delay, log: QuestionLog): Promise<Forwarder> {
  // A receive buffer the size a resolver gives itself (unbound's so-rcvbuf: 4m): a whole run's questions arrive in
  // bursts of hundreds, and this forwarder, not the doctor, should not be what drops them (capped by net.core.rmem_max).
  const udp = createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  // One socket towards the server, answers matched to clients by message ID (the client makes IDs unique while
  // its questions are open); a question whose ID is already open gets a socket of its own.
  const upstream = createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  const open = new Map<number, { port: number; address: string }>();
  const extra = new Set<UdpSocket>();
  const timers = new Set<NodeJS.Timeout>();
  const answer = (message: Buffer, client: { port: number; address: string }) => {
    const send = () => udp.send(message, client.port, client.address);
    if (delay.rttMs <= 0) return send();
    const timer = setTimeout(() => (timers.delete(timer), send()), delay.rttMs);
    timers.add(timer);
  };
  upstream.on('message', (message) => {
    const id = message.readUInt16BE(0);
    const client = open.get(id);
    if (!client) return;
    open.delete(id);
    answer(message, client);
  });
  udp.on('message', (query, client) => {
    log.record(query, 'udp', listen.host);
    const id = query.readUInt16BE(0);
    if (!open.has(id)) {
      open.set(id, { port: client.port, address: client.address });
      upstream.send(query, upstreamPort, '127.0.0.1');
      return;
    }
    const own = createSocket('udp4');
    extra.add(own);
    own.on('message', (message) => {
      own.close();
      extra.delete(own);
      answer(message, client);
    });
    own.send(query, upstreamPort, '127.0.0.1');
  });
  await new Promise<void>((resolve) => upstream.bind(0, '127.0.0.1', resolve));
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(listen.port, listen.host, () => (udp.off('error', reject), resolve()));
  });
  const tcp = await startTcpDelay(listen, { host: '127.0.0.1', port: upstreamPort }, delay, () => tcpMessages((message) => log.record(message, 'tcp', listen.host)));
  return {
    async close() {
      for (const timer of timers) clearTimeout(timer);
      for (const own of extra) own.close();
      upstream.close();
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      await tcp.close();
    },
  };
}
