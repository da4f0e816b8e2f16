// A client-leg tap for e2e tests: a UDP relay between coap-client and the gateway that logs and can drop datagrams.
import { createSocket, type Socket } from 'node:dgram';
import { decode, type Message } from '../../src/coap/index.js';

/** `up` = client -> gateway, `down` = gateway -> client. */
export interface RelayEntry {
  readonly at: number;
  readonly dir: 'up' | 'down';
  /** The coap-client's own socket, `127.0.0.1:<port>`. */
  readonly client: string;
  readonly message: Message;
  readonly dropped: boolean;
}

/** Decides per datagram; `n` counts the client's datagrams in that direction from 1. */
export type DropRule = (dir: 'up' | 'down', message: Message, n: number, client: string) => boolean;

/**
 * Listens on 127.0.0.1 (port 0); each client source gets its own socket towards the gateway, so the
 * gateway sees one stable client socket per client (the session is bound to it).
 */
export class ClientRelay {
  readonly log: RelayEntry[] = [];
  private readonly rules = new Map<string, DropRule>();
  private readonly upstreams = new Map<string, Promise<Socket>>();
  private readonly counts = new Map<string, { up: number; down: number }>();

  private constructor(
    private readonly front: Socket,
    private readonly gatewayPort: number,
  ) {}

  static async start(gatewayPort: number): Promise<ClientRelay> {
    const front = createSocket('udp4');
    await new Promise<void>((done) => front.bind(0, '127.0.0.1', () => done()));
    const relay = new ClientRelay(front, gatewayPort);
    // Datagrams for a client that is gone (a killed coap-client) must not take the relay down.
    front.on('error', () => undefined);
    front.on('message', (data, rinfo) => void relay.fromClient(Buffer.from(data), rinfo.address, rinfo.port));
    return relay;
  }

  /** Where coap-client sends (`-P coap://127.0.0.1:<port>`). */
  get port(): number {
    return this.front.address().port;
  }

  /** Drops datagrams of client port `port` (either direction) where `rule` says so. */
  dropFor(port: number, rule: DropRule): void {
    this.rules.set(`127.0.0.1:${port}`, rule);
  }

  /** Datagrams of client port `port` in one direction (dropped ones included). */
  entries(port: number, dir?: 'up' | 'down'): RelayEntry[] {
    const client = `127.0.0.1:${port}`;
    return this.log.filter((e) => e.client === client && (dir === undefined || e.dir === dir));
  }

  private record(dir: 'up' | 'down', data: Buffer, client: string): boolean {
    const m = decode(data);
    if (!m.ok) return false;
    let count = this.counts.get(client);
    if (count === undefined) {
      count = { up: 0, down: 0 };
      this.counts.set(client, count);
    }
    const n = ++count[dir];
    const dropped = this.rules.get(client)?.(dir, m.value, n, client) ?? false;
    this.log.push({ at: Date.now(), dir, client, message: m.value, dropped });
    return dropped;
  }

  private async fromClient(data: Buffer, address: string, port: number): Promise<void> {
    const key = `${address}:${port}`;
    let up = this.upstreams.get(key);
    if (up === undefined) {
      // A promise in the map: a second datagram of a new client must not open a second socket.
      up = new Promise<Socket>((done) => {
        const socket = createSocket('udp4');
        socket.on('error', () => undefined);
        socket.on('message', (reply) => {
          const buf = Buffer.from(reply);
          if (!this.record('down', buf, key)) this.front.send(buf, port, address);
        });
        socket.bind(0, '127.0.0.1', () => done(socket));
      });
      this.upstreams.set(key, up);
    }
    const socket = await up;
    if (!this.record('up', data, key)) socket.send(data, this.gatewayPort, '127.0.0.1');
  }

  async close(): Promise<void> {
    const sockets = [this.front, ...(await Promise.all(this.upstreams.values()))];
    this.upstreams.clear();
    await Promise.all(sockets.map((s) => new Promise<void>((done) => s.close(() => done()))));
  }
}
