// GatewayWorld: gateway + simulated devices + clients on a MemoryNetwork with a FakeClock, for scenario tests.
import assert from 'node:assert/strict';
import { err, ok, seededRandom, type Random, type Result } from '../../src/base/index.js';
import { Code, MessageType, OptionNumber, makeOptions, type CoapOption, type Message } from '../../src/coap/index.js';
import { createEndpoint, type Endpoint, type OutgoingRequest, type PeerAddress } from '../../src/engine/index.js';
import { createGateway, type Gateway, type GatewaySettings } from '../../src/gateway/index.js';
import { compilePermissions, type PermissionRule, type TokenClaims, type TokenVerifier } from '../../src/auth/index.js';
import { createMemoryStore, createSessionService, type SessionService } from '../../src/sessions/index.js';
import { createFleet, type Device, type Fleet } from '../../src/simulator/index.js';
import { MemoryNetwork, type DatagramTransport } from '../../src/transport/index.js';
import type { Resolution, ResolveFailure } from '../../src/resolver/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { ScriptedPeer } from '../support/scripted-peer.js';

export const DOMAIN = 'starfish.test';
export const GATEWAY: PeerAddress = { address: '10.0.0.1', port: 5683 };

/** Tokens the fake verifier accepts: `<grant>:<account>[:<sessionLimit>]`, grant = all | read | none. */
const GRANTS: Record<string, PermissionRule[]> = {
  all: [{ devices: ['*'], methods: ['all'] }],
  read: [{ devices: ['*'], methods: ['GET'] }],
  none: [],
};

export const fakeVerifier: TokenVerifier = {
  verify(token) {
    const [grant, account, limit] = token.split(':');
    const rules = grant === undefined ? undefined : GRANTS[grant];
    if (rules === undefined || account === undefined || account === '') {
      return Promise.resolve(err({ reason: 'unparsable', message: 'token is malformed' }));
    }
    const claims: TokenClaims = {
      subject: account,
      issuer: 'test',
      audience: ['coap-gateway'],
      issuedAt: 0,
      expiresAt: Date.UTC(2099, 0, 1),
      jwtId: `jti-${account}`,
      permissions: compilePermissions(rules),
      raw: {},
      ...(limit === undefined ? {} : { sessionLimit: Number(limit) }),
    };
    return Promise.resolve(ok(claims));
  },
};

export interface WorldOptions {
  readonly devices?: number;
  readonly plugtest?: number;
  readonly settings?: Partial<GatewaySettings>;
  readonly maxIdleMs?: number;
  readonly graceMs?: number;
  readonly seed?: number;
}

export class GatewayWorld {
  readonly clock = new FakeClock();
  readonly random: Random;
  readonly network: MemoryNetwork;
  readonly downstream: Endpoint;
  readonly upstream: Endpoint;
  readonly sessions: SessionService;
  readonly gateway: Gateway;
  /** Names the resolver was asked for, in order. */
  readonly resolved: string[] = [];
  fleet!: Fleet;
  private readonly clients: Endpoint[] = [];
  private readonly peers: ScriptedPeer[] = [];
  private nextClient = 1;

  private constructor(options: WorldOptions) {
    this.random = seededRandom(options.seed ?? 7);
    this.network = new MemoryNetwork(this.clock, this.random);
    const downstreamTransport = this.network.bind(GATEWAY.address, GATEWAY.port);
    this.downstream = createEndpoint({ transport: downstreamTransport, clock: this.clock, random: seededRandom(11) });
    this.upstream = createEndpoint({ transport: this.network.bind('10.0.0.2', 0), clock: this.clock, random: seededRandom(12) });
    const gateways: Gateway[] = [];
    this.sessions = createSessionService({
      store: createMemoryStore(),
      clock: this.clock,
      random: seededRandom(13),
      maxIdleMs: options.maxIdleMs ?? 4 * 3_600_000,
      graceMs: options.graceMs ?? 15 * 60_000,
      onClosed: (s, reason) => gateways.forEach((g) => g.sessionClosed(s, reason)),
    });
    this.gateway = createGateway({
      downstream: this.downstream,
      upstream: this.upstream,
      sessions: this.sessions,
      verifier: fakeVerifier,
      resolve: (host) => this.resolve(host),
      clock: this.clock,
      random: seededRandom(14),
      settings: { domains: [DOMAIN], ...options.settings },
    });
    gateways.push(this.gateway);
  }

  static async create(options: WorldOptions = {}): Promise<GatewayWorld> {
    const world = new GatewayWorld(options);
    world.fleet = await createFleet({
      count: options.devices ?? 2,
      plugtestCount: options.plugtest ?? 0,
      domain: DOMAIN,
      bindTransport: (address, port): Promise<DatagramTransport> => Promise.resolve(world.network.bind(address, port)),
      clock: world.clock,
      random: seededRandom(21),
    });
    return world;
  }

  private resolve(host: string): Promise<Result<Resolution, ResolveFailure>> {
    this.resolved.push(host);
    const d = this.fleet.byName(host);
    if (d === undefined) return Promise.resolve(err({ kind: 'nxdomain', host, message: `DNS: no such name "${host}" (NXDOMAIN)`, cached: false }));
    return Promise.resolve(ok({ address: d.identity.address, family: 4, ttlSec: 60, source: 'dns' }));
  }

  device(i = 0): Device {
    const d = this.fleet.devices[i];
    assert.ok(d, `no device ${i}`);
    return d;
  }

  /** A client endpoint (our engine) on its own address. */
  client(): Endpoint {
    const ep = createEndpoint({ transport: this.network.bind(`10.1.0.${this.nextClient++}`, 40000), clock: this.clock, random: seededRandom(100 + this.nextClient) });
    this.clients.push(ep);
    return ep;
  }

  /** A raw client for exact datagrams. */
  scripted(): ScriptedPeer {
    const p = new ScriptedPeer(this.network, this.clock, `10.2.0.${this.nextClient++}`, 40000);
    this.peers.push(p);
    return p;
  }

  /** Runs the fake clock until the promise settles. */
  run<T>(promise: Promise<T>, limitMs?: number): Promise<T> {
    return this.clock.runUntilSettled(promise, limitMs);
  }

  async login(client: Endpoint, token = 'all:alice', sticky = false): Promise<Message> {
    const options: CoapOption[] = makeOptions([
      [OptionNumber.URI_PATH, 'sessions'],
      [OptionNumber.CONTENT_FORMAT, 0],
      ...(sticky ? ([[OptionNumber.URI_QUERY, 'sticky=true']] as const) : []),
    ]);
    return this.run(client.request(GATEWAY, { code: Code.POST, options, payload: Buffer.from(token) }));
  }

  /** A proxied request through the gateway to `SSN...:port/path` of device `i`. */
  proxied(path: string, init: { code?: number; device?: number; options?: ReadonlyArray<readonly [number, Buffer | string | number]>; payload?: string; type?: 0 | 1 } = {}): OutgoingRequest {
    const d = this.device(init.device ?? 0);
    const uri = `coap://${d.identity.name}:${d.identity.port}${path}`;
    return {
      type: init.type ?? MessageType.CON,
      code: init.code ?? Code.GET,
      options: makeOptions([[OptionNumber.PROXY_URI, uri], ...(init.options ?? [])]),
      ...(init.payload === undefined ? {} : { payload: Buffer.from(init.payload) }),
    };
  }

  /** Closes everything and asserts nothing is left: exchanges, observations, queues, timers. */
  async leakCheck(): Promise<void> {
    for (const c of this.clients) await c.close();
    for (const p of this.peers) await p.close();
    const lifetime = Math.max(this.downstream.timing.exchangeLifetimeMs, this.upstream.timing.exchangeLifetimeMs);
    await this.clock.advanceAsync(lifetime + 1000, 1000);
    // Sessions that went idle meanwhile got their NON 5.03 through the engine, whose peer keeps that
    // message ID reserved for one more EXCHANGE_LIFETIME (RFC 7252 §4.4).
    await this.clock.advanceAsync(lifetime + 1000, 1000);
    assert.deepEqual(this.gateway.stats(), { inFlight: 0, deviceQueues: 0, waiting: 0, observations: 0, subscribers: 0, coalescing: 0 }, 'gateway state left');
    const idle = { peers: 0, exchanges: 0, clientExchanges: 0, serverExchanges: 0, transmissions: 0, dedupEntries: 0, timers: 0, observers: 0, observations: 0, queued: 0 };
    assert.deepEqual(this.downstream.stats(), idle, 'downstream endpoint state left');
    assert.deepEqual(this.upstream.stats(), idle, 'upstream endpoint state left');
    await this.gateway.close();
    await this.sessions.close();
    await this.fleet.stop();
    await this.downstream.close();
    await this.upstream.close();
    assert.equal(this.network.pendingDeliveries, 0, 'datagrams still in flight');
    assert.equal(this.clock.pendingTimers, 0, 'timers left on the clock');
  }
}
