import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import path from 'node:path';
import { createRelayNode, type RelayNode } from './relay-node';
import type { ServerOptions } from './server-options';
import { SignalMetrics } from './signal-metrics';
import { serveStaticFile } from './static-files';

/**
 * The signaling server: one HTTP port serves the app, /healthz, /metrics and /bootstrap.json,
 * and hands every WebSocket upgrade to the libp2p relay. libp2p's WebSocket listener cannot
 * share an http.Server, so it listens on a private loopback port and upgrades are spliced to
 * it as raw TCP (noise still authenticates the relay's peer id end to end).
 */
export class SignalServer {
  readonly metrics = new SignalMetrics();
  private relay: RelayNode | undefined;
  private http: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private boundPort = 0;

  constructor(private readonly options: ServerOptions) {}

  /** The port actually listened on (useful with port 0). */
  get port(): number {
    return this.boundPort;
  }

  get peerId(): string {
    return this.relay?.peerId.toString() ?? '';
  }

  /** The URL to open. */
  get url(): string {
    const host = this.options.host === '0.0.0.0' || this.options.host === '::' ? '127.0.0.1' : this.options.host;
    return `http://${host.includes(':') ? `[${host}]` : host}:${this.boundPort}/`;
  }

  async start(): Promise<void> {
    const http = createServer((request, response) => void this.route(request, response));
    http.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => this.forwardUpgrade(request, socket, head));
    http.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(this.options.port, this.options.host, () => resolve());
    });
    this.http = http;
    this.boundPort = (http.address() as AddressInfo).port;
    const internalPort = await freeLoopbackPort();
    this.relay = await createRelayNode({ internalPort, announce: this.announceAddresses() });
    await this.relay.start();
    this.internalPort = internalPort;
  }

  async stop(): Promise<void> {
    const http = this.http;
    this.http = undefined;
    if (http) {
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      for (const socket of this.sockets) socket.destroy();
      await closed;
    }
    await this.relay?.stop();
    this.relay = undefined;
  }

  private internalPort = 0;

  private announceAddresses(): string[] {
    const hosts =
      this.options.host === '0.0.0.0'
        ? [
            '127.0.0.1',
            ...Object.values(networkInterfaces())
              .flat()
              .filter((address) => address && address.family === 'IPv4' && !address.internal)
              .map((address) => address?.address ?? ''),
          ]
        : [this.options.host];
    return hosts.map((host) => `/ip4/${host}/tcp/${this.boundPort}/ws`);
  }

  private async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = request.method ?? 'GET';
    if (method !== 'GET' && method !== 'HEAD') return this.reject(response, 405, 'only GET and HEAD are served');
    if (url.pathname === '/healthz') return this.answer(response, 'text/plain; charset=utf-8', this.relay ? 'ok\n' : 'starting\n', this.relay ? 200 : 503);
    if (url.pathname === '/metrics') return this.answer(response, 'text/plain; version=0.0.4', this.metrics.render(this.liveGauges()));
    if (url.pathname === '/bootstrap.json') {
      const iceServers = this.options.iceServers.map((url) => ({ urls: url }));
      return this.answer(response, 'application/json', JSON.stringify({ relayPeerId: this.peerId, iceServers }), this.relay ? 200 : 503);
    }
    const served = await serveStaticFile(path.resolve(this.options.appDir), url.pathname, response, method === 'HEAD').catch(() => false);
    if (!served) this.reject(response, 404, `no such file: ${url.pathname}`);
  }

  private liveGauges(): { peers: number; reservations: number; topics: number } {
    const relay = this.relay;
    if (!relay) return { peers: 0, reservations: 0, topics: 0 };
    return {
      peers: relay.getPeers().length,
      reservations: relay.services.relay.reservations.size,
      topics: relay.services.pubsub.getTopics().length,
    };
  }

  private answer(response: ServerResponse, type: string, body: string, status = 200): void {
    response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
    response.end(body);
  }

  private reject(response: ServerResponse, status: number, message: string): void {
    this.metrics.rejectedRequests++;
    this.answer(response, 'text/plain; charset=utf-8', `${message}\n`, status);
  }

  private forwardUpgrade(request: IncomingMessage, socket: Socket, head: Buffer): void {
    const isWebSocket = (request.headers.upgrade ?? '').toLowerCase() === 'websocket';
    if (!isWebSocket || !this.relay || request.url !== '/') {
      this.metrics.rejectedRequests++;
      socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
      return;
    }
    this.metrics.websocketConnections++;
    const upstream = connect(this.internalPort, '127.0.0.1', () => {
      let lines = `${request.method ?? 'GET'} ${request.url} HTTP/${request.httpVersion}\r\n`;
      for (let i = 0; i < request.rawHeaders.length; i += 2) lines += `${request.rawHeaders[i]}: ${request.rawHeaders[i + 1]}\r\n`;
      upstream.write(`${lines}\r\n`);
      if (head.length > 0) upstream.write(head);
      socket.pipe(upstream).pipe(socket);
    });
    const count = (chunk: Buffer): void => {
      this.metrics.relayedBytes += chunk.length;
    };
    socket.on('data', count);
    upstream.on('data', count);
    upstream.setNoDelay(true);
    socket.setNoDelay(true);
    const close = (): void => {
      socket.destroy();
      upstream.destroy();
    };
    for (const end of [socket, upstream]) {
      end.on('error', close);
      end.on('close', close);
    }
  }
}

/** A loopback port nobody listens on right now. */
async function freeLoopbackPort(): Promise<number> {
  const probe = createTcpServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
