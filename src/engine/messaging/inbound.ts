// Inbound: one received datagram through decode, dedup, ACK/RST and on to its exchange (RFC 7252 §4, §5).
import {
  Code,
  decode,
  EMPTY_BUFFER,
  encode,
  isCritical,
  isRequestCode,
  isResponseCode,
  MessageType,
  OPTION_REGISTRY,
  type DecodeError,
  type Message,
} from '../../coap/index.js';
import type { PeerAddress } from '../../transport/index.js';
import type { Core } from '../core.js';
import { engineEvents } from '../events.js';
import type { RequestHandler, ServeOptions } from '../endpoint-types.js';
import { ServerExchangeImpl } from '../exchanges/server-exchange.js';
import { observeValue } from '../observe/observe-option.js';
import { tokenHigh, tokenLow, type Peer } from '../peer.js';
import { NONE } from './dedup-store.js';

/** What the inbound path needs from the endpoint. */
export interface InboundHost extends Core {
  readonly handler: RequestHandler | undefined;
  readonly serveOptions: ServeOptions;
  findPeer(address: PeerAddress): Peer | undefined;
  /** Keeps the peer from being released until the datagram is handled. */
  holdPeer(peer: Peer): void;
  sendTo(address: PeerAddress, datagram: Buffer): void;
}

function emptyMessage(type: MessageType, messageId: number): Buffer {
  return encode({ type, code: 0, messageId, token: EMPTY_BUFFER, options: [], payload: EMPTY_BUFFER });
}

export class Inbound {
  constructor(private readonly host: InboundHost) {}

  receive(data: Buffer, from: PeerAddress): void {
    const decoded = decode(data);
    if (!decoded.ok) {
      this.malformed(decoded.error, from);
      return;
    }
    const m = decoded.value;
    switch (m.type) {
      case MessageType.CON:
      case MessageType.NON:
        if (m.code === 0) {
          // RFC 7252 §4.3: an empty CON is a ping, answered with RST; an empty NON is ignored (§4.1).
          if (m.type === MessageType.CON) this.host.sendTo(from, emptyMessage(MessageType.RST, m.messageId));
        } else if (isRequestCode(m.code)) {
          this.request(m, from);
        } else if (isResponseCode(m.code)) {
          this.response(m, from);
        } else if (m.type === MessageType.CON) {
          // RFC 7252 §4.2: a CON we cannot process is rejected with RST.
          this.host.sendTo(from, emptyMessage(MessageType.RST, m.messageId));
        }
        return;
      case MessageType.ACK: {
        // RFC 7252 §4.2/§5.2.1: an ACK is empty or carries a response; one carrying a request is ignored.
        if (isRequestCode(m.code)) return;
        const peer = this.host.findPeer(from);
        peer?.transmissions.get(m.messageId)?.ackReceived(m);
        return;
      }
      case MessageType.RST: {
        // RFC 7252 §4.2: an RST must be empty; it rejects our CON or NON with that message ID.
        if (m.code !== 0) return;
        const peer = this.host.findPeer(from);
        if (peer === undefined) return;
        const pending = peer.transmissions.get(m.messageId);
        if (pending !== undefined) pending.resetReceived();
        else peer.nonSent.get(m.messageId)?.resetReceived();
        return;
      }
    }
  }

  /** RFC 7252 §3/§4.2: a malformed CON is rejected with RST when its header could be read; else silence. */
  private malformed(error: DecodeError, from: PeerAddress): void {
    const reset =
      error.kind !== 'bad-version' && error.kind !== 'too-short' && error.type === MessageType.CON && error.messageId !== undefined;
    if (engineEvents.malformed.hasSubscribers) {
      engineEvents.malformed.publish({ local: this.host.local, peer: { address: from.address, port: from.port }, kind: error.kind, reset });
    }
    if (reset) this.host.sendTo(from, emptyMessage(MessageType.RST, error.messageId as number));
  }

  private request(m: Message, from: PeerAddress): void {
    const host = this.host;
    const con = m.type === MessageType.CON;
    const peer = host.peerFor(from);
    host.holdPeer(peer);
    const low = tokenLow(m.token);
    const high = tokenHigh(m.token);
    // RFC 7252 §4.5: a duplicate CON gets the same ACK/response again; a duplicate NON is ignored.
    const earlier = host.dedup.find(peer, m.messageId, low, high);
    if (earlier !== NONE) {
      this.duplicate(peer, m.messageId, con ? host.dedup.replyOf(earlier) : undefined);
      return;
    }
    const entry = host.dedup.add(peer, m.messageId, low, high, con, host.clock.now());
    const handler = host.handler;
    if (handler === undefined) {
      // Not a server: RFC 7252 §4.2 rejects a CON it cannot process with RST.
      if (con) {
        const rst = emptyMessage(MessageType.RST, m.messageId);
        host.dedup.setReply(entry, host.dedup.generationOf(entry), rst);
        host.sendDatagram(peer, rst);
      }
      return;
    }
    if (host.serveOptions.rejectUnknownCritical !== false) {
      const bad = this.unknownCritical(m);
      if (bad !== undefined) {
        this.badOption(m, peer, entry, bad);
        return;
      }
    }
    if (peer.observers.size > 0 && (m.code === Code.GET || m.code === Code.FETCH) && observeValue(m) !== 0) {
      // RFC 7641 §3.6/§4.1: Observe 1 (or a GET without Observe) with the token of an entry removes it.
      peer.observers.get(m.token.toString('latin1'))?.deregister();
    }
    const exchange = new ServerExchangeImpl(host, peer, m, peer.address, entry);
    try {
      handler(exchange);
    } catch (error) {
      host.logger.error({ err: error }, 'request handler threw');
      // No stack trace reaches the client: a bare 5.00.
      if (exchange.open) exchange.respond({ code: Code.INTERNAL_SERVER_ERROR });
    }
    exchange.handlerReturned();
  }

  private response(m: Message, from: PeerAddress): void {
    const host = this.host;
    const con = m.type === MessageType.CON;
    const peer = host.findPeer(from);
    if (peer === undefined) {
      this.unexpected(m, from);
      return;
    }
    host.holdPeer(peer);
    const low = tokenLow(m.token);
    const high = tokenHigh(m.token);
    const earlier = host.dedup.find(peer, m.messageId, low, high);
    if (earlier !== NONE) {
      this.duplicate(peer, m.messageId, con ? host.dedup.replyOf(earlier) : undefined);
      return;
    }
    // RFC 7252 §5.3.2: matched by token, from the exact address and port the request went to.
    let holder = peer.tokens.get(low);
    if (holder !== undefined && !holder.token.equals(m.token)) holder = undefined;
    if (holder === undefined) {
      this.unexpected(m, from);
      return;
    }
    const entry = host.dedup.add(peer, m.messageId, low, high, con, host.clock.now());
    if (con) {
      // RFC 7252 §5.2.2: the client ACKs a CON (separate) response; duplicates get the same ACK.
      const ack = emptyMessage(MessageType.ACK, m.messageId);
      host.dedup.setReply(entry, host.dedup.generationOf(entry), ack);
      host.sendDatagram(peer, ack);
    }
    holder.responseReceived(m);
  }

  /** RFC 7252 §4.5: a duplicate CON gets the stored reply again (if any); a duplicate NON nothing. */
  private duplicate(peer: Peer, messageId: number, reply: Buffer | undefined): void {
    if (reply !== undefined) this.host.sendDatagram(peer, reply);
    if (engineEvents.duplicate.hasSubscribers) {
      engineEvents.duplicate.publish({ local: this.host.local, peer: peer.address, messageId, replayed: reply !== undefined });
    }
  }

  /**
   * RFC 7252 §4.2/§5.3.2: an unexpected CON response is rejected with RST. An unexpected NON is
   * ignored, except a notification, whose RST tells the server we forgot it (RFC 7641 §3.6).
   */
  private unexpected(m: Message, from: PeerAddress): void {
    if (m.type === MessageType.CON || observeValue(m) !== undefined) {
      this.host.sendTo(from, emptyMessage(MessageType.RST, m.messageId));
    }
  }

  private unknownCritical(m: Message): number | undefined {
    const known = this.host.serveOptions.knownOptions;
    for (const o of m.options) {
      if (isCritical(o.number) && !OPTION_REGISTRY.has(o.number) && known?.has(o.number) !== true) return o.number;
    }
    return undefined;
  }

  /**
   * RFC 7252 §5.4.1: an unrecognized critical option in a CON request gets 4.02 Bad Option
   * (piggybacked); in a NON request the message is rejected (RST, §4.3).
   */
  private badOption(m: Message, peer: Peer, entry: number, option: number): void {
    if (m.type !== MessageType.CON) {
      this.host.sendDatagram(peer, emptyMessage(MessageType.RST, m.messageId));
      return;
    }
    const reply = encode({
      type: MessageType.ACK,
      code: Code.BAD_OPTION,
      messageId: m.messageId,
      token: m.token,
      options: [],
      payload: Buffer.from(`unrecognized critical option ${option}`),
    });
    this.host.dedup.setReply(entry, this.host.dedup.generationOf(entry), reply);
    this.host.sendDatagram(peer, reply);
  }
}
