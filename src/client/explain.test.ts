// Unit tests: exit codes and the explanations of error responses and failed requests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, MessageType, OptionNumber, makeOptions, type Message } from '../coap/index.js';
import { RequestError } from '../engine/index.js';
import { ExitCode, exitCodeFor, exitCodeForFailure, explainFailure, explainResponse, failureKindOf, diagnosticOf } from './explain.js';

const reply = (code: number, payload = '', options: ReadonlyArray<readonly [number, number]> = []): Message => ({
  type: MessageType.ACK, code, messageId: 1, token: Buffer.alloc(0), options: makeOptions(options), payload: Buffer.from(payload),
});
const ctx = { action: 'request' as const, local: '127.0.0.1:40000', gateway: '127.0.0.1:5683', target: 'coap://dev.test/time' };

test('exit codes: 0 for 2.xx, 4 for 4.xx, 5 for 5.xx, 3 for timeouts, 1 otherwise', () => {
  assert.equal(exitCodeFor(Code.CONTENT), ExitCode.OK);
  assert.equal(exitCodeFor(Code.CREATED), 0);
  assert.equal(exitCodeFor(Code.UNAUTHORIZED), 4);
  assert.equal(exitCodeFor(Code.GATEWAY_TIMEOUT), 5);
  assert.equal(exitCodeFor(Code.GET), 1);
  assert.equal(exitCodeForFailure('timeout'), 3);
  assert.equal(exitCodeForFailure('reset'), 1);
  assert.equal(ExitCode.USAGE, 2);
});

test('4.01 explains the missing session and the next step', () => {
  assert.equal(explainResponse(reply(Code.UNAUTHORIZED, 'No session: POST your token to /sessions first'), ctx), '4.01 Unauthorized: no session for 127.0.0.1:40000 — run `coap-gateway login`');
  assert.equal(explainResponse(reply(Code.UNAUTHORIZED), ctx), '4.01 Unauthorized: no session for 127.0.0.1:40000 — run `coap-gateway login`');
  assert.equal(
    explainResponse(reply(Code.UNAUTHORIZED, 'Not permitted for this device or method'), ctx),
    "4.01 Unauthorized: Not permitted for this device or method (coap://dev.test/time) — the account's permissions do not cover this device or method",
  );
  assert.equal(
    explainResponse(reply(Code.UNAUTHORIZED, 'Account reader may not PUT dev.test'), ctx),
    "4.01 Unauthorized: Account reader may not PUT dev.test (coap://dev.test/time) — the account's permissions do not cover this device or method",
  );
  assert.match(explainResponse(reply(Code.UNAUTHORIZED, 'token expired'), { ...ctx, action: 'login' }), /^4\.01 Unauthorized: the gateway refused the token: token expired — get a fresh token/);
});

test('5.xx and other codes carry the diagnostic payload', () => {
  assert.equal(explainResponse(reply(Code.BAD_GATEWAY, 'DNS: no such name "ssn0.starfish.test"'), ctx), '5.02 Bad Gateway: DNS: no such name "ssn0.starfish.test"');
  assert.equal(explainResponse(reply(Code.GATEWAY_TIMEOUT), ctx), '5.04 Gateway Timeout: the device did not answer in time (coap://dev.test/time)');
  assert.equal(explainResponse(reply(Code.NOT_IMPLEMENTED), ctx), '5.01 Not Implemented: the device does not implement coap://dev.test/time');
  assert.equal(explainResponse(reply(Code.SERVICE_UNAVAILABLE, '', [[OptionNumber.MAX_AGE, 7]]), ctx), '5.03 Service Unavailable: the gateway is overloaded — retry in 7 s');
  assert.match(explainResponse(reply(Code.SERVICE_UNAVAILABLE, 'Session closed after being idle'), ctx), /run `coap-gateway login` again$/);
  assert.match(explainResponse(reply(Code.TOO_MANY_REQUESTS, 'Session limit reached: 10 of 10'), ctx), /^4\.29 Too Many Requests: Session limit reached: 10 of 10 — log out another client/);
  assert.equal(explainResponse(reply(Code.PRECONDITION_FAILED, 'No session to close'), { ...ctx, action: 'logout' }), '4.12 Precondition Failed: no session to close for 127.0.0.1:40000 (gateway says: No session to close)');
  assert.match(explainResponse(reply(Code.PROXYING_NOT_SUPPORTED), ctx), /5\.05 Proxying Not Supported: .* coap:\/\//);
  assert.equal(explainResponse(reply(Code.BAD_OPTION, 'Malformed Proxy-Uri'), ctx), '4.02 Bad Option: Malformed Proxy-Uri');
  assert.equal(explainResponse(reply(Code.FORBIDDEN), ctx), '4.03 Forbidden');
  assert.equal(diagnosticOf(reply(Code.BAD_GATEWAY, 'multi\n  line\ttext ')), 'multi line text');
  assert.equal(diagnosticOf({ ...reply(Code.BAD_GATEWAY), payload: Buffer.from([0, 1]) }), '(2 bytes of binary payload)');
});

test('failures without a response: timeout, reset, interrupted', () => {
  const c = { gateway: '127.0.0.1:5683', timeoutMs: 1500 };
  assert.equal(explainFailure('timeout', c), 'timeout: no response from the gateway 127.0.0.1:5683 within 1.5 s — is it running? (`coap-gateway status` pings it)');
  assert.match(explainFailure('reset', c), /answered with a reset \(RST\)/);
  assert.equal(explainFailure('cancelled', c), 'interrupted before a response arrived');
  assert.equal(explainFailure('invalid', c, 'token too long'), 'the request could not be sent: token too long');
  assert.equal(failureKindOf(new RequestError('timeout', 'x')), 'timeout');
  assert.equal(failureKindOf(new Error('x')), undefined);
});
