// Datagram trace of a bench child (BENCH_TRACE=1): every CoAP datagram it sends or receives, one line
// each, written to TRACE_FILE (default /tmp/gateway-trace.txt) at exit. Loaded with `--import` before
// the child, it wraps node:dgram's Socket send/emit; for diagnosis only (it slows the child down).
import dgram from 'node:dgram';
import { writeFileSync } from 'node:fs';

const TYPES = ['CON', 'NON', 'ACK', 'RST'];
const lines: string[] = [];
const t0 = performance.now();

function record(direction: '<' | '>', b: Uint8Array, address: string, port: number, localPort: number): void {
  if (b.length < 4) return;
  const first = b[0] ?? 0;
  const code = b[1] ?? 0;
  const mid = ((b[2] ?? 0) << 8) | (b[3] ?? 0);
  const token = Buffer.from(b.subarray(4, 4 + (first & 15))).toString('hex');
  const when = (performance.now() - t0).toFixed(1);
  lines.push(`${when} ${direction} ${localPort} ${address}:${port} ${TYPES[(first >> 4) & 3] ?? '?'} ${code >> 5}.${String(code & 31).padStart(2, '0')} mid=${mid} tok=${token}`);
}

type SendArgs = [Uint8Array, ...unknown[]];
const proto = dgram.Socket.prototype as unknown as {
  send(this: dgram.Socket, ...args: SendArgs): void;
  emit(this: dgram.Socket, event: string | symbol, ...args: unknown[]): boolean;
};
const send = proto.send;
const emit = proto.emit;
proto.send = function (this: dgram.Socket, ...args: SendArgs): void {
  // send(buf, port, address) or send(buf, offset, length, port, address)
  const long = typeof args[1] === 'number' && typeof args[2] === 'number';
  const port = (long ? args[3] : args[1]) as number;
  const address = (long ? args[4] : args[2]) as string;
  record('>', args[0], address, port, this.address().port);
  send.apply(this, args);
};
proto.emit = function (this: dgram.Socket, event: string | symbol, ...args: unknown[]): boolean {
  if (event === 'message') {
    const rinfo = args[1] as dgram.RemoteInfo;
    record('<', args[0] as Uint8Array, rinfo.address, rinfo.port, this.address().port);
  }
  return emit.call(this, event, ...args);
};
process.on('exit', () => writeFileSync(process.env.TRACE_FILE ?? '/tmp/gateway-trace.txt', `${lines.join('\n')}\n`));
