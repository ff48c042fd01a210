// Fidelity of the 1Password Connect emulator: the official @1password/connect
// client reads vaults, items, OTP codes and files from it, and sees its errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { OnePasswordConnect } from '@1password/connect';
import { startOnePasswordEmulator, totpFromUri } from '../emulators/onepassword.mjs';
import { seed, cases, FULL_ITEM, VID, IID, TOKEN, NARROW_TOKEN, OTHER_VID, FILE_ID, DB_IID } from './onepassword-fixtures.mjs';

let emu;
before(async () => {
  emu = await startOnePasswordEmulator(seed());
});
after(() => emu.close());
const client = (token = TOKEN) => OnePasswordConnect({ serverURL: emu.url, token, keepAlive: false });

test('vaults: list (scoped to the token), by title, by id', async () => {
  const op = client();
  const vaults = await op.listVaults();
  assert.deepEqual(vaults.map((v) => v.name).sort(), ['Private', 'Twins']);
  assert.equal((await op.getVaultByTitle('Private')).id, VID);
  assert.equal((await op.getVault(VID)).name, 'Private');
  assert.equal((await op.listVaultsByTitle('private')).length, 1); // SCIM eq: case-insensitive
  assert.ok(emu.state.requests.includes('GET /v1/vaults/?filter=title%20eq%20%22Private%22'));
});

test('items: summaries without fields, by title, full item with the current TOTP', async () => {
  const op = client();
  const items = await op.listItems(VID);
  assert.ok(items.some((i) => i.title === 'GitHub'));
  for (const i of items) assert.equal(i.fields, undefined);
  const [gh] = await op.listItemsByTitle(VID, 'GitHub');
  assert.equal(gh.id, IID);
  const full = await op.getItemById(VID, IID);
  assert.equal(full.title, 'GitHub');
  assert.equal(full.fields.find((f) => f.id === 'password').value, 'hunter2');
  assert.equal(full.sections[0].label, 'Security');
  const otpField = FULL_ITEM.fields.find((f) => f.type === 'OTP');
  const t = Date.now();
  const otp = await op.getItemOTP(VID, IID);
  assert.ok([totpFromUri(otpField.value, t), totpFromUri(otpField.value, Date.now())].includes(otp));
  assert.equal((await op.getItemByTitle(VID, 'GitHub')).id, IID);
});

test('the emulator computes the vectors\' TOTP: 287082 at t = 59 s', () => {
  const otpField = FULL_ITEM.fields.find((f) => f.type === 'OTP');
  assert.equal(totpFromUri(otpField.value, 59_000), otpField.totp);
  assert.equal(cases.connect_item_example.fields.find((f) => f.type === 'OTP').totp, '287082');
});

test('files: list, metadata, content', async () => {
  const op = client();
  const files = await op.listFiles(VID, DB_IID);
  assert.equal(files[0].name, 'ca.pem');
  assert.equal(files[0].contentPath ?? files[0].content_path, `v1/vaults/${VID}/items/${DB_IID}/files/${FILE_ID}/content`);
  assert.equal((await op.getFileById(VID, DB_IID, FILE_ID)).id, FILE_ID);
  assert.equal(String(await op.getFileContent(VID, DB_IID, FILE_ID)), 'CA-CERT-BYTES');
});

test('errors: {status, message} for 401, 403, 404', async () => {
  await assert.rejects(client('wrong-token').listVaults(), (e) => e.status === 401 && e.message === 'Invalid token signature');
  await assert.rejects(client(NARROW_TOKEN).getVaultById(VID), (e) => e.status === 403 && /not in scope/.test(e.message));
  await assert.rejects(client().getItemById(VID, 'zzzzzzzzzzzzzzzzzzzzzzzzzz'), (e) => e.status === 404 && /not found/.test(e.message));
  assert.equal((await client(NARROW_TOKEN).getVaultById(OTHER_VID)).name, 'Shared');
});

test('health, heartbeat, no CORS headers, bad filters', async () => {
  assert.equal(await (await fetch(`${emu.url}/heartbeat`)).text(), '.');
  assert.equal((await (await fetch(`${emu.url}/health`)).json()).name, '1Password Connect API');
  const pre = await fetch(`${emu.url}/v1/vaults`, { method: 'OPTIONS', headers: { Origin: 'https://app.test' } });
  assert.equal(pre.headers.get('access-control-allow-origin'), null);
  const r = await fetch(`${emu.url}/v1/vaults?filter=bogus`, { headers: { Authorization: `Bearer ${TOKEN}`, Origin: 'https://app.test' } });
  assert.equal(r.status, 400);
  assert.equal(r.headers.get('access-control-allow-origin'), null);
  assert.deepEqual(await r.json(), { status: 400, message: 'Invalid filter' });
});
