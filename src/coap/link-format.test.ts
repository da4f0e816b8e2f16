// Tests for the CoRE Link Format parser, serializer and RFC 6690 §4.1 query filter.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterLinks, linkAttributes, parseLinkFormat, serializeLinkFormat, type Link } from './link-format.js';

const doc =
  '</sensors/temp>;rt="temperature-c core.s";if="sensor";ct=0;obs,' +
  '</sensors/light>;rt="light-lux";if="sensor";title="Light \\"lux\\"";sz=64,' +
  '</help>;ct="0 40";title="Help",</link1>;rt="Type1",</link2>;rt="Type2 Type1"';

test('parses links with quoted, token, multi-valued and bare attributes', () => {
  const r = parseLinkFormat(doc);
  assert.ok(r.ok);
  assert.equal(r.value.length, 5);
  const temp = r.value[0] as Link;
  assert.equal(temp.target, '/sensors/temp');
  assert.deepEqual(temp.attributes, [
    { name: 'rt', value: 'temperature-c core.s' },
    { name: 'if', value: 'sensor' },
    { name: 'ct', value: '0' },
    { name: 'obs' },
  ]);
  assert.deepEqual(linkAttributes(r.value[1] as Link, 'title'), ['Light "lux"']);
});

test('empty documents, whitespace and errors', () => {
  assert.deepEqual(parseLinkFormat(''), { ok: true, value: [] });
  const ws = parseLinkFormat(' </a> ;ct=40 ,\n</b>');
  assert.ok(ws.ok);
  assert.deepEqual(ws.value.map((l) => l.target), ['/a', '/b']);
  for (const bad of ['/a', '<a', '</a>;', '</a>;t="x', '</a>;ct=', '</a> </b>', '</a>,', '</a>;=1']) {
    const r = parseLinkFormat(bad);
    assert.equal(r.ok, false, bad);
  }
});

test('serialize then parse gives the same links', () => {
  const r = parseLinkFormat(doc);
  assert.ok(r.ok);
  const text = serializeLinkFormat(r.value);
  assert.match(text, /^<\/sensors\/temp>;rt="temperature-c core.s";if="sensor";ct=0;obs,/);
  assert.deepEqual(parseLinkFormat(text), r);
});

test('RFC 6690 §4.1 filtering: exact, prefix, multi-valued, href, presence', () => {
  const r = parseLinkFormat(doc);
  assert.ok(r.ok);
  const targets = (q: string[]): string[] => filterLinks(r.value, q).map((l) => l.target);
  assert.deepEqual(targets(['rt=Type1']), ['/link1', '/link2']);
  assert.deepEqual(targets(['rt=Type2']), ['/link2']);
  assert.deepEqual(targets(['rt=temp*']), ['/sensors/temp']);
  assert.deepEqual(targets(['rt=*']), ['/sensors/temp', '/sensors/light', '/link1', '/link2']);
  assert.deepEqual(targets(['if=sens*']), ['/sensors/temp', '/sensors/light']);
  assert.deepEqual(targets(['href=/help']), ['/help']);
  assert.deepEqual(targets(['href=/sensors*']), ['/sensors/temp', '/sensors/light']);
  assert.deepEqual(targets(['sz=*']), ['/sensors/light']);
  assert.deepEqual(targets(['ct=40']), ['/help']);
  assert.deepEqual(targets(['title=Li*']), ['/sensors/light']);
  assert.deepEqual(targets(['obs']), ['/sensors/temp']);
  assert.deepEqual(targets(['rt=nomatch']), []);
  assert.deepEqual(targets(['rt=Type1', 'href=/link2']), ['/link2']);
  assert.deepEqual(targets([]).length, 5);
});
