// Lazily created state of the ETSI plugtest resources, and the fixed bodies they serve.
import { ContentFormat } from '../../coap/index.js';
import type { PlugtestState } from '../device-state.js';
import type { DeviceContext } from '../resources/resource.js';

/** A text body of `bytes` bytes, numbered lines so a mixed-up block shows. */
export function numberedText(title: string, bytes: number): Buffer {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const line = `${title} line ${String(i).padStart(4, '0')}: the quick brown fox jumps over the lazy dog\n`;
    lines.push(line);
    size += line.length;
  }
  return Buffer.from(lines.join('').slice(0, bytes), 'utf8');
}

/** /large: more than two 1024-byte blocks (TD_COAP_BLOCK_01/02/06). */
export const LARGE_BODY = numberedText('large', 2700);

export function plugtestState(ctx: DeviceContext): PlugtestState {
  ctx.state.plugtest ??= {
    test: { payload: Buffer.from('Test resource of the CoAP plugtest profile', 'utf8'), format: ContentFormat.TEXT_PLAIN },
    obs: { value: 0, payload: undefined, format: ContentFormat.TEXT_PLAIN, deleted: false },
    validate: { payload: Buffer.from('Validate resource, version 1', 'utf8'), version: 1 },
    create1: undefined,
    largeUpdate: LARGE_BODY,
    largeCreated: new Map(),
    nextCreatedId: 1,
    pumping: 0,
  };
  return ctx.state.plugtest;
}
