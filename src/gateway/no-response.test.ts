import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, MessageType, makeOptions, OptionNumber, type Message } from '../coap/index.js';
import { isSuppressed } from './no-response.js';

const req = (value?: number): Message => ({
  type: MessageType.NON,
  code: Code.PUT,
  messageId: 1,
  token: Buffer.alloc(0),
  options: value === undefined ? [] : makeOptions([[OptionNumber.NO_RESPONSE, value]]),
  payload: Buffer.alloc(0),
});

test('No-Response bits suppress their classes only (RFC 7967 §2.1)', () => {
  assert.equal(isSuppressed(req(), Code.CHANGED), false);
  assert.equal(isSuppressed(req(0), Code.CHANGED), false);
  assert.equal(isSuppressed(req(2), Code.CHANGED), true);
  assert.equal(isSuppressed(req(2), Code.NOT_FOUND), false);
  assert.equal(isSuppressed(req(8), Code.NOT_FOUND), true);
  assert.equal(isSuppressed(req(16), Code.GATEWAY_TIMEOUT), true);
  assert.equal(isSuppressed(req(26), Code.CONTENT), true);
  assert.equal(isSuppressed(req(26), Code.BAD_GATEWAY), true);
  assert.equal(isSuppressed(req(24), Code.CONTENT), false);
});
