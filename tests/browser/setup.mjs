// Shared set-up for the browser tests: the demo server (with the test fixtures
// mounted at /test/) and one Chromium from launchChromium().

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDemo } from '../demo-server.mjs';
import { launchChromium } from './chromium.mjs';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), 'fixtures');

/** Forces GC twice over CDP and returns every string in a heap snapshot. */
export async function snapshotStrings(cdp) {
  const chunks = [];
  const onChunk = ({ chunk }) => chunks.push(chunk);
  cdp.on('HeapProfiler.addHeapSnapshotChunk', onChunk);
  await cdp.send('HeapProfiler.enable');
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  cdp.off('HeapProfiler.addHeapSnapshotChunk', onChunk);
  return JSON.parse(chunks.join('')).strings;
}

export async function startBrowserBed() {
  const demo = await startDemo({ port: 0, mounts: { '/test/': FIXTURES } });
  let browser;
  try {
    browser = await launchChromium();
  } catch (e) {
    await demo.close();
    throw e;
  }
  const errors = [];
  return {
    demo,
    browser,
    origin: demo.origin,
    errors,
    /** A new page with its errors collected in `errors`. */
    async page(path = '/test/') {
      const page = await browser.newPage();
      page.on('pageerror', (e) => errors.push(`${path}: ${e.message}`));
      await page.goto(demo.origin + path);
      return page;
    },
    /** The harness page, ready. */
    async harness() {
      const page = await this.page('/test/');
      await page.waitForSelector('body[data-ready="yes"]');
      return page;
    },
    async close() {
      await browser.close();
      await demo.close();
    },
  };
}
