// Regenerates the README's screenshot (docs/demo.png) at 1440×900: the demo
// with its emulators, AWS and HashiCorp Vault connected, one request sent.
//
//   node tests/browser/readme-shot.mjs [out.png]

import { join } from 'node:path';
import { startDemo, ROOT } from '../demo-server.mjs';
import { launchChromium } from './chromium.mjs';

const out = process.argv[2] ?? join(ROOT, 'docs', 'demo.png');
const demo = await startDemo({ port: 0 });
const browser = await launchChromium({ viewport: { width: 1440, height: 900 } });
try {
  const page = await browser.newPage();
  await page.goto(demo.url);
  await page.waitForSelector('body[data-state="ready"]');
  for (const id of ['aws', 'hashicorp']) {
    if (!(await page.$(`.provider-card[data-provider="${id}"]`))) continue;
    await page.click(`.provider-card[data-provider="${id}"] .connect`);
    await page.waitForSelector(`.provider-card[data-provider="${id}"][data-state="connected"]`);
  }
  await page.click('#send');
  await page.waitForSelector('#response:not([hidden])');
  await page.waitForSelector('#send:not([disabled])');
  await page.evaluate(() => {
    document.querySelector('#side').scrollTop = 0; // the Connect clicks scrolled it
  });
  const pane = await page.$eval('#response-pane', (p) => [p.scrollWidth, p.clientWidth]);
  if (pane[0] > pane[1]) console.warn(`the response pane scrolls sideways: ${pane}`);
  await page.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await demo.close();
}
