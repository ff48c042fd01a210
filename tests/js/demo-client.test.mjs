// The demo's pure helpers (no DOM, no vault): the cURL command, Postman
// requests and variables, and what the saved setup leaves out.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyVariables, curlFromResolved, curlFromTemplate, MASK, parseImport } from '../../web/demo/links-io.js';
import { mayBeCredential, scrubRequest, scrubVars } from '../../web/demo/setup-store.js';

test('cURL: only references that resolve are masked; the unresolved stay literal (offsets in UTF-8 bytes)', () => {
  const req = { method: 'POST', url: 'https://h/é?a={{vault:a}}&b={{vault:b}}', headers: [['X', '{{vault:c}}']], body: '{{vault:a}}' };
  // {{vault:b}} sits after "https://h/é?a={{vault:a}}&b=": é is 2 bytes.
  const offset = Buffer.byteLength('https://h/é?a={{vault:a}}&b=');
  const cmd = curlFromTemplate(req, (where, at) => where === 'url' && at === offset);
  assert.equal(cmd, [`curl --globoff -X POST`, `'https://h/é?a=${MASK}&b={{vault:b}}'`, `-H 'X: ${MASK}'`, `--data-raw '${MASK}'`].join(' \\\n  '));
  assert.equal(curlFromTemplate({ url: 'https://h/?k={{vault:k}}' }), `curl \\\n  'https://h/?k=${MASK}'`, 'no braces left: no --globoff');
});

test('cURL resolved: the values as given, shell-quoted', () => {
  assert.equal(curlFromResolved({ method: 'GET', url: "https://h/?v=it's", headers: [['A', 'b']] }), `curl \\\n  'https://h/?v=it'\\''s' \\\n  -H 'A: b'`);
});

test('a Postman collection yields its requests (folders in the name, disabled headers left out) and plain variables', () => {
  const doc = {
    info: { name: 'C' },
    variable: [{ key: 'baseUrl', value: 'https://x' }, { key: 'off', value: 'y', disabled: true }],
    item: [{ name: 'F', item: [{ name: 'R', request: { method: 'put', url: { raw: '{{baseUrl}}/r' }, header: [{ key: 'A', value: '1' }, { key: 'B', value: '2', disabled: true }], body: { mode: 'raw', raw: 'b' } } }] }, { name: 'S', request: 'https://s' }],
  };
  const r = parseImport(JSON.stringify(doc));
  assert.equal(r.name, 'C');
  assert.deepEqual(r.vars, [{ name: 'baseUrl', value: 'https://x' }]);
  assert.deepEqual(r.requests, [
    { name: 'F / R', method: 'PUT', url: '{{baseUrl}}/r', headers: [['A', '1']], body: 'b' },
    { name: 'S', method: 'GET', url: 'https://s', headers: [], body: undefined },
  ]);
});

test('variables: plain {{names}} are replaced once, {{vault:…}} never', () => {
  const vars = new Map([['a', '{{b}}'], ['b', 'no'], ['vault:x', 'never']]);
  assert.equal(applyVariables('{{a}}|{{vault:x}}|{{c}}', vars), '{{b}}|{{vault:x}}|{{c}}');
});

test('the saved setup leaves out what may be a literal credential', () => {
  assert.equal(mayBeCredential('Authorization', 'Bearer {{vault:t}}'), false);
  assert.equal(mayBeCredential('Authorization', 'Bearer abc'), true);
  assert.equal(mayBeCredential('X-Team', 'abc'), false);
  const r = scrubRequest({ name: 'n', method: 'GET', url: 'https://h/?api_key=lit&q=1', headers: [['X-Api-Key', 'lit'], ['A', 'b']], body: '{"password":"lit"}' });
  assert.deepEqual(r, { name: 'n', method: 'GET', url: 'https://h/?api_key=&q=1', headers: [['X-Api-Key', ''], ['A', 'b']], body: undefined, scrubbed: true });
  assert.deepEqual(scrubVars([{ name: 'apiToken', value: 'lit' }, { name: 'baseUrl', value: 'https://h' }, { name: 'token', value: '{{vault:t}}' }]), [
    { name: 'baseUrl', value: 'https://h' },
    { name: 'token', value: '{{vault:t}}' },
  ]);
});
