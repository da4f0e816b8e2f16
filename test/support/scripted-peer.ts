// ScriptedPeer: a raw CoAP peer on a MemoryNetwork for lockstep tests: sends exact messages, records all.
import assert from 'node:assert/strict';
import { decode, encode, EMPTY_BUFFER, type CoapOption, type Message, type MessageType } from '../../src/coap/index.js';
import type { DatagramTransport, MemoryNetwork, PeerAddress } from '../../src/transport/index.js';
import type { FakeClock } from './fake-clock.js';

export interface Received {
  readonly at: number;
  readonly message: Message;
  readonly raw: Buffer;
}

export interface MessageInit {
  readonly type: MessageType;
  readonly code: number;
  readonly messageId: number;
  readonly token?: Buffer;
  readonly options?: readonly CoapOption[];
  readonly payload?: Buffer | string;
}

export function makeMessage(init: MessageInit): Message {
  return {
    type: init.type,
    code: init.code,
    messageId: init.messageId,
    token: init.token ?? EMPTY_BUFFER,
    options: init.options ?? [],
    payload: typeof init.payload === 'string' ? Buffer.from(init.payload) : (init.payload ?? EMPTY_BUFFER),
  };
}

export class ScriptedPeer {
  readonly received: Received[] = [];
  private readonly transport: DatagramTransport;

  constructor(
    network: MemoryNetwork,
    private readonly clock: FakeClock,
    address = '10.9.9.9',
    port = 0,
  ) {
    this.transport = network.bind(address, port);
    this.transport.onDatagram((data, _from) => {
      const raw = Buffer.from(data);
      const decoded = decode(raw);
      assert.ok(decoded.ok, `the endpoint sent a malformed datagram: ${raw.toString('hex')}`);
      this.received.push({ at: this.clock.now(), message: decoded.value, raw });
    });
  }

  get address(): PeerAddress {
    return this.transport.local;
  }

  send(to: PeerAddress, message: MessageInit | Buffer): void {
    this.transport.send(Buffer.isBuffer(message) ? message : encode(makeMessage(message)), to);
  }

  /** Removes and returns everything received so far. */
  takeAll(): Received[] {
    return this.received.splice(0, this.received.length);
  }

  /** Removes and returns the one message received; fails if there is not exactly one. */
  takeOne(): Message {
    const all = this.takeAll();
    assert.equal(all.length, 1, `expected one message, got ${all.length}: ${all.map((r) => describe(r.message)).join(', ')}`);
    return (all[0] as Received).message;
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}

/** "CON 0.01 mid=5 tok=0a0b" for assertion messages. */
export function describe(m: Message): string {
  const type = ['CON', 'NON', 'ACK', 'RST'][m.type] ?? '?';
  return `${type} ${m.code >>> 5}.${String(m.code & 31).padStart(2, '0')} mid=${m.messageId} tok=${m.token.toString('hex')}`;
}
