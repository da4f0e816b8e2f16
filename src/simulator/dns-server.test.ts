// Unit tests: DNS answers (RCODEs, SOA, EDNS, truncation, faults), hostile datagrams, and the UDP server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { once } from 'node:events';
import fc from 'fast-check';
import dnsPacket from 'dns-packet';
import type { DecodedPacket, OptAnswer, Packet, RecordType } from 'dns-packet';
import { answerDnsQuery, startDnsServer } from './dns-server.js';
import type { AnswerOptions, DnsReply } from './dns-server.js';
import { createDnsZone } from './dns-zone.js';

const NAME = 'SSN001350050005E7D6.starfish.test';

function zoneWithDevice() {
  const zone = createDnsZone({ domains: ['starfish.test'], defaultTtlSec: 30 });
  zone.add(NAME, '127.1.2.3');
  return zone;
}

function query(name: string, type: RecordType | 'ANY', extra: Partial<Packet> = {}): Buffer {
  return dnsPacket.encode({ type: 'query', id: 0xbeef, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: type as RecordType, name, class: 'IN' }], ...extra });
}

function ask(q: Buffer, options: AnswerOptions = {}, zone = zoneWithDevice()): DecodedPacket & { rcode: string } {
  const r: DnsReply = answerDnsQuery(q, zone, options);
  assert.equal(r.kind, 'reply');
  if (r.kind !== 'reply') throw new Error('unreachable');
  const decoded = dnsPacket.decode(r.datagram) as DecodedPacket & { rcode: string };
  assert.equal(decoded.id, q.readUInt16BE(0), 'the reply carries the query ID');
  assert.equal(decoded.flag_qr, true);
  assert.equal(decoded.rcode, r.rcode === 'BADVERS' ? 'NOERROR' : r.rcode);
  return decoded;
}

test('an A query for a device gets its record, authoritative, question echoed as asked', () => {
  const a = ask(query('ssn001350050005e7d6.STARFISH.test', 'A'));
  assert.equal(a.rcode, 'NOERROR');
  assert.equal(a.flag_aa, true);
  assert.equal(a.flag_rd, true, 'RD is copied (RFC 1035 §4.1.1)');
  assert.equal(a.flag_ra, false);
  assert.deepEqual(a.questions, [{ name: 'ssn001350050005e7d6.STARFISH.test', type: 'A', class: 'IN' }]);
  assert.deepEqual(
    a.answers?.map((x) => [x.name, x.type, 'ttl' in x ? x.ttl : -1, 'data' in x ? x.data : '']),
    [['ssn001350050005e7d6.STARFISH.test', 'A', 30, '127.1.2.3']],
  );
});

test('NODATA and NXDOMAIN carry the SOA whose minimum is the negative TTL (RFC 2308)', () => {
  const nodata = ask(query(NAME, 'AAAA'), { negativeTtlSec: 7 });
  assert.equal(nodata.rcode, 'NOERROR');
  assert.deepEqual(nodata.answers, []);
  const soa = nodata.authorities?.[0];
  assert.equal(soa?.type, 'SOA');
  assert.equal(soa?.name, 'starfish.test');
  assert.equal(soa !== undefined && 'ttl' in soa && soa.ttl, 7);
  assert.equal(soa?.type === 'SOA' && soa.data.minimum, 7);
  const nx = ask(query('SSN0000000000000000.starfish.test', 'A'));
  assert.equal(nx.rcode, 'NXDOMAIN');
  assert.equal(nx.flag_aa, true);
  assert.equal(nx.authorities?.[0]?.type, 'SOA');
});

test('names outside the served domains and non-IN classes are REFUSED, not authoritative', () => {
  const refused = ask(query('example.com', 'A'));
  assert.equal(refused.rcode, 'REFUSED');
  assert.equal(refused.flag_aa, false);
  const chaos = ask(dnsPacket.encode({ type: 'query', id: 7, questions: [{ type: 'TXT', name: 'version.bind', class: 'CH' }] }));
  assert.equal(chaos.rcode, 'REFUSED');
});

test('ANY returns both families; other types get NODATA', () => {
  const zone = zoneWithDevice();
  zone.add(NAME, 'fd00::5');
  const any = ask(query(NAME, 'ANY'), {}, zone);
  assert.deepEqual(any.answers?.map((x) => x.type), ['A', 'AAAA']);
  const mx = ask(query(NAME, 'MX'), {}, zone);
  assert.equal(mx.rcode, 'NOERROR');
  assert.deepEqual(mx.answers, []);
});

test('opcodes other than QUERY get NOTIMP; malformed queries get FORMERR with their ID', () => {
  const status = query(NAME, 'A');
  status.writeUInt16BE(status.readUInt16BE(2) | (2 << 11), 2);
  assert.equal(ask(status).rcode, 'NOTIMP');
  const truncated = query(NAME, 'A').subarray(0, 20);
  assert.equal(ask(truncated).rcode, 'FORMERR');
  const none = dnsPacket.encode({ type: 'query', id: 9, questions: [] });
  assert.equal(ask(none).rcode, 'FORMERR');
  const two = dnsPacket.encode({ type: 'query', id: 9, questions: [{ type: 'A', name: NAME }, { type: 'A', name: NAME }] });
  assert.equal(ask(two).rcode, 'FORMERR');
  const loop = Buffer.from(query(NAME, 'A').subarray(0, 12));
  const pointerToItself = Buffer.concat([loop, Buffer.from([0xc0, 12, 0, 1, 0, 1])]);
  assert.equal(ask(pointerToItself).rcode, 'FORMERR');
});

test('too short datagrams and responses are dropped, never answered', () => {
  const zone = zoneWithDevice();
  assert.deepEqual(answerDnsQuery(Buffer.alloc(11), zone), { kind: 'dropped', reason: 'shorter than a DNS header' });
  const response = dnsPacket.encode({ type: 'response', id: 1, questions: [{ type: 'A', name: NAME }] });
  assert.deepEqual(answerDnsQuery(response, zone), { kind: 'dropped', reason: 'a response, not a query' });
});

test('EDNS: the reply carries OPT; an unknown EDNS version gets BADVERS (RFC 6891 §6.1.3)', () => {
  const opt = (ednsVersion: number): OptAnswer => ({ type: 'OPT', name: '.', udpPayloadSize: 4096, extendedRcode: 0, ednsVersion, flags: 0, flag_do: false, options: [] });
  const v0 = ask(query(NAME, 'A', { additionals: [opt(0)] }));
  const ours = v0.additionals?.[0] as OptAnswer | undefined;
  assert.equal(ours?.type, 'OPT');
  assert.equal(ours?.udpPayloadSize, 1232);
  assert.equal(v0.answers?.length, 1);
  const v1 = ask(query(NAME, 'A', { additionals: [opt(1)] }));
  assert.equal((v1.additionals?.[0] as OptAnswer | undefined)?.extendedRcode, 1);
  assert.deepEqual(v1.answers, []);
  assert.equal(ask(query(NAME, 'A', { additionals: [opt(0), opt(0)] })).rcode, 'FORMERR');
});

test('a reply too big for UDP is truncated (TC) unless EDNS allows it', () => {
  const zone = zoneWithDevice();
  for (let i = 1; i <= 20; i++) zone.add(NAME, `127.1.3.${i}`);
  const plain = ask(query(NAME, 'A'), {}, zone);
  assert.equal(plain.flag_tc, true);
  assert.deepEqual(plain.answers, []);
  const edns = ask(
    query(NAME, 'A', { additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] }] }),
    {},
    zone,
  );
  assert.equal(edns.flag_tc, false);
  assert.equal(edns.answers?.length, 21);
});

test('fault modes: servfail answers SERVFAIL, silent drops', () => {
  assert.equal(ask(query(NAME, 'A'), { fault: 'servfail' }).rcode, 'SERVFAIL');
  assert.deepEqual(answerDnsQuery(query(NAME, 'A'), zoneWithDevice(), { fault: 'silent' }), { kind: 'dropped', reason: 'fault: silent' });
});

test('any datagram gets a well-formed reply with its ID, or is dropped; nothing throws (property)', () => {
  const zone = zoneWithDevice();
  const valid = query(NAME, 'A');
  const datagrams = fc.oneof(
    fc.uint8Array({ maxLength: 600 }).map((u) => Buffer.from(u)),
    // Mutations of a valid query reach deeper into the parser than pure noise does.
    fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }).map((edits) => {
      const b = Buffer.from(valid);
      for (const [i, v] of edits) b[i] = v;
      return b;
    }),
  );
  fc.assert(
    fc.property(datagrams, (d) => {
      const r = answerDnsQuery(d, zone);
      if (r.kind === 'dropped') return true;
      return r.datagram.length >= 12 && r.datagram.readUInt16BE(0) === d.readUInt16BE(0) && (r.datagram[2] ?? 0) >= 0x80;
    }),
    { numRuns: 3000 },
  );
});

test('the UDP server answers, survives garbage, and its fault switch works at run time', async () => {
  const server = await startDnsServer({ zone: zoneWithDevice(), port: 0 });
  const client = dgram.createSocket('udp4');
  try {
    assert.equal(server.address, '127.0.0.1');
    assert.ok(server.port > 0);
    assert.equal(server.endpoint, `127.0.0.1:${server.port}`);
    client.bind(0, '127.0.0.1');
    await once(client, 'listening');
    const replies: DecodedPacket[] = [];
    client.on('message', (m) => replies.push(dnsPacket.decode(m)));
    const send = (b: Buffer): void => client.send(b, server.port, '127.0.0.1');
    const until = async (cond: () => boolean): Promise<void> => {
      while (!cond()) await new Promise<void>((r) => setImmediate(r));
    };
    send(Buffer.from([1, 2, 3]));
    send(Buffer.alloc(300, 0xff));
    server.setFault('silent');
    assert.equal(server.fault, 'silent');
    send(query(NAME, 'A', { id: 1 }));
    await until(() => server.stats().dropped === 3);
    server.setFault('none');
    send(query(NAME, 'A', { id: 2 }));
    await until(() => replies.length === 1);
    assert.equal(replies[0]?.id, 2, 'the query sent while silent was never answered');
    assert.equal(replies[0]?.answers?.length, 1);
    const stats = server.stats();
    assert.equal(stats.queries, 4);
    assert.equal(stats.replies.NOERROR, 1);
  } finally {
    client.close();
    await server.close();
  }
  await server.close(); // idempotent
});

test('the server binds IPv6 loopback and refuses a port in use', async () => {
  const v6 = await startDnsServer({ host: '::1', zone: zoneWithDevice() });
  try {
    assert.equal(v6.endpoint, `[::1]:${v6.port}`);
    const v4 = await startDnsServer({ zone: zoneWithDevice() });
    try {
      await assert.rejects(startDnsServer({ port: v4.port, zone: zoneWithDevice() }), /EADDRINUSE/);
    } finally {
      await v4.close();
    }
  } finally {
    await v6.close();
  }
});
