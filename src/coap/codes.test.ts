// Tests for code names, method names and Content-Format numbers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Code, ContentFormat, codeName, contentFormatName, methodFromName, methodName } from './codes.js';

test('codes are class << 5 | detail', () => {
  assert.equal(Code.GET, 0x01);
  assert.equal(Code.IPATCH, 0x07);
  assert.equal(Code.CONTENT, 0x45);
  assert.equal(Code.CONTINUE, 0x5f);
  assert.equal(Code.TOO_MANY_REQUESTS, (4 << 5) | 29);
  assert.equal(Code.HOP_LIMIT_REACHED, (5 << 5) | 8);
});

test('codeName gives "c.dd Name" and falls back to "c.dd"', () => {
  assert.equal(codeName(Code.CONTENT), '2.05 Content');
  assert.equal(codeName(Code.GET), '0.01 GET');
  assert.equal(codeName(Code.EMPTY), '0.00 Empty');
  assert.equal(codeName(Code.PROXYING_NOT_SUPPORTED), '5.05 Proxying Not Supported');
  assert.equal(codeName(Code.REQUEST_ENTITY_INCOMPLETE), '4.08 Request Entity Incomplete');
  assert.equal(codeName((4 << 5) | 30), '4.30');
  const names = new Set(Object.values(Code).map(codeName));
  assert.equal(names.size, Object.values(Code).length);
});

test('method names both ways', () => {
  assert.equal(methodName(Code.IPATCH), 'iPATCH');
  assert.equal(methodName(Code.CONTENT), undefined);
  assert.equal(methodName(0x08), undefined);
  assert.equal(methodFromName('ipatch'), Code.IPATCH);
  assert.equal(methodFromName('Delete'), Code.DELETE);
  assert.equal(methodFromName('HEAD'), undefined);
});

test('content formats', () => {
  assert.equal(ContentFormat.TEXT_PLAIN, 0);
  assert.equal(ContentFormat.LINK_FORMAT, 40);
  assert.equal(ContentFormat.CBOR, 60);
  assert.equal(contentFormatName(40), 'application/link-format');
  assert.equal(contentFormatName(9999), undefined);
});
