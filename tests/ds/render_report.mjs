// render_report.mjs REPORT.html SCREENSHOT.png
//
// Opens the report in Debian's headless Chromium (driven by playwright-core),
// with every non-file request blocked so the report must work offline, waits
// for plotly to draw, takes a full-page screenshot and prints one JSON line:
//   {"title", "errors": [...], "blocked": [...], "charts": [{"id", "mainSvgs",
//    "traces", "width", "height"}]}
// Exit status 0 when it could render (the caller judges the JSON), 1 otherwise.
import { chromium } from 'playwright-core';
import path from 'node:path';

const [, , report, shot] = process.argv;
if (!report || !shot) {
  console.error('usage: render_report.mjs REPORT.html SCREENSHOT.png');
  process.exit(1);
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  const blocked = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  await page.goto('file://' + path.resolve(report), { waitUntil: 'load', timeout: 60000 });
  await page.waitForFunction(() => {
    const divs = [...document.querySelectorAll('.plotly-graph-div')];
    return divs.length > 0 && divs.every((d) => d.querySelector('.main-svg'));
  }, null, { timeout: 60000 });
  const charts = await page.evaluate(() => [...document.querySelectorAll('.plotly-graph-div')].map((d) => {
    const r = d.getBoundingClientRect();
    return {
      id: d.closest('.chart') ? d.closest('.chart').id : '',
      mainSvgs: d.querySelectorAll('.main-svg').length,
      traces: d.querySelectorAll('g.trace').length,
      width: Math.round(r.width),
      height: Math.round(r.height),
    };
  }));
  await page.screenshot({ path: shot, fullPage: true });
  console.log(JSON.stringify({ title: await page.title(), errors, blocked, charts }));
} catch (e) {
  console.error(String(e));
  process.exitCode = 1;
} finally {
  await browser.close();
}
