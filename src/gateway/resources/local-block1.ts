// Block1 for local resources (RFC 7959 §2.5, atomic): a token longer than one block can still be POSTed.
import type { Clock } from '../../base/index.js';
import { BoundedMap } from '../../base/index.js';
import { Code, OptionNumber, decodeBlock, encodeBlock, encodeUint, getOption, type CoapOption, type Message } from '../../coap/index.js';
import { errorResponse, gatewayError, type ResponseParts } from '../errors.js';

interface Upload {
  readonly parts: Buffer[];
  size: number;
  next: number;
  readonly startedAtMs: number;
}

export type Block1Outcome =
  /** The whole request body is here (Block1 removed); `ack` goes on the final response, if any. */
  | { readonly kind: 'complete'; readonly message: Message; readonly ack: CoapOption | undefined }
  /** Answer this now (2.31 Continue, or an error). */
  | { readonly kind: 'respond'; readonly response: ResponseParts };

export class Block1Assembler {
  private readonly uploads: BoundedMap<string, Upload>;

  constructor(
    private readonly clock: Clock,
    /** Largest body accepted (4.13 beyond, RFC 7959 §2.9.3). */
    private readonly maxBytes = 8192,
    private readonly ttlMs = 60_000,
    maxUploads = 1000,
  ) {
    this.uploads = new BoundedMap(maxUploads);
  }

  /** `key` names the client and resource (uploads of different clients never mix). */
  feed(key: string, message: Message): Block1Outcome {
    const raw = getOption(message, OptionNumber.BLOCK1);
    if (raw === undefined) return { kind: 'complete', message, ack: undefined };
    const block = decodeBlock(raw);
    // RFC 7959 §2.2: a malformed Block1 (or SZX 7) is 4.00.
    if (!block.ok) return { kind: 'respond', response: errorResponse(gatewayError('bad-request', `Block1: ${block.error}`)) };
    const { num, more, szx, size } = block.value;
    let upload = this.uploads.get(key);
    if (upload !== undefined && this.clock.now() - upload.startedAtMs > this.ttlMs) upload = undefined;
    if (num === 0) {
      upload = { parts: [], size: 0, next: 0, startedAtMs: this.clock.now() };
      this.uploads.set(key, upload);
    }
    if (upload === undefined || num !== upload.next || (more && message.payload.length !== size)) {
      this.uploads.delete(key);
      // RFC 7959 §2.9.2: blocks missing or out of order.
      return { kind: 'respond', response: errorResponse(gatewayError('bad-request', 'Block1: blocks missing or out of order')) };
    }
    upload.size += message.payload.length;
    if (upload.size > this.maxBytes) {
      this.uploads.delete(key);
      const response = errorResponse(gatewayError('request-too-large', `At most ${this.maxBytes} bytes`));
      return { kind: 'respond', response: { ...response, options: [...response.options, { number: OptionNumber.SIZE1, value: encodeUint(this.maxBytes) }].sort((a, b) => a.number - b.number) } };
    }
    upload.parts.push(Buffer.from(message.payload));
    upload.next++;
    const ack: CoapOption = { number: OptionNumber.BLOCK1, value: encodeBlock({ num, more, szx }) };
    // RFC 7959 §2.3: 2.31 Continue acknowledges an intermediate block of an atomic upload.
    if (more) return { kind: 'respond', response: { code: Code.CONTINUE, options: [ack], payload: Buffer.alloc(0) } };
    this.uploads.delete(key);
    const options = message.options.filter((o) => o.number !== OptionNumber.BLOCK1 && o.number !== OptionNumber.SIZE1);
    return { kind: 'complete', message: { ...message, options, payload: Buffer.concat(upload.parts) }, ack };
  }

  get pending(): number {
    return this.uploads.size;
  }
}
