// Seeds for the 1Password Connect emulator, built at test time from
// ../shared/vectors/1password/secret-reference-cases.json (read in place).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const VECTORS = process.env.VL_VECTORS_DIR ?? new URL('../../../shared/vectors', import.meta.url).pathname;

export const cases = JSON.parse(readFileSync(join(VECTORS, '1password/secret-reference-cases.json'), 'utf8'));
export const FULL_ITEM = cases.connect_item_example; // GitHub, vault ionaiwtdvgclrixbt6ztpqcxnq
export const VID = FULL_ITEM.vault.id;
export const IID = FULL_ITEM.id;
export const TOKEN = 'emulator-only-connect-token';
export const NARROW_TOKEN = 'emulator-only-narrow-token';
export const OTHER_VID = 'qqqqqqqqqqqqqqqqqqqqqqqqqq';
export const DUP_VID = 'dddddddddddddddddddddddddd';
export const FILE_ID = 'fffffffffffffffffffffffffa';
export const DB_IID = 'bbbbbbbbbbbbbbbbbbbbbbbbbb';

/** Emulator options: the vector's item in "Private", plus a database item with a file, a duplicate title and an out-of-scope vault. */
export function seed() {
  const db = {
    id: DB_IID,
    title: 'Prod DB',
    vault: { id: VID },
    category: 'DATABASE',
    version: 1,
    sections: [{ id: 'Section_conn', label: 'Connection' }],
    fields: [
      { id: 'database_host', section: { id: 'Section_conn' }, type: 'STRING', label: 'host', value: 'db.internal.test' },
      { id: 'password', type: 'CONCEALED', purpose: 'PASSWORD', label: 'password', value: 'emulator-db-pass' },
    ],
    files: [{ id: FILE_ID, name: 'ca.pem', size: 13, section: { id: 'Section_conn' } }],
  };
  const dup = (id) => ({ id, title: 'Twin', vault: { id: VID }, category: 'PASSWORD', fields: [{ id: 'password', label: 'password', value: `twin-${id.slice(0, 2)}` }] });
  return {
    tokens: [
      { token: TOKEN, vaults: [VID, DUP_VID] },
      { token: NARROW_TOKEN, vaults: [OTHER_VID] },
    ],
    vaults: [
      { id: VID, name: 'Private' },
      { id: OTHER_VID, name: 'Shared' },
      { id: DUP_VID, name: 'Twins' },
    ],
    items: [
      FULL_ITEM,
      db,
      dup('tttttttttttttttttttttttta1'),
      dup('tttttttttttttttttttttttta2'),
      { id: 'sssssssssssssssssssssssss1', title: 'Team Wiki', vault: { id: OTHER_VID }, category: 'LOGIN', fields: [{ id: 'password', label: 'password', value: 'shared-pass' }] },
    ],
    files: { [FILE_ID]: 'CA-CERT-BYTES' },
  };
}
