// Codec benchmark: our decode/encode vs coap-packet's parse/generate on a proxied GET and a 2.05 response.
import { generate, parse, type Packet } from 'coap-packet';
import { Code, MessageType, OptionNumber, decode, encode, type Message } from '../src/coap/index.js';
import { measure, printRatio, printResult, type BenchResult } from './harness.js';

const token = Buffer.from('0123456789abcdef', 'hex');
const proxyUri = Buffer.from('coap://SSN001350050005E7D6.starfish.test:5683/time');

const proxiedGet: Message = {
  type: MessageType.CON,
  code: Code.GET,
  messageId: 0x1234,
  token,
  options: [
    { number: OptionNumber.HOP_LIMIT, value: Buffer.from([16]) },
    { number: OptionNumber.ACCEPT, value: Buffer.alloc(0) },
    { number: OptionNumber.BLOCK2, value: Buffer.from([0x06]) },
    { number: OptionNumber.PROXY_URI, value: proxyUri },
  ],
  payload: Buffer.alloc(0),
};
const proxiedGetPacket: Packet = {
  confirmable: true,
  code: 'GET',
  messageId: 0x1234,
  token,
  options: [
    { name: 'Hop-Limit', value: Buffer.from([16]) },
    { name: 'Accept', value: Buffer.alloc(0) },
    { name: 'Block2', value: Buffer.from([0x06]) },
    { name: 'Proxy-Uri', value: proxyUri },
  ],
};

const payload = Buffer.alloc(64, 0x61);
const content: Message = {
  type: MessageType.ACK,
  code: Code.CONTENT,
  messageId: 0x1234,
  token,
  options: [
    { number: OptionNumber.ETAG, value: Buffer.from([1, 2, 3, 4]) },
    { number: OptionNumber.CONTENT_FORMAT, value: Buffer.alloc(0) },
    { number: OptionNumber.MAX_AGE, value: Buffer.from([60]) },
  ],
  payload,
};
const contentPacket: Packet = {
  ack: true,
  code: '2.05',
  messageId: 0x1234,
  token,
  options: [
    { name: 'ETag', value: Buffer.from([1, 2, 3, 4]) },
    { name: 'Content-Format', value: Buffer.alloc(0) },
    { name: 'Max-Age', value: Buffer.from([60]) },
  ],
  payload,
};

// Both codecs must agree on the bytes before their speed means anything.
for (const [ours, theirs] of [[proxiedGet, proxiedGetPacket], [content, contentPacket]] as const) {
  const a = encode(ours);
  const b = generate(theirs);
  if (!a.equals(b)) throw new Error(`encodings differ:\n ours   ${a.toString('hex')}\n theirs ${b.toString('hex')}`);
  const back = decode(a);
  if (!back.ok || !encode(back.value).equals(a)) throw new Error('our round trip failed');
}

const OURS = 2_000_000;
const THEIRS = 400_000;
let sink = 0;
const results: Array<[string, BenchResult, BenchResult]> = [];
for (const [label, ours, theirs] of [['proxied GET', proxiedGet, proxiedGetPacket], ['2.05 + 64 B payload', content, contentPacket]] as const) {
  const wire = encode(ours);
  const decodeOurs = measure(`decode ${label} (ours)`, OURS, () => {
    const r = decode(wire);
    if (r.ok) sink += r.value.options.length;
  });
  const decodeTheirs = measure(`decode ${label} (coap-packet parse)`, THEIRS, () => {
    sink += parse(wire).options.length;
  });
  const encodeOurs = measure(`encode ${label} (ours)`, OURS, () => {
    sink += encode(ours).length;
  });
  const encodeTheirs = measure(`encode ${label} (coap-packet generate)`, THEIRS, () => {
    sink += generate(theirs).length;
  });
  for (const r of [decodeOurs, decodeTheirs, encodeOurs, encodeTheirs]) printResult(r);
  results.push([`decode ${label}: ours / coap-packet`, decodeOurs, decodeTheirs]);
  results.push([`encode ${label}: ours / coap-packet`, encodeOurs, encodeTheirs]);
  // Issue #2's target: our decode and our encode each at least 3x coap-packet's encode rate.
  results.push([`decode ${label}: ours / coap-packet encode (target 3)`, decodeOurs, encodeTheirs]);
}
for (const [label, ours, theirs] of results) printRatio(label, ours, theirs);
if (sink === 0) console.log('(unreachable)');
