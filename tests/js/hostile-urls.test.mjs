// A catalogue of hostile URLs: no secret may ever reach a host outside its
// allowed domains. The oracle is the WHATWG URL parser (what fetch() uses):
// whenever vaultlink substituted the secret, the URL must parse and its
// protocol/host must be allowed. postman-runtime's own matcher runs on the same
// catalogue; where it would leak, vaultlink must be stricter, and the test says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import sdk from 'postman-collection';
import runtimeUtil from 'postman-runtime/lib/runner/util.js';
import { createVault } from 'vaultlink';

const SECRET = 'K-9f2c'; // a test value: appears in a URL only if substituted
const T = '{{vault:k}}';
// Secret "k": domains good.com. Secret "w": *.good.com. Helpers for host tokens.
const HOSTS = { evilhost: 'evil.com', goodhost: 'good.com', suffix: '.evil.com', at: 'good.com@evil.com' };

const CATALOGUE = [
  // [url template, secret name, is a legitimate use that should resolve]
  [`https://good.com/?k=${T}`, 'k', true],
  [`https://GOOD.COM/p?k=${T}`, 'k', true],
  [`HTTPS://good.com/p?k=${T}`, 'k', true],
  [`https://good.com:8443/p?k=${T}`, 'k', true],
  [`https://good.com/a/b#frag?k=${T}`, 'k', true],
  [`https://api.good.com/?k={{vault:w}}`, 'w', true],
  [`https://good.com/?k={{vault:w}}`, 'w', true],
  [`https://{{vault:goodhost}}/?k=${T}`, 'k', true],
  [`https://good.com@evil.com/?k=${T}`, 'k', false],
  [`https://evil.com@good.com/?k=${T}`, 'k', false],
  [`https://good.com:pass@evil.com/?k=${T}`, 'k', false],
  [`https://evil.com/?k=${T}#@good.com`, 'k', false],
  [`https://evil.com#@good.com/${T}`, 'k', false],
  [`https://evil.com?@good.com&k=${T}`, 'k', false],
  [`https://good.com\\@evil.com/?k=${T}`, 'k', false],
  [`https://good.com\\.evil.com/?k=${T}`, 'k', false],
  [`https://good.com.evil.com/?k=${T}`, 'k', false],
  [`https://good.com..evil.com/?k=${T}`, 'k', false],
  [`https://goodcom.evil.com/?k=${T}`, 'k', false],
  [`https://evil-good.com/?k=${T}`, 'k', false],
  [`https://evilgood.com/?k={{vault:w}}`, 'w', false],
  [`https://evil.com/good.com?k=${T}`, 'k', false],
  [`https://evil.com/?u=https://good.com/&k=${T}`, 'k', false],
  [`https://good.com%2eevil.com/?k=${T}`, 'k', false],
  [`https://good%2ecom/?k=${T}`, 'k', false],
  [`https://good.com%40evil.com/?k=${T}`, 'k', false],
  [`https://good.com./?k=${T}`, 'k', false],
  [`http://good.com/?k=${T}`, 'k', false],
  [`ws://good.com/?k=${T}`, 'k', false],
  [`https://xn--gd-fka.com/?k=${T}`, 'k', false],
  [`https://göod.com/?k=${T}`, 'k', false],
  [`https://ｇｏｏｄ.com/?k=${T}`, 'k', false],
  [`https://good.com\u3002evil.com/?k=${T}`, 'k', false],
  [`https://127.0.0.1/?k=${T}`, 'k', false],
  [`https://[::1]/?k=${T}`, 'k', false],
  [`https://0x7f.1/?k=${T}`, 'k', false],
  [`https://2130706433/?k=${T}`, 'k', false],
  [`https://good.com\t.evil.com/?k=${T}`, 'k', false],
  [`https://good.com\n.evil.com/?k=${T}`, 'k', false],
  [`https://goo\rd.com/?k=${T}`, 'k', false],
  [` https://evil.com/?k=${T}`, 'k', false],
  [`\u0000https://evil.com/?k=${T}`, 'k', false],
  [`https://good.com /evil.com?k=${T}`, 'k', false],
  [`https:good.com/?k=${T}`, 'k', false],
  [`https:/good.com/?k=${T}`, 'k', false],
  [`https:\\\\good.com\\?k=${T}`, 'k', false],
  [`https:///good.com/?k=${T}`, 'k', false],
  [`//good.com/?k=${T}`, 'k', false],
  [`/relative?k=${T}`, 'k', false],
  [`good.com/?k=${T}`, 'k', false],
  [`javascript:alert(1)//good.com/?k=${T}`, 'k', false],
  [`data:text/plain,good.com/${T}`, 'k', false],
  [`https://evil.com:good.com/?k=${T}`, 'k', false],
  [`https://good.com:99999/?k=${T}`, 'k', false],
  [`https://{{vault:evilhost}}/?k=${T}`, 'k', false],
  [`https://good.com{{vault:suffix}}/?k=${T}`, 'k', false],
  [`https://{{vault:at}}/?k=${T}`, 'k', false],
  [`https://${T}.good.com/`, 'k', false],
  [`https://{{unknown}}/?k=${T}`, 'k', false],
  [`https://sub.good.com/?k=${T}`, 'k', false],
  [`https://evil.com\u0000good.com/?k=${T}`, 'k', false],
];

function whatwgAllowed(url, name) {
  let u;
  try {
    u = new URL(url);
  } catch {
    return false; // fetch() would refuse to send it at all
  }
  if (u.protocol !== 'https:') return false;
  if (name === 'w') return u.hostname === 'good.com' || u.hostname.endsWith('.good.com');
  return u.hostname === 'good.com';
}

function parses(url) {
  try {
    return !!new URL(url);
  } catch {
    return false;
  }
}

function postmanWouldSubstitute(template, name) {
  const scope = new sdk.VariableScope({
    values: [
      { key: 'vault:k', value: SECRET },
      { key: 'vault:w', value: SECRET },
      ...Object.entries(HOSTS).map(([k, v]) => ({ key: `vault:${k}`, value: v })),
    ],
  });
  scope.values.members.find((v) => v.key === 'vault:k')._ = { domains: ['good.com'] };
  scope.values.members.find((v) => v.key === 'vault:w')._ = { domains: ['*.good.com'] };
  runtimeUtil.prepareVaultVariableScope(scope);
  let url;
  try {
    const item = new sdk.Item({ request: { url: template } });
    url = runtimeUtil.resolveUrlString(item, { vaultSecrets: scope });
  } catch {
    return { substituted: false, url: '' };
  }
  return { substituted: url.includes(SECRET), url };
}

test(`catalogue of ${CATALOGUE.length} hostile and legitimate URLs: no leak, legit uses resolve`, async () => {
  assert.ok(CATALOGUE.length >= 40);
  const vault = await createVault();
  vault.link('k', { provider: 'local', value: SECRET }, { domains: ['good.com'] });
  vault.link('w', { provider: 'local', value: SECRET }, { domains: ['*.good.com'] });
  for (const [k, v] of Object.entries(HOSTS)) vault.link(k, { provider: 'local', value: v });
  const postmanLeaks = [];
  const stricter = [];
  for (const [template, name, legit] of CATALOGUE) {
    const r = await vault.resolve({ url: template });
    const substituted = r.url.includes(SECRET);
    if (substituted) {
      assert.ok(whatwgAllowed(r.url, name), `LEAK: ${JSON.stringify(template)} → ${JSON.stringify(r.url)}`);
    } else {
      assert.ok(
        r.unresolved.some((u) => u.name === name && u.reason === 'domain_not_allowed'),
        `${JSON.stringify(template)}: not substituted but no domain_not_allowed report`,
      );
    }
    assert.equal(substituted, legit, `${JSON.stringify(template)}: expected ${legit ? 'resolved' : 'refused'}`);
    const pm = postmanWouldSubstitute(template, name);
    if (pm.substituted && parses(pm.url) && !whatwgAllowed(pm.url, name)) postmanLeaks.push(template);
    if (pm.substituted && !substituted) stricter.push(template);
  }
  vault.wipe();
  // Where postman-runtime's matcher would send the secret elsewhere, vaultlink refused.
  console.log(`postman-runtime would leak on ${postmanLeaks.length} of ${CATALOGUE.length}:`, postmanLeaks);
  console.log(`vaultlink is stricter than postman-runtime on ${stricter.length}:`, stricter);
  for (const t of postmanLeaks) assert.ok(stricter.includes(t));
});
