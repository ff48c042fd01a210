// scripts/apt-mirrors: the archives scripts/deps takes its deb-src list from
// (issue "Lean core", hygiene: the machine's own mirror, from deb822 .sources
// or one-line sources.list files). Fixture files in a temporary folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'scripts', 'apt-mirrors');

function mirrors(files) {
  const dir = mkdtempSync(join(tmpdir(), 'vaultlink-apt-'));
  try {
    const paths = Object.entries(files).map(([name, text]) => {
      writeFileSync(join(dir, name), text);
      return join(dir, name);
    });
    return execFileSync(SCRIPT, paths, { encoding: 'utf8' }).split('\n').filter(Boolean);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('deb822 .sources: enabled deb and deb-src stanzas, every URI, keys in any case', () => {
  const sources = [
    '# a local mirror first',
    'Types: deb deb-src',
    'URIs: http://mirror.local/debian http://mirror2.local/debian',
    'Suites: bookworm bookworm-updates',
    'Components: main',
    '',
    'Types: deb',
    'URIs: http://disabled.example/debian',
    'Suites: bookworm',
    'Enabled: no',
    '',
    'types: deb',
    'uris: http://lower.example/debian-security',
    'suites: bookworm-security',
    'Signed-By:',
    ' -----BEGIN PGP PUBLIC KEY BLOCK-----',
    ' URIs: http://inside-a-key.example/',
    ' .',
    ' -----END PGP PUBLIC KEY BLOCK-----',
    '',
    '',
    'Types: deb',
    'URIs: http://off.example/debian',
    'Suites: bookworm',
    'Enabled: false',
    '',
    'Types: deb',
    'URIs:   http://spaced.example/debian  ',
    'Suites:  bookworm   bookworm-updates',
  ].join('\n'); // no blank line at the end: the last stanza still counts
  assert.deepEqual(mirrors({ 'local.sources': sources }), [
    'http://mirror.local/debian bookworm bookworm-updates',
    'http://mirror2.local/debian bookworm bookworm-updates',
    'http://lower.example/debian-security bookworm-security',
    'http://spaced.example/debian bookworm bookworm-updates',
  ]);
});

test('deb822: a stanza without URIs, Suites or a deb type gives nothing', () => {
  const sources = ['Types: deb', 'Suites: bookworm', '', 'Types: deb', 'URIs: http://no-suite.example/', '', 'Types: debian', 'URIs: http://t.example/', 'Suites: bookworm', ''].join('\n');
  assert.deepEqual(mirrors({ 'x.sources': sources }), []);
});

test('one-line sources.list: options with or without spaces, deb-src, comments', () => {
  const list = [
    '# deb http://commented.example/debian bookworm main',
    'deb [ arch=amd64 signed-by=/usr/share/keyrings/k.gpg ] http://m1.local/debian bookworm main',
    'deb [trusted=yes] http://m2.local/debian bookworm-updates main contrib',
    'deb [arch=amd64 trusted=yes] http://m3.local/debian-security bookworm-security main',
    'deb-src http://m4.local/debian bookworm main',
    '   deb http://m5.local/debian bookworm main # a trailing comment',
    '',
    'deb http://no-suite.example/debian',
    'rpm http://other.example/ bookworm main',
  ].join('\n');
  assert.deepEqual(mirrors({ 'sources.list': list }), [
    'http://m1.local/debian bookworm',
    'http://m2.local/debian bookworm-updates',
    'http://m3.local/debian-security bookworm-security',
    'http://m4.local/debian bookworm',
    'http://m5.local/debian bookworm',
  ]);
});

test('both formats in one call, in the order given; a missing file is skipped', () => {
  const out = mirrors({
    'a.list': 'deb http://one.local/debian bookworm main\n',
    'b.sources': 'Types: deb\nURIs: http://two.local/debian\nSuites: bookworm\n',
  });
  assert.deepEqual(out, ['http://one.local/debian bookworm', 'http://two.local/debian bookworm']);
  assert.equal(execFileSync(SCRIPT, ['/nonexistent/sources.list', '/nonexistent/x.sources'], { encoding: 'utf8' }), '');
});
