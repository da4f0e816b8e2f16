// Engine events: typed diagnostics channels (the only way engine facts leave for metrics and logs).
import { channel } from '../telemetry/index.js';
import type { PeerAddress } from '../transport/index.js';

export interface RetransmitEvent {
  readonly local: PeerAddress;
  readonly peer: PeerAddress;
  readonly messageId: number;
  /** 1 for the first retransmission. */
  readonly attempt: number;
}

export interface GiveUpEvent {
  readonly local: PeerAddress;
  readonly peer: PeerAddress;
  readonly messageId: number;
}

export interface DuplicateEvent {
  readonly local: PeerAddress;
  readonly peer: PeerAddress;
  readonly messageId: number;
  /** True when a stored ACK/RST/response was sent again. */
  readonly replayed: boolean;
}

export interface MalformedEvent {
  readonly local: PeerAddress;
  readonly peer: PeerAddress;
  /** The codec's DecodeErrorKind. */
  readonly kind: string;
  /** True when it was answered with RST (a CON whose header could be read). */
  readonly reset: boolean;
}

/** Subscribe with `engineEvents.retransmit.subscribe(fn)`; publishing costs nothing without subscribers. */
export const engineEvents = {
  retransmit: channel<RetransmitEvent>('engine.retransmit'),
  giveUp: channel<GiveUpEvent>('engine.give-up'),
  duplicate: channel<DuplicateEvent>('engine.duplicate'),
  malformed: channel<MalformedEvent>('engine.malformed'),
} as const;
