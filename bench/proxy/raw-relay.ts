// Raw Node.js dgram relay for the proxy benchmark: forwards by Proxy-Uri, rewriting only message ID and token.
//
// It is the floor of what any Node.js proxy can do per datagram: no sessions, no deduplication, no
// retransmission, no option translation (the Proxy-Uri travels on; the bench origin ignores it). The
// upstream message ID and a 4-byte token come from one counter; a ring of 65,536 entries maps them back
// (more than 65,536 exchanges in flight would overwrite the oldest: far above what the bench runs).
// A separate CON response is ACKed to the origin here and sent on to the client as a CON of our own
// (RFC 7252 §5.2.2), whose ACK is dropped. Prints {"port":P} once listening; stdin "mem" prints memory;
// stdin EOF exits. Usage: node .bench-build/raw-relay.js [--host 127.0.0.1] [--port 0] (node-children.ts)
import { createSocket } from 'node:dgram';
import type { RemoteInfo } from 'node:dgram';
import { attachControl } from './child-control.js';

const RING = 65_536;
const PROXY_URI = 35;
const clientPort = new Int32Array(RING);
const clientMid = new Uint16Array(RING);
const upToken = new Uint32Array(RING);
// Tokens copied into one flat array: keeping a slice of the datagram would keep its whole receive buffer.
const clientTok = Buffer.alloc(RING * 8);
const clientTkl = new Uint8Array(RING);
const clientAddr: string[] = new Array<string>(RING).fill('');
let lastAddr = '';
const targets = new Map<string, { address: string; port: number }>();
let counter = 1;
let ourMid = 1;

const args = process.argv.slice(2);
const host = argValue('--host') ?? '127.0.0.1';
const port = Number(argValue('--port') ?? '0');
const front = createSocket('udp4');
const back = createSocket('udp4');

function argValue(name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** The Proxy-Uri option's value (RFC 7252 §3.1 option walk), or undefined. */
function proxyUri(msg: Buffer, tkl: number): string | undefined {
  let i = 4 + tkl;
  let num = 0;
  while (i < msg.length && msg[i] !== 0xff) {
    const b = msg[i++] ?? 0;
    let d = b >> 4;
    let l = b & 15;
    if (d === 13) d = 13 + (msg[i++] ?? 0);
    else if (d === 14) { d = 269 + msg.readUInt16BE(i); i += 2; }
    if (l === 13) l = 13 + (msg[i++] ?? 0);
    else if (l === 14) { l = 269 + msg.readUInt16BE(i); i += 2; }
    if (d === 15 || l === 15 || i + l > msg.length) return undefined;
    num += d;
    if (num === PROXY_URI) return msg.toString('latin1', i, i + l);
    if (num > PROXY_URI) return undefined;
    i += l;
  }
  return undefined;
}

function target(uri: string): { address: string; port: number } | undefined {
  const hit = targets.get(uri);
  if (hit !== undefined) return hit;
  try {
    const u = new URL(uri);
    const t = { address: u.hostname.replace(/^\[|\]$/g, ''), port: u.port === '' ? 5683 : Number(u.port) };
    targets.set(uri, t);
    return t;
  } catch {
    return undefined;
  }
}

function fromClient(msg: Buffer, rinfo: RemoteInfo): void {
  if (msg.length < 4 || msg[0] === undefined) return;
  const tkl = msg[0] & 15;
  const code = msg[1] ?? 0;
  if (code === 0 || code >= 32 || tkl > 8 || msg.length < 4 + tkl) return; // not a request: an ACK of ours
  const uri = proxyUri(msg, tkl);
  const t = uri === undefined ? undefined : target(uri);
  if (t === undefined) return;
  const id = counter;
  counter = (counter + 1) >>> 0 || 1;
  const slot = id & (RING - 1);
  clientPort[slot] = rinfo.port;
  // One string per client address, not one per datagram.
  if (rinfo.address !== lastAddr) lastAddr = rinfo.address;
  clientAddr[slot] = lastAddr;
  clientMid[slot] = msg.readUInt16BE(2);
  msg.copy(clientTok, slot * 8, 4, 4 + tkl);
  clientTkl[slot] = tkl;
  upToken[slot] = id;
  const out = Buffer.allocUnsafe(msg.length - tkl + 4);
  out[0] = (msg[0] & 0xf0) | 4;
  out[1] = code;
  out.writeUInt16BE(slot, 2);
  out.writeUInt32BE(id, 4);
  msg.copy(out, 8, 4 + tkl);
  back.send(out, t.port, t.address);
}

function fromOrigin(msg: Buffer, rinfo: RemoteInfo): void {
  if (msg.length < 4 || msg[0] === undefined) return;
  const type = (msg[0] >> 4) & 3;
  const tkl = msg[0] & 15;
  const code = msg[1] ?? 0;
  const mid = msg.readUInt16BE(2);
  if (code === 0) { // empty ACK or RST: by message ID
    const slot = mid;
    if (clientPort[slot] === 0) return;
    const out = Buffer.from([msg[0] & 0xf0, 0, 0, 0]);
    out.writeUInt16BE(clientMid[slot] ?? 0, 2);
    front.send(out, clientPort[slot] ?? 0, clientAddr[slot]);
    if (type === 3) clientPort[slot] = 0;
    return;
  }
  if (tkl !== 4 || msg.length < 8) return;
  const id = msg.readUInt32BE(4);
  const slot = id & (RING - 1);
  if (upToken[slot] !== id || clientPort[slot] === 0) return;
  if (type === 0) back.send(Buffer.from([0x60, 0, msg[2] ?? 0, msg[3] ?? 0]), rinfo.port, rinfo.address);
  const tkl2 = clientTkl[slot] ?? 0;
  const out = Buffer.allocUnsafe(msg.length - 4 + tkl2);
  out[0] = (msg[0] & 0xf0) | tkl2;
  out[1] = code;
  out.writeUInt16BE(type === 2 ? (clientMid[slot] ?? 0) : (ourMid = (ourMid + 1) & 0xffff), 2);
  clientTok.copy(out, 4, slot * 8, slot * 8 + tkl2);
  msg.copy(out, 4 + tkl2, 8);
  front.send(out, clientPort[slot] ?? 0, clientAddr[slot]);
  clientPort[slot] = 0;
}

front.on('message', fromClient);
back.on('message', fromOrigin);
back.bind(0, host, () => {
  front.bind(port, host, () => {
    console.log(JSON.stringify({ port: front.address().port }));
  });
});
attachControl(() => {
  front.close();
  back.close();
});
