// Where the test build of the core is: build/wasm/vaultlink-test.wasm has the
// raw crypto and signing hooks the shipped web/dist/vaultlink.wasm leaves out.
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const build = process.env.VL_BUILD_DIR ? path.join(process.env.VL_BUILD_DIR, '..') : new URL('../../build', import.meta.url).pathname;
export const TEST_WASM = pathToFileURL(path.join(build, 'wasm', 'vaultlink-test.wasm'));
