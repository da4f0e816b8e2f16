// The mesh's DNS server: answers A/AAAA queries from a DnsZone over UDP (RFC 1035), with a fault switch; garbage never crashes it.
import dgram from 'node:dgram';
import { isIP } from 'node:net';
import dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket, OptAnswer, Packet, Question } from 'dns-packet';
import type { Logger } from '../telemetry/index.js';
import { silentLogger } from '../telemetry/index.js';
import type { DnsZone, ZoneRecord } from './dns-zone.js';

/** `none`: normal; `silent`: drop every query (a dead server); `servfail`: answer every query with SERVFAIL. */
export type DnsFault = 'none' | 'silent' | 'servfail';

export type DnsReplyCode = 'NOERROR' | 'FORMERR' | 'SERVFAIL' | 'NXDOMAIN' | 'NOTIMP' | 'REFUSED' | 'BADVERS';

/** What the server did with one datagram. */
export type DnsReply =
  | { readonly kind: 'reply'; readonly rcode: DnsReplyCode; readonly datagram: Buffer }
  | { readonly kind: 'dropped'; readonly reason: string };

export interface AnswerOptions {
  readonly fault?: DnsFault;
  /** TTL of the SOA in negative answers, i.e. how long resolvers may cache NXDOMAIN/NODATA (RFC 2308 §5). */
  readonly negativeTtlSec?: number;
}

// RFC 1035 §4.1.1 header bits and RCODEs; RFC 6891 §6.1.3 extended RCODE BADVERS = 16.
const QR = 0x8000;
const AA = 0x0400;
const TC = 0x0200;
const RD = 0x0100;
const RCODE: Record<Exclude<DnsReplyCode, 'BADVERS'>, number> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 };
const HEADER_BYTES = 12;
/** RFC 1035 §4.2.1: without EDNS a UDP reply holds at most 512 bytes. */
const CLASSIC_UDP_BYTES = 512;
/** The DNS Flag Day 2020 recommendation for EDNS payloads, to stay clear of IP fragmentation. */
const EDNS_UDP_BYTES = 1232;

/**
 * Answers one datagram (pure: the zone is only read). Queries that cannot be parsed get FORMERR when their
 * header is readable; datagrams shorter than a header, and responses, are dropped.
 */
export function answerDnsQuery(query: Buffer, zone: DnsZone, options: AnswerOptions = {}): DnsReply {
  if (query.length < HEADER_BYTES) return { kind: 'dropped', reason: 'shorter than a DNS header' };
  const id = query.readUInt16BE(0);
  const flags = query.readUInt16BE(2);
  // Answering a response could start a loop between two servers.
  if ((flags & QR) !== 0) return { kind: 'dropped', reason: 'a response, not a query' };
  const fault = options.fault ?? 'none';
  if (fault === 'silent') return { kind: 'dropped', reason: 'fault: silent' };
  const opcodeBits = flags & 0x7800;
  const rd = flags & RD;
  const bare = (rcode: Exclude<DnsReplyCode, 'BADVERS'>): DnsReply => headerOnly(id, opcodeBits | rd | RCODE[rcode], rcode);
  // RFC 1035 §4.1.1: only the standard query (opcode 0) is implemented.
  if (opcodeBits !== 0) return bare('NOTIMP');
  let packet: DecodedPacket;
  try {
    packet = dnsPacket.decode(query);
  } catch {
    return bare('FORMERR');
  }
  const questions = packet.questions ?? [];
  const opts = (packet.additionals ?? []).filter((a): a is OptAnswer => a.type === 'OPT');
  const question = questions[0];
  // One question per query is what every resolver sends; RFC 6891 §6.1.1: more than one OPT is a format error.
  if (questions.length !== 1 || question === undefined || opts.length > 1) return bare('FORMERR');
  const edns = opts[0];
  const reply: Packet = { type: 'response', id, flags: rd, questions: [question], answers: [], authorities: [], additionals: [] };
  if (edns !== undefined) {
    const ours: OptAnswer = { type: 'OPT', name: '.', udpPayloadSize: EDNS_UDP_BYTES, extendedRcode: 0, ednsVersion: 0, flags: 0, flag_do: false, options: [] };
    reply.additionals = [ours];
    // RFC 6891 §6.1.3: a version we do not implement gets BADVERS (extended RCODE 16 = 1 << 4, low bits 0).
    if (edns.ednsVersion > 0) {
      ours.extendedRcode = 1;
      return encodeReply(reply, 'BADVERS', CLASSIC_UDP_BYTES);
    }
  }
  const limit = edns === undefined ? CLASSIC_UDP_BYTES : Math.min(Math.max(edns.udpPayloadSize, CLASSIC_UDP_BYTES), EDNS_UDP_BYTES);
  if (fault === 'servfail') return rcodeReply(reply, 'SERVFAIL', limit);
  if (question.class !== undefined && question.class !== 'IN' && question.class !== 'ANY') return rcodeReply(reply, 'REFUSED', limit);

  const found = zone.lookup(question.name);
  // Outside the served domains: not authoritative, and no recursion offered (RA stays 0).
  if (found.kind === 'refused') return rcodeReply(reply, 'REFUSED', limit);
  reply.flags = (reply.flags ?? 0) | AA;
  const negativeTtlSec = options.negativeTtlSec ?? 5;
  if (found.kind === 'nxdomain') {
    // RFC 2308 §3: a negative answer carries the zone's SOA so resolvers know how long to cache it.
    reply.authorities = [soa(zone, found.domain, negativeTtlSec)];
    return rcodeReply(reply, 'NXDOMAIN', limit);
  }
  const answers: Answer[] = [];
  for (const r of found.records) if (wanted(question, r)) answers.push(record(question.name, r));
  if (answers.length === 0) reply.authorities = [soa(zone, found.domain, negativeTtlSec)]; // RFC 2308 §2.2 NODATA
  reply.answers = answers;
  return rcodeReply(reply, 'NOERROR', limit);
}

function wanted(q: Question, r: ZoneRecord): boolean {
  if (q.type === 'A') return r.family === 4;
  if (q.type === 'AAAA') return r.family === 6;
  // dns-packet names QTYPE 255 (RFC 1035 §3.2.3 "*") ANY.
  return (q.type as string) === 'ANY';
}

function record(name: string, r: ZoneRecord): Answer {
  return { type: r.family === 4 ? 'A' : 'AAAA', name, class: 'IN', ttl: r.ttlSec, data: r.address };
}

function soa(zone: DnsZone, domain: string, negativeTtlSec: number): Answer {
  return {
    type: 'SOA',
    name: domain,
    class: 'IN',
    ttl: negativeTtlSec,
    data: { mname: `ns.${domain}`, rname: `hostmaster.${domain}`, serial: zone.serial >>> 0, refresh: 3600, retry: 600, expire: 86_400, minimum: negativeTtlSec },
  };
}

function rcodeReply(reply: Packet, rcode: Exclude<DnsReplyCode, 'BADVERS'>, limit: number): DnsReply {
  reply.flags = (reply.flags ?? 0) | RCODE[rcode];
  return encodeReply(reply, rcode, limit);
}

function encodeReply(reply: Packet, rcode: DnsReplyCode, limit: number): DnsReply {
  let datagram: Buffer;
  try {
    datagram = dnsPacket.encode(reply);
    if (datagram.length > limit) {
      // RFC 1035 §4.2.1 / RFC 2181 §9: too big for UDP: send the header and question with TC set.
      datagram = dnsPacket.encode({ ...reply, flags: (reply.flags ?? 0) | TC, answers: [], authorities: [] });
    }
  } catch {
    // A question dns-packet decoded but cannot re-encode (hostile label bytes): a bare header still answers.
    return headerOnly(reply.id ?? 0, RCODE.FORMERR | ((reply.flags ?? 0) & RD), 'FORMERR');
  }
  return { kind: 'reply', rcode, datagram };
}

function headerOnly(id: number, flags: number, rcode: DnsReplyCode): DnsReply {
  const datagram = Buffer.alloc(HEADER_BYTES);
  datagram.writeUInt16BE(id, 0);
  datagram.writeUInt16BE((QR | flags) & 0xffff, 2);
  return { kind: 'reply', rcode, datagram };
}

export interface DnsServerOptions {
  /** Address to bind (default 127.0.0.1); an IPv6 address binds a udp6 socket. */
  readonly host?: string;
  /** UDP port; 0 lets the OS choose (default). */
  readonly port?: number;
  readonly zone: DnsZone;
  readonly logger?: Logger;
  /** TTL of negative answers (default 5 s). */
  readonly negativeTtlSec?: number;
}

export interface DnsServerStats {
  readonly queries: number;
  readonly replies: Readonly<Record<DnsReplyCode, number>>;
  readonly dropped: number;
}

export interface RunningDnsServer {
  readonly address: string;
  readonly port: number;
  /** `address:port` (`[v6]:port`), the form a resolver's server list takes. */
  readonly endpoint: string;
  readonly fault: DnsFault;
  /** Switches fault mode at run time, e.g. `silent` to test the gateway's dead-DNS path. */
  setFault(fault: DnsFault): void;
  stats(): DnsServerStats;
  close(): Promise<void>;
}

/** Binds a UDP socket and serves `zone` until closed. Rejects if the address cannot be bound. */
export async function startDnsServer(options: DnsServerOptions): Promise<RunningDnsServer> {
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger ?? silentLogger;
  const answerOptions: { fault: DnsFault; negativeTtlSec: number } = { fault: 'none', negativeTtlSec: options.negativeTtlSec ?? 5 };
  const socket = dgram.createSocket({ type: isIP(host) === 6 ? 'udp6' : 'udp4', recvBufferSize: 4 << 20 });
  let queries = 0;
  let dropped = 0;
  const replies: Record<DnsReplyCode, number> = { NOERROR: 0, FORMERR: 0, SERVFAIL: 0, NXDOMAIN: 0, NOTIMP: 0, REFUSED: 0, BADVERS: 0 };

  socket.on('message', (datagram, rinfo) => {
    queries++;
    let outcome: DnsReply;
    try {
      outcome = answerDnsQuery(datagram, options.zone, answerOptions);
    } catch (e) {
      // answerDnsQuery is written not to throw; this keeps one bad datagram from ever ending the server.
      logger.error({ err: e instanceof Error ? e.message : String(e), from: rinfo.address }, 'dns: unexpected error answering a query');
      outcome = { kind: 'dropped', reason: 'internal error' };
    }
    if (outcome.kind === 'dropped') {
      dropped++;
      logger.debug({ from: `${rinfo.address}:${rinfo.port}`, reason: outcome.reason }, 'dns: datagram dropped');
      return;
    }
    replies[outcome.rcode]++;
    socket.send(outcome.datagram, rinfo.port, rinfo.address, (e) => {
      if (e) logger.debug({ err: e.message, to: `${rinfo.address}:${rinfo.port}` }, 'dns: reply not sent');
    });
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    socket.once('error', onError);
    socket.bind({ address: host, port: options.port ?? 0, exclusive: true }, () => {
      socket.off('error', onError);
      resolve();
    });
  });
  socket.on('error', (e) => logger.warn({ err: e.message }, 'dns: socket error'));
  const bound = socket.address();
  let closed: Promise<void> | undefined;

  return {
    address: bound.address,
    port: bound.port,
    endpoint: bound.family === 'IPv6' ? `[${bound.address}]:${bound.port}` : `${bound.address}:${bound.port}`,
    get fault() {
      return answerOptions.fault;
    },
    setFault(fault) {
      answerOptions.fault = fault;
      logger.info({ fault }, 'dns: fault mode set');
    },
    stats: () => ({ queries, replies: { ...replies }, dropped }),
    close() {
      closed ??= new Promise<void>((resolve) => socket.close(() => resolve()));
      return closed;
    },
  };
}
