// LocalResource: the shape of a resource the gateway serves itself (/help, /sessions, /echo, /.well-known/core).
import type { Message } from '../../coap/index.js';
import type { ResponseParts } from '../errors.js';

/** The client's UDP socket, which a session is bound to. */
export interface ClientSocket {
  readonly address: string;
  readonly port: number;
}

export interface LocalRequest {
  readonly message: Message;
  readonly from: ClientSocket;
  /** Size of the request datagram in bytes (for RFC 7252 §11.3 amplification limits). */
  readonly requestBytes: number;
  /** Whether the client socket has a live session (its address is then verified). */
  readonly hasSession: boolean;
}

/** RFC 6690 target attributes of a local resource, as listed in /.well-known/core. */
export interface LinkAttributes {
  readonly rt?: string;
  readonly if?: string;
  readonly title?: string;
  readonly ct?: number;
}

export interface LocalResource {
  /** Absolute path, e.g. "/help". */
  readonly path: string;
  /** Method codes this resource answers; others get 4.05. */
  readonly methods: readonly number[];
  readonly link: LinkAttributes;
  /** False for an alias that /.well-known/core does not list. */
  readonly listed?: boolean;
  handle(request: LocalRequest): ResponseParts | Promise<ResponseParts>;
}
