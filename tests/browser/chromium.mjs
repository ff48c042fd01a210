// Launches Debian's Chromium for the browser tests and the demo check, always
// with the same flags and a fresh, throw-away profile.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM_PATH = process.env.VL_CHROMIUM ?? '/usr/bin/chromium';

// Exactly these flags; headless comes from --headless=new, so playwright's own
// `headless` option stays false (it would add the old --headless otherwise).
export const CHROMIUM_ARGS = Object.freeze([
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]);

/**
 * Starts Chromium with a fresh temporary user-data-dir.
 * @returns {Promise<{context: import('playwright-core').BrowserContext, newPage: () => Promise<import('playwright-core').Page>, close: () => Promise<void>}>}
 */
export async function launchChromium({ viewport = { width: 1280, height: 900 } } = {}) {
  const profile = await mkdtemp(join(tmpdir(), 'vaultlink-chromium-'));
  let context;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: false,
      args: [...CHROMIUM_ARGS],
      viewport,
      timeout: 60_000,
    });
  } catch (e) {
    await rm(profile, { recursive: true, force: true });
    throw e;
  }
  let closed = false;
  return {
    context,
    async newPage() {
      return context.newPage();
    },
    async close() {
      if (closed) return;
      closed = true;
      await context.close().catch(() => {});
      await rm(profile, { recursive: true, force: true });
    },
  };
}
