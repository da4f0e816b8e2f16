// The client's conversation with one gateway: log in/out, requests with block-wise, observe, ping.
import type { Clock, Result } from '../base/index.js';
import {
  Code, ContentFormat, MessageType, OptionNumber, encodeUint, getOption, hasOption, type CoapOption, type Message,
} from '../coap/index.js';
import type { Endpoint, ObservationEndReason, OutgoingRequest, PeerAddress } from '../engine/index.js';
import { completeBlock2, transfer, type SendRequest, type TransferProgress } from './block-transfer.js';
import { requestOptions, type RequestSpec } from './request-spec.js';

/** An open UDP endpoint and the gateway it talks to (built by app/client-app.ts). */
export interface ClientConnection {
  readonly endpoint: Endpoint;
  /** The gateway's resolved address. */
  readonly gateway: PeerAddress;
  /** The gateway as the user named it ("gatewayhost:5683"), for messages. */
  readonly gatewayLabel: string;
  /** Deadlines the engine does not keep itself (the ping's). */
  readonly clock: Clock;
  close(): Promise<void>;
}

export interface CallOptions {
  /** Deadline of each request (each block of a block-wise transfer). */
  readonly timeoutMs: number;
  readonly onProgress?: (progress: TransferProgress) => void;
  readonly signal?: AbortSignal;
}

export interface ObserveHandlers {
  /** Every notification in order, the registration response first, each with its whole body. */
  onNotification(message: Message): void;
  /** A notification whose remaining blocks could not be fetched. */
  onError?(message: string): void;
  onEnd?(reason: ObservationEndReason): void;
}

export interface ObserveHandle {
  /** The registration response; rejects with the engine's RequestError. */
  readonly first: Promise<Message>;
  /** Deregisters (RFC 7641 §3.6: GET with Observe 1 and the same token) and waits for the answer. */
  cancel(): Promise<void>;
}

export interface GatewayClient {
  /** POST /sessions with the token as text (the guide: content-format 0); `?sticky=true` when sticky. */
  login(token: string, sticky: boolean, options: CallOptions): Promise<Message>;
  /** DELETE /sessions: 2.02 Deleted, or 4.12 when there was no session on this socket. */
  logout(options: CallOptions): Promise<Message>;
  /** One request to completion, following Block1/Block2 (RFC 7959). */
  request(spec: RequestSpec, options: CallOptions): Promise<Result<Message, string>>;
  observe(spec: RequestSpec, handlers: ObserveHandlers, options: CallOptions): ObserveHandle;
  /** CoAP ping (RFC 7252 §4.3): the round trip in ms. */
  ping(options: CallOptions): Promise<number>;
}

const ECHO_RETRIES = 1;

export function createGatewayClient(connection: ClientConnection): GatewayClient {
  const { endpoint, gateway } = connection;

  /**
   * RFC 9175 §2.4: a 4.01 carrying Echo asks the client to prove it is reachable by repeating the
   * request with that Echo value; the gateway does this before answering large local resources.
   */
  const sender = (options: CallOptions): SendRequest => {
    const requestOptions = { timeoutMs: options.timeoutMs, ...(options.signal === undefined ? {} : { signal: options.signal }) };
    return async (request) => {
      let current = request;
      for (let attempt = 0; ; attempt++) {
        const response = await endpoint.request(gateway, current, requestOptions);
        const echo = getOption(response, OptionNumber.ECHO);
        if (response.code !== Code.UNAUTHORIZED || echo === undefined || attempt >= ECHO_RETRIES) return response;
        current = { ...current, options: withEcho(current.options ?? [], echo) };
      }
    };
  };

  const local = (method: number, path: string, query: readonly string[], payload?: Buffer): OutgoingRequest => {
    const options: CoapOption[] = [{ number: OptionNumber.URI_PATH, value: Buffer.from(path, 'utf8') }];
    // The guide: the token is POSTed as text/plain (Content-Format 0, "-t 0").
    if (payload !== undefined) options.push({ number: OptionNumber.CONTENT_FORMAT, value: encodeUint(ContentFormat.TEXT_PLAIN) });
    for (const q of query) options.push({ number: OptionNumber.URI_QUERY, value: Buffer.from(q, 'utf8') });
    options.sort((a, b) => a.number - b.number);
    return { code: method, options, ...(payload === undefined ? {} : { payload }) };
  };

  return {
    login: (token, sticky, options) => sender(options)(local(Code.POST, 'sessions', sticky ? ['sticky=true'] : [], Buffer.from(token, 'utf8'))),
    logout: (options) => sender(options)(local(Code.DELETE, 'sessions', [])),
    request: (spec, options) =>
      transfer(sender(options), toOutgoing(spec), {
        ...(spec.blockSzx === undefined ? {} : { blockSzx: spec.blockSzx }),
        ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
      }),
    observe: (spec, handlers, options) => observe(connection, sender(options), spec, handlers, options),
    ping: (options) => ping(connection, options),
  };
}

/** CoAP ping (RFC 7252 §4.3) with the caller's deadline; the engine stops retransmitting at it. */
function ping(connection: ClientConnection, options: CallOptions): Promise<number> {
  return connection.endpoint.ping(connection.gateway, { timeoutMs: options.timeoutMs, ...(options.signal === undefined ? {} : { signal: options.signal }) });
}

function withEcho(options: readonly CoapOption[], echo: Buffer): CoapOption[] {
  return [...options.filter((o) => o.number !== OptionNumber.ECHO), { number: OptionNumber.ECHO, value: echo }].sort((a, b) => a.number - b.number);
}

function toOutgoing(spec: RequestSpec): OutgoingRequest {
  return {
    type: spec.nonConfirmable ? MessageType.NON : MessageType.CON,
    code: spec.method,
    options: requestOptions(spec),
    ...(spec.payload.length === 0 ? {} : { payload: spec.payload }),
  };
}

function observe(connection: ClientConnection, send: SendRequest, spec: RequestSpec, handlers: ObserveHandlers, options: CallOptions): ObserveHandle {
  const request = toOutgoing({ ...spec, method: Code.GET });
  // Notifications that need more blocks are completed one after another, so they stay in order.
  let chain: Promise<void> = Promise.resolve();
  const deliver = (message: Message): void => {
    chain = chain.then(async () => {
      if (!hasOption(message, OptionNumber.BLOCK2)) return handlers.onNotification(message);
      // RFC 7959 §2.6: a notification carries block 0; the rest is fetched with plain GETs.
      const whole = await completeBlock2(send, request, message).catch((e: unknown) => ({ ok: false as const, error: String(e) }));
      if (whole.ok) handlers.onNotification(whole.value);
      else handlers.onError?.(whole.error);
    });
  };
  const observation = connection.endpoint.observe(
    connection.gateway,
    { ...(request.type === undefined ? {} : { type: request.type }), options: request.options ?? [] },
    {
      onNotification: deliver,
      onEnd: (reason) => {
        void chain.then(() => handlers.onEnd?.(reason));
      },
    },
    { timeoutMs: options.timeoutMs, ...(options.signal === undefined ? {} : { signal: options.signal }) },
  );
  return {
    first: observation.first,
    cancel: async () => {
      if (observation.active) await observation.cancel('proactive');
      await chain;
    },
  };
}
