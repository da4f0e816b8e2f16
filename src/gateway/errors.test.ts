import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, OptionNumber, getUintOption, hasOption } from '../coap/index.js';
import { errorCode, errorResponse, gatewayError, isGatewayError } from './errors.js';

test('each kind maps to the code the SPEC and RFCs name', () => {
  assert.equal(errorCode('no-session'), Code.UNAUTHORIZED);
  assert.equal(errorCode('not-permitted'), Code.UNAUTHORIZED);
  assert.equal(errorCode('session-limit'), Code.TOO_MANY_REQUESTS);
  assert.equal(errorCode('no-session-to-close'), Code.PRECONDITION_FAILED);
  assert.equal(errorCode('proxying-not-supported'), Code.PROXYING_NOT_SUPPORTED);
  assert.equal(errorCode('unresolvable'), Code.BAD_GATEWAY);
  assert.equal(errorCode('gateway-timeout'), Code.GATEWAY_TIMEOUT);
  assert.equal(errorCode('overloaded'), Code.SERVICE_UNAVAILABLE);
  assert.equal(errorCode('hop-limit-reached'), Code.HOP_LIMIT_REACHED);
  assert.equal(errorCode('bad-option'), Code.BAD_OPTION);
});

test('error responses carry a UTF-8 diagnostic, Max-Age 0 and no Content-Format', () => {
  const r = errorResponse(gatewayError('unresolvable', 'SSN0.starfish.test: NXDOMAIN'));
  assert.equal(r.code, Code.BAD_GATEWAY);
  assert.equal(r.payload.toString('utf8'), 'SSN0.starfish.test: NXDOMAIN');
  assert.equal(getUintOption(r.options, OptionNumber.MAX_AGE), 0);
  assert.equal(hasOption(r.options, OptionNumber.CONTENT_FORMAT), false);
});

test('the catalog text is used when no detail is given; Max-Age can be set', () => {
  const r = errorResponse(gatewayError('overloaded', undefined, 7));
  assert.match(r.payload.toString(), /Too many requests/);
  assert.equal(getUintOption(r.options, OptionNumber.MAX_AGE), 7);
});

test('long diagnostics are cut to fit a datagram', () => {
  const r = errorResponse(gatewayError('login-refused', 'x'.repeat(5000)));
  assert.ok(r.payload.length <= 200);
});

test('isGatewayError recognizes catalog errors only', () => {
  assert.equal(isGatewayError(gatewayError('internal')), true);
  assert.equal(isGatewayError({ kind: 'nope' }), false);
  assert.equal(isGatewayError(new Error('x')), false);
  assert.equal(isGatewayError(null), false);
});
