// UDP transport: a DatagramTransport over one node:dgram socket (IPv4 or IPv6), send errors contained.
import { createSocket, type Socket } from 'node:dgram';
import { lookup as dnsLookup, type LookupOneOptions } from 'node:dns';
import { isIP, isIPv6 } from 'node:net';
import type { DatagramHandler, DatagramTransport, PeerAddress } from './datagram-transport.js';
import { SendBatch } from './send-batch.js';

export interface UdpBindOptions {
  /** Local address to bind, e.g. '127.0.0.1' or '::1' (an IPv6 host makes an udp6 socket). */
  readonly host: string;
  /** 0 lets the OS choose (always 0 in tests). */
  readonly port: number;
  /** SO_RCVBUF to ask for: datagrams arriving while the buffer is full are dropped by the kernel. */
  readonly receiveBufferBytes?: number;
  readonly sendBufferBytes?: number;
  /** Told the buffer sizes the kernel granted when they are smaller than asked (Linux: net.core.rmem_max). */
  readonly onBufferLimited?: (granted: { readonly receiveBytes: number; readonly sendBytes: number }) => void;
  /** Told about socket errors (send failures such as EHOSTUNREACH); they never throw. */
  readonly onError?: (error: Error) => void;
}

const dropDatagram: DatagramHandler = () => undefined;

class UdpTransport implements DatagramTransport {
  private handler: DatagramHandler = dropDatagram;
  private closed = false;
  /** Socket errors seen (sends to unreachable peers and the like). */
  errors = 0;
  /** Sends leave at the end of the event-loop turn, back to back (see SendBatch). */
  private readonly batch = new SendBatch((data, port, address) => this.sendNow(data, port, address));

  constructor(
    private readonly socket: Socket,
    readonly local: PeerAddress,
    private readonly onError: ((error: Error) => void) | undefined,
  ) {
    // rinfo already has `address` and `port`: handing it on avoids one allocation per datagram.
    socket.on('message', (data, rinfo) => this.handler(data, rinfo));
    socket.on('error', (error) => {
      this.errors++;
      this.onError?.(error);
    });
  }

  send(data: Buffer, to: PeerAddress): void {
    if (!this.closed) this.batch.push(data, to.port, to.address);
  }

  private sendNow(data: Buffer, port: number, address: string): void {
    try {
      // Without a callback, asynchronous send errors arrive as 'error' events (counted above).
      this.socket.send(data, port, address);
    } catch (error) {
      // Synchronous failures (bad port, socket gone) must not crash the caller.
      this.errors++;
      this.onError?.(error as Error);
    }
  }

  onDatagram(handler: DatagramHandler): void {
    this.handler = handler;
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    // What this turn sent still leaves (a last reply, a reset), then the socket closes.
    this.batch.flush();
    this.closed = true;
    this.handler = dropDatagram;
    return new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string, family: number) => void;

/**
 * node:dgram resolves every send's address through dns.lookup, which for an IP literal still defers the
 * send by a process.nextTick and two closures. Peers are always IP literals here: they go at once.
 */
function literalLookup(host: string, options: LookupOneOptions | number, callback: LookupCallback): void {
  const literal = isIP(host);
  if (literal !== 0) callback(null, host, literal);
  else dnsLookup(host, typeof options === 'number' ? { family: options } : options, callback);
}

/** Binds a UDP socket and resolves once it listens; rejects on bind errors (EADDRINUSE...). */
export function bindUdp(options: UdpBindOptions): Promise<DatagramTransport> {
  const v6 = isIPv6(options.host);
  // '::' stays dual-stack (IPv4-mapped peers too); a specific IPv6 address is IPv6 only.
  const socket = createSocket({ type: v6 ? 'udp6' : 'udp4', ipv6Only: v6 && options.host !== '::', lookup: literalLookup });
  return new Promise((resolve, reject) => {
    const onBindError = (error: Error): void => {
      try {
        socket.close();
      } catch {
        // already closed
      }
      reject(error);
    };
    socket.once('error', onBindError);
    socket.bind(options.port, options.host, () => {
      socket.off('error', onBindError);
      setBuffers(socket, options);
      const a = socket.address();
      resolve(new UdpTransport(socket, { address: a.address, port: a.port }, options.onError));
    });
  });
}

/** Applies the buffer sizes; a refusal or a cap is reported, never thrown (the socket still works). */
function setBuffers(socket: Socket, options: UdpBindOptions): void {
  const { receiveBufferBytes: rcv, sendBufferBytes: snd } = options;
  if (rcv === undefined && snd === undefined) return;
  try {
    if (rcv !== undefined) socket.setRecvBufferSize(rcv);
    if (snd !== undefined) socket.setSendBufferSize(snd);
    // Linux reports twice the granted size (bookkeeping overhead), capped by rmem_max / wmem_max.
    const receiveBytes = socket.getRecvBufferSize();
    const sendBytes = socket.getSendBufferSize();
    if ((rcv !== undefined && receiveBytes < rcv) || (snd !== undefined && sendBytes < snd)) options.onBufferLimited?.({ receiveBytes, sendBytes });
  } catch (error) {
    options.onError?.(error as Error);
  }
}
