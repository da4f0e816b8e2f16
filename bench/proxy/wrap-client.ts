// One client socket that sends CON GETs through a proxy in runs, so several runs come from the SAME client
// (the C load generator opens new sockets per process): what per-client state grows when its message IDs wrap.
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { Code, MessageType, OptionNumber, decode, encode, makeOptions, type CoapOption } from '../../src/coap/index.js';

export interface WrapRun {
  readonly sent: number;
  /** 2.xx responses. */
  readonly ok: number;
  /** No response within the timeout (no retransmission: a loss shows). */
  readonly lost: number;
  readonly codes: Readonly<Record<string, number>>;
}

export interface WrapClient {
  /** Sends `count` requests, `window` outstanding at a time; message IDs continue from the last run. */
  run(count: number): Promise<WrapRun>;
  close(): Promise<void>;
}

export interface WrapClientOptions {
  /** "127.0.0.1:port" of the proxy. */
  readonly dest: string;
  /** Sent as Proxy-Uri. */
  readonly uri: string;
  readonly window: number;
  readonly timeoutMs: number;
  /** POST /sessions with this file's text first (our gateway). */
  readonly loginFile?: string;
}

interface Pending {
  readonly token: number;
  readonly sentAt: number;
}

const codeText = (c: number): string => `${c >>> 5}.${String(c & 31).padStart(2, '0')}`;

export async function openWrapClient(o: WrapClientOptions): Promise<WrapClient> {
  const [host, portText] = o.dest.split(':') as [string, string];
  const port = Number(portText);
  const socket: Socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => resolve());
  });
  let nextMid = 1;
  let nextToken = 1;
  const tokenOf = (n: number): Buffer => {
    const t = Buffer.alloc(8);
    t.writeUInt32BE(0xb0b0b0b0, 0);
    t.writeUInt32BE(n >>> 0, 4);
    return t;
  };
  const send = (code: number, options: readonly CoapOption[], payload: Buffer, mid: number, token: number): void => {
    socket.send(encode({ type: MessageType.CON, code, messageId: mid, token: tokenOf(token), options, payload }), port, host);
  };
  /** Per-run state; one run at a time. */
  let onAnswer: (mid: number, token: number, code: number) => void = () => undefined;
  socket.on('message', (data) => {
    const d = decode(data);
    if (!d.ok) return;
    const m = d.value;
    // RFC 7252 §5.2.2: a separate (CON) response is acknowledged; an empty ACK just means "later".
    if (m.type === MessageType.CON) {
      socket.send(encode({ type: MessageType.ACK, code: 0, messageId: m.messageId, token: Buffer.alloc(0), options: [], payload: Buffer.alloc(0) }), port, host);
    }
    if (m.code === 0 || m.token.length !== 8) return;
    onAnswer(m.type === MessageType.ACK ? m.messageId : -1, m.token.readUInt32BE(4), m.code);
  });

  if (o.loginFile !== undefined) {
    const jwt = Buffer.from(readFileSync(o.loginFile, 'utf8').trim());
    const options = makeOptions([[OptionNumber.URI_PATH, 'sessions'], [OptionNumber.CONTENT_FORMAT, 0]]);
    const token = nextToken++;
    const code = await new Promise<number>((resolve) => {
      let tries = 0;
      const mid = nextMid++;
      const again = (): void => {
        if (++tries > 10) return resolve(0);
        send(Code.POST, options, jwt, mid, token);
        timer = setTimeout(again, 1000);
      };
      let timer = setTimeout(again, 0);
      onAnswer = (_mid, t, c) => {
        if (t !== token) return;
        clearTimeout(timer);
        resolve(c);
      };
    });
    if (code !== Code.CREATED) throw new Error(`wrap client login: ${code === 0 ? 'no answer' : codeText(code)}`);
  }

  const proxyUri = makeOptions([[OptionNumber.PROXY_URI, o.uri]]);
  const empty = Buffer.alloc(0);
  return {
    run: (count) =>
      new Promise<WrapRun>((resolve) => {
        const byMid = new Map<number, Pending>();
        const byToken = new Map<number, number>();
        const codes: Record<string, number> = {};
        let sent = 0;
        let ok = 0;
        let lost = 0;
        const finish = (mid: number): void => {
          const p = byMid.get(mid);
          if (p === undefined) return;
          byMid.delete(mid);
          byToken.delete(p.token);
        };
        const fill = (): void => {
          while (byMid.size < o.window && sent < count) {
            const mid = nextMid;
            nextMid = (nextMid + 1) & 0xffff;
            const token = nextToken++;
            byMid.set(mid, { token, sentAt: Date.now() });
            byToken.set(token, mid);
            send(Code.GET, proxyUri, empty, mid, token);
            sent++;
          }
          if (sent >= count && byMid.size === 0) {
            clearInterval(sweep);
            onAnswer = () => undefined;
            resolve({ sent, ok, lost, codes });
          }
        };
        onAnswer = (ackMid, token, code) => {
          const mid = byToken.get(token);
          if (mid === undefined || (ackMid >= 0 && ackMid !== mid)) return;
          codes[codeText(code)] = (codes[codeText(code)] ?? 0) + 1;
          if (code >>> 5 === 2) ok++;
          finish(mid);
          fill();
        };
        const sweep = setInterval(() => {
          const now = Date.now();
          for (const [mid, p] of byMid) {
            if (now - p.sentAt < o.timeoutMs) continue;
            lost++;
            finish(mid);
          }
          fill();
        }, 100);
        fill();
      }),
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
