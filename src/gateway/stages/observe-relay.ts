// Observe relay (RFC 7641 §5): one upstream observation per device resource, shared by its subscribers.
import type { Clock } from '../../base/index.js';
import type { Logger } from '../../telemetry/index.js';
import { TimerQueue, type ClientObservation, type ObservationEndReason, type PeerAddress, type ServerExchange } from '../../engine/index.js';
import { clientKeyOf } from '../../sessions/index.js';
import { OptionNumber, getUintOption, hasOption, isNoCacheKey, isUnsafe, type Message } from '../../coap/index.js';
import { errorResponse, gatewayError, type ResponseParts } from '../errors.js';
import { checkUpstreamResponseOptions } from '../option-rules.js';
import { toClient, type UpstreamRequest } from '../translate.js';
import { acquireDevice, deviceKey, upstreamFailure, type ForwardContext } from './forward-stage.js';
import { Observation, Subscriber, UpstreamListener, type ClientSubscriptions, type RelayHooks } from './observe-relay-records.js';

export interface ObserveRelayOptions {
  readonly forward: ForwardContext;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Called for each notification a client gets (SPEC §3.2: notifications count as traffic). */
  readonly onTraffic: (clientKey: string) => void;
}

const NO_REQUEST_KEPT = { keepRequest: false } as const;
const ignore = (): void => undefined;

/** RFC 7252 §5.10.5: Max-Age defaults to 60 s. */
const DEFAULT_MAX_AGE_SEC = 60;
/** Re-registrations without any notification before the observation is given up (5.04 to everyone). */
const MAX_MISSES = 3;

/** How long after the last notification silence means the device lost the registration (RFC 7641 §3.3.1). */
function silenceAfterMs(maxAgeMs: number): number {
  return maxAgeMs + Math.min(30_000, 2000 + maxAgeMs / 4);
}

/**
 * The observation key: the device plus everything that selects the representation (RFC 7641 §5 lets
 * one upstream registration serve every client asking the same thing): method, payload and the
 * cache-key options, not Observe, Hop-Limit or NoCacheKey ones (RFC 7252 §5.4.6).
 */
function observationKey(peer: PeerAddress, request: UpstreamRequest): string {
  // Joined, not concatenated: a key built with += stays a rope of many small strings in the Map.
  const parts = [deviceKey(peer), String(request.code)];
  for (const o of request.options) {
    if (o.number === OptionNumber.OBSERVE || o.number === OptionNumber.HOP_LIMIT) continue;
    if (!isUnsafe(o.number) && isNoCacheKey(o.number)) continue;
    parts.push(`${o.number}:${o.value.toString('hex')}`);
  }
  if (request.payload.length > 0) parts.push(request.payload.toString('hex'));
  return parts.join(' ');
}

export class ObserveRelay implements RelayHooks {
  private readonly observations = new Map<string, Observation>();
  private readonly byClient = new Map<string, ClientSubscriptions>();
  /** Every observation's silence deadline behind one clock timer (no timer per observation). */
  private readonly timers: TimerQueue;

  constructor(private readonly o: ObserveRelayOptions) {
    this.timers = new TimerQueue(o.clock);
  }

  stats(): { observations: number; subscribers: number } {
    let subscribers = 0;
    for (const obs of this.observations.values()) subscribers += obs.subscribers.size + obs.pending.length;
    return { observations: this.observations.size, subscribers };
  }

  /**
   * A client's GET/FETCH with Observe 0 (RFC 7641 §3.1), already authorized and resolved. Joins the
   * observation of the same resource or registers upstream. Resolves when the client got its first
   * response (or an error).
   */
  async subscribe(exchange: ServerExchange, clientKey: string, peer: PeerAddress, host: string, request: UpstreamRequest, deadlineAt: number, deadlineMs: number): Promise<void> {
    const key = observationKey(peer, request);
    const existing = this.observations.get(key);
    if (existing !== undefined) {
      // RFC 7641 §5 / issue #6: a late joiner gets the latest representation at once while fresh.
      const latest = existing.established ? existing.freshLatest(this.o.clock.now()) : undefined;
      if (latest !== undefined) {
        this.addSubscriber(existing, exchange, clientKey, latest);
        return;
      }
      existing.pending.push(exchange);
      existing.client?.reregister();
      return;
    }
    const withoutObserve = request.options.filter((x) => x.number !== OptionNumber.OBSERVE);
    const obs = new Observation(this, key, host, peer, { ...request, options: withoutObserve }, exchange);
    this.observations.set(key, obs);
    const slot = await acquireDevice(this.o.forward, peer, host, deadlineAt, deadlineMs);
    if (!slot.ok) return this.fail(obs, errorResponse(slot.error));
    if (this.observations.get(key) !== obs) return slot.value.release();
    const client = this.register(obs, Math.max(1, deadlineAt - this.o.clock.now()));
    try {
      await client.first;
    } catch (e) {
      if (obs.client === client) this.fail(obs, errorResponse(upstreamFailure(e, host, deadlineMs)));
    } finally {
      slot.value.release();
    }
  }

  /** Registers upstream; callbacks of a registration that was replaced are ignored. */
  private register(obs: Observation, timeoutMs: number): ClientObservation {
    const r = obs.request;
    const listener = new UpstreamListener(this, obs);
    const client = this.o.forward.upstreamFor(obs.peer).observe(obs.peer, { type: r.type, code: r.code, options: r.options, payload: r.payload }, listener, { timeoutMs });
    listener.client = client;
    obs.client = client;
    return client;
  }

  /** The observation's silence deadline (RFC 7641 §3.3.1): `delayMs` after its last notification. */
  private armSilence(obs: Observation, delayMs: number): void {
    obs.silenceAfterMs = delayMs;
    this.timers.scheduleIn(obs, delayMs);
  }

  silence(obs: Observation): void {
    if (this.observations.get(obs.key) !== obs) return;
    if (++obs.misses > MAX_MISSES) {
      this.fail(obs, errorResponse(gatewayError('gateway-timeout', `${obs.host} stopped notifying`)));
      return;
    }
    // RFC 7641 §3.3.1 / TD_COAP_OBS_04: a fresh registration (new token, so a rebooted device's restarted
    // sequence numbers count as fresh); the old one is forgotten (its late notifications get RST).
    const old = obs.client;
    const client = this.register(obs, this.o.forward.upstreamFor(obs.peer).timing.exchangeLifetimeMs);
    client.first.catch(ignore);
    old?.cancel('reactive').catch(ignore);
    this.armSilence(obs, obs.silenceAfterMs);
  }

  /** Ends every subscription of a client socket (its session closed). */
  dropClient(clientKey: string): void {
    const client = this.byClient.get(clientKey);
    if (client === undefined) return;
    for (const s of [...client.subs]) s.observer?.end();
  }

  close(): void {
    for (const obs of [...this.observations.values()]) {
      this.fail(obs, errorResponse(gatewayError('overloaded', 'Gateway is shutting down', 5)));
    }
  }

  notification(obs: Observation, message: Message): void {
    if (this.observations.get(obs.key) !== obs) return;
    const checked = checkUpstreamResponseOptions(message, this.o.forward.strictOptions);
    const response = checked.ok ? toClient(message) : errorResponse(checked.error);
    const observing = checked.ok && message.code >>> 5 === 2 && hasOption(message, OptionNumber.OBSERVE);
    if (!observing) {
      // RFC 7641 §3.2/§4.2: a response without Observe or an error ends the observation for everyone.
      this.fail(obs, response);
      return;
    }
    obs.established = true;
    obs.misses = 0;
    const maxAgeSec = getUintOption(message, OptionNumber.MAX_AGE) ?? DEFAULT_MAX_AGE_SEC;
    obs.setLatest(response, this.o.clock.now(), maxAgeSec * 1000);
    this.armSilence(obs, silenceAfterMs(maxAgeSec * 1000));
    // Those who waited get this state as their first response (RFC 7641 §3.1), not a second time as a notification.
    const notified = [...obs.subscribers];
    for (const exchange of obs.pending.splice(0)) this.addSubscriber(obs, exchange, undefined, response);
    const confirmable = { confirmable: message.type === 0 };
    for (const s of notified) {
      // The device's CON stays CON to the client (the engine adds CONs as RFC 7641 §4.5 asks).
      s.observer?.notify(response, confirmable);
      this.o.onTraffic(s.clientKey);
    }
  }

  private addSubscriber(obs: Observation, exchange: ServerExchange, clientKey: string | undefined, first: ResponseParts): void {
    const key = clientKey ?? clientKeyOf(exchange.from.address, exchange.from.port);
    if (!exchange.open) return;
    const sub = new Subscriber(this.clientOf(key), obs);
    // The relay never reads the registration back: the engine need not keep it per subscriber.
    const observer = exchange.observe(sub, NO_REQUEST_KEPT);
    if (observer === undefined) {
      this.dropClientIfEmpty(sub.client);
      exchange.respond(first);
      return;
    }
    sub.observer = observer;
    this.link(sub);
    exchange.respond(first);
    this.o.onTraffic(key);
  }

  /** The engine ended a subscriber's observer (RST, deregistration, timeout, end()). */
  subscriberEnded(sub: Subscriber): void {
    if (sub.observer !== undefined) this.removeSubscriber(sub);
  }

  /** The record of a client socket, made when new; `key` becomes the one copy its subscribers share. */
  private clientOf(key: string): ClientSubscriptions {
    let client = this.byClient.get(key);
    if (client === undefined) {
      client = { key, subs: new Set() };
      this.byClient.set(key, client);
    }
    return client;
  }

  private dropClientIfEmpty(client: ClientSubscriptions): void {
    if (client.subs.size === 0 && this.byClient.get(client.key) === client) this.byClient.delete(client.key);
  }

  private link(sub: Subscriber): void {
    sub.observation.subscribers.add(sub);
    if (this.byClient.get(sub.client.key) !== sub.client) this.byClient.set(sub.client.key, sub.client);
    sub.client.subs.add(sub);
  }

  /**
   * SPEC §3.2: a sticky login moved the session from `oldKey` to the socket `to`: its subscriptions
   * follow, with their tokens. The engine re-targets each observer, so the new socket gets CON
   * notifications now and then (RFC 7641 §4.5), and its RST or a deregistration ends the share (§3.6).
   * The old socket hears nothing more.
   */
  moveClient(oldKey: string, newKey: string, to: PeerAddress): void {
    const old = this.byClient.get(oldKey);
    if (old === undefined) return;
    const moved = this.clientOf(newKey);
    for (const sub of [...old.subs]) {
      this.unlink(sub);
      if (sub.observer?.moveTo(to) !== true) {
        // The new socket is at its observer cap: this share ends (the old socket must not hear more).
        this.o.logger.debug({ client: newKey, host: sub.observation.host }, 'moved observer refused by the new socket');
        this.removeSubscriber(sub);
        sub.observer?.end();
        continue;
      }
      sub.client = moved;
      this.link(sub);
    }
    this.dropClientIfEmpty(moved);
  }

  private unlink(sub: Subscriber): void {
    sub.observation.subscribers.delete(sub);
    sub.client.subs.delete(sub);
    this.dropClientIfEmpty(sub.client);
  }

  private removeSubscriber(sub: Subscriber): void {
    const obs = sub.observation;
    this.unlink(sub);
    // RFC 7641 §3.6: the last subscriber gone, the upstream observation is cancelled.
    if (obs.subscribers.size === 0 && obs.pending.length === 0 && this.observations.get(obs.key) === obs) {
      this.observations.delete(obs.key);
      this.cancelUpstream(obs);
    }
  }

  upstreamEnded(obs: Observation, reason: ObservationEndReason): void {
    if (this.observations.get(obs.key) !== obs) return;
    const failure = reason === 'timeout' ? gatewayError('gateway-timeout', `${obs.host} stopped answering`) : gatewayError('bad-gateway', `${obs.host} ended the observation (${reason})`);
    this.fail(obs, errorResponse(failure));
  }

  /** Ends the observation: pending clients get `final` as their response, subscribers as last notification. */
  private fail(obs: Observation, final: ResponseParts): void {
    if (this.observations.get(obs.key) === obs) this.observations.delete(obs.key);
    for (const exchange of obs.pending.splice(0)) if (exchange.open) exchange.respond(final);
    for (const s of [...obs.subscribers]) {
      this.unlink(s);
      s.observer?.end(final);
    }
    this.cancelUpstream(obs);
  }

  private cancelUpstream(obs: Observation): void {
    this.timers.cancel(obs);
    const client = obs.client;
    obs.client = undefined;
    if (client === undefined || !client.active) return;
    client.cancel('proactive').catch((e: unknown) => this.o.logger.debug({ err: String(e), host: obs.host }, 'upstream observe cancel failed'));
  }
}

