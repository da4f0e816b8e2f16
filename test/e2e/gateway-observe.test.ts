// e2e (issue #6 proofs): Observe through the gateway with coap-client-notls -s N: /time streams, one shared upstream registration, cancellation, logout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Code, MessageType, OptionNumber, encode, getUintOption, hasOption, makeOptions, type Message } from '../../src/coap/index.js';
import { rawClient } from './gateway-harness.js';
import { TdWorld, sleep, waitFor } from './gateway-td-harness.js';
import type { RelayEntry } from './gateway-td-relay.js';

let w: TdWorld;

before(async () => {
  // Devices in their own loopback block (127.1.105.x); /time notifies every second.
  w = await TdWorld.start({ firstAddressIndex: 254 * 105, devices: 2, observePeriodMs: 1000 });
});

after(async () => {
  await w?.close();
});

/** Notifications (2.xx with Observe) the relay passed down to client `port`. */
const notifications = (port: number): RelayEntry[] =>
  w.relay.entries(port, 'down').filter((e) => e.message.code === Code.CONTENT && hasOption(e.message, OptionNumber.OBSERVE));

function observeTime(port: number, seconds: number, device = 0): ReturnType<TdWorld['spawn']> {
  return w.spawn(['-p', String(port), '-P', w.gw, '-m', 'get', '-s', String(seconds), w.uri('/time', device)]);
}

test('coap-client -s 5 through the gateway gets five seconds of /time notifications, then the device observation ends', async () => {
  const port = await w.session();
  const started = Date.now();
  const cc = observeTime(port, 5);
  const { stdout } = await cc.done;
  const notes = notifications(port);
  assert.ok(notes.length >= 4, `notifications in 5 s: ${notes.length}`);
  const times = notes.map((n) => Number(n.message.payload.toString()));
  for (const t of times) assert.ok(Math.abs(t - started / 1000) < 10, `a current epoch time: ${t}`);
  for (let i = 1; i < times.length; i++) assert.ok((times[i] ?? 0) >= (times[i - 1] ?? 0), `time goes forward: ${times.join(',')}`);
  assert.ok(notes.some((n) => n.at - started >= 3500), 'the stream lasted the whole -s period');
  assert.ok(stdout.includes(String(times[times.length - 1])), 'coap-client printed them');
  await waitFor(() => w.device(0).observerCount('/time') === 0, 5000, 'the upstream observation to end');
});

test('two clients observing /time share ONE upstream registration; one cancelling leaves the other running; the last one ends it', async () => {
  const device = w.device(1);
  const mark = w.tap.mark();
  const [a, b] = [await w.session(), await w.session()];
  const long = observeTime(a, 9, 1);
  await waitFor(() => notifications(a).length >= 1, 5000, "A's first response");
  const short = observeTime(b, 3, 1);
  await waitFor(() => notifications(b).length >= 2, 5000, "B's notifications");
  assert.equal(device.observerCount('/time'), 1, 'one observer at the device');
  await short.done;
  const bEnded = Date.now();
  // B deregistered (GET Observe=1): A goes on, on the same upstream registration
  assert.ok(w.relay.entries(b, 'up').some((e) => getUintOption(e.message, OptionNumber.OBSERVE) === 1), 'B deregistered');
  await waitFor(() => notifications(a).filter((e) => e.at > bEnded + 200).length >= 2, 5000, 'A to keep receiving');
  assert.equal(device.observerCount('/time'), 1);
  assert.equal(notifications(b).filter((e) => e.at > bEnded + 200).length, 0, 'B hears nothing more');
  await long.done;
  await waitFor(() => device.observerCount('/time') === 0, 5000, 'the upstream observation to end with the last subscriber');
  assert.equal(w.tap.registrations(device, mark).length, 1, 'one registration reached the device for both clients');
  assert.equal(w.stats().observations, 0);
});

/** A raw UDP client that logs in, observes /time of device `device` and ACKs CON notifications. */
async function rawObserver(device: number): Promise<{ received: Message[]; send(m: Message): void; close(): Promise<void> }> {
  const raw = await rawClient();
  const send = (m: Message): void => raw.send(encode(m), w.gateway.port);
  send({ type: MessageType.CON, code: Code.POST, messageId: 1, token: Buffer.from([1]), options: makeOptions([[OptionNumber.URI_PATH, 'sessions'], [OptionNumber.CONTENT_FORMAT, 0]]), payload: readFileSync(w.tokenFile) });
  await waitFor(() => raw.received.length > 0, 5000, 'the login');
  assert.equal(raw.received.shift()?.code, Code.CREATED);
  const options = makeOptions([[OptionNumber.OBSERVE, 0], [OptionNumber.PROXY_URI, w.uri('/time', device)]]);
  send({ type: MessageType.CON, code: Code.GET, messageId: 2, token: Buffer.from('raw-obs'), options, payload: Buffer.alloc(0) });
  await waitFor(() => raw.received.some((m) => m.code === Code.CONTENT), 5000, 'the first response');
  return { received: raw.received, send, close: () => raw.close() };
}

const logout = (): Message => ({ type: MessageType.CON, code: Code.DELETE, messageId: 3, token: Buffer.from([3]), options: makeOptions([[OptionNumber.URI_PATH, 'sessions']]), payload: Buffer.alloc(0) });

test('DELETE /sessions ends the subscriptions of that session: upstream cancelled when it was the last subscriber, kept otherwise', async () => {
  const device = w.device(0);
  // 1. the last subscriber logs out: the upstream observation ends at once (NON notifications would
  //    otherwise never tell the gateway the client is gone)
  const alone = await rawObserver(0);
  assert.equal(device.observerCount('/time'), 1);
  alone.send(logout());
  await waitFor(() => alone.received.some((m) => m.code === Code.DELETED), 5000, '2.02');
  await waitFor(() => device.observerCount('/time') === 0, 3000, 'the upstream cancellation');
  const seen = alone.received.length;
  await sleep(1500);
  assert.equal(alone.received.length, seen, 'no notifications after the logout');
  await alone.close();

  // 2. another session still observes: logging out leaves the upstream observation to it
  const port = await w.session();
  const cc = observeTime(port, 8);
  await waitFor(() => notifications(port).length >= 1, 5000, 'the coap-client stream');
  const shared = await rawObserver(0);
  assert.equal(device.observerCount('/time'), 1, 'shared');
  shared.send(logout());
  await waitFor(() => shared.received.some((m) => m.code === Code.DELETED), 5000, '2.02');
  const loggedOut = Date.now();
  await waitFor(() => notifications(port).filter((e) => e.at > loggedOut + 200).length >= 2, 5000, 'the other stream to go on');
  assert.equal(device.observerCount('/time'), 1);
  await shared.close();
  await cc.done;
  await waitFor(() => device.observerCount('/time') === 0, 5000, 'the end with the last subscriber');
});
