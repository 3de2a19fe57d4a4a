// Debian's headless Chromium driven by playwright-core, with a fresh profile per run, every console error
// and page error collected, and any request that leaves the loopback server recorded.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-quic',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches Chromium with a new temporary profile. `allowedOrigin`: requests elsewhere (other than data:
 * and blob: URLs) are recorded in `offsite`. Resolves to `{ context, page, problems, offsite, close }`.
 */
export async function launch({ allowedOrigin }) {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)`);
  }
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'test-bench-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1440, height: 1000 },
    acceptDownloads: true,
    serviceWorkers: 'allow',
  });
  const problems = [];
  const offsite = [];
  const watch = (page) => {
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
      // BROWSER_CONSOLE=1 prints what the page logs, to follow a failing run.
      if (process.env.BROWSER_CONSOLE) console.log(`[page ${message.type()}] ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.stack ?? error.message}`));
  };
  context.on('page', watch);
  context.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(allowedOrigin) && !/^(data|blob):/.test(url)) offsite.push(url);
  });
  const page = context.pages()[0] ?? (await context.newPage());
  watch(page);
  // BROWSER_CPU_THROTTLE=4 runs the page four times slower, as a busy CI machine may: timing-dependent
  // waits show up here first.
  const throttle = Number(process.env.BROWSER_CPU_THROTTLE ?? 1);
  if (throttle > 1) await (await context.newCDPSession(page)).send('Emulation.setCPUThrottlingRate', { rate: throttle });
  return {
    context,
    page,
    problems,
    offsite,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Replaces a CodeMirror editor's whole text the way a user would: select all, then type it as one input.
 * One line only: Chromium's synthetic text input drops line breaks (press Enter for those).
 */
export async function replaceEditorText(page, editorSelector, text) {
  if (text.includes('\n')) throw new Error('replaceEditorText types one line: press Enter for line breaks');
  await page.click(`${editorSelector} .cm-content`);
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(text);
}

/** Waits until the element's attribute has the value; fails with what it had. */
export async function waitForAttribute(page, selector, name, value, timeout = 10_000) {
  try {
    await page.waitForSelector(`${selector}[${name}="${value}"]`, { timeout });
  } catch (e) {
    const actual = await page.getAttribute(selector, name).catch(() => '(no such element)');
    throw new Error(`${selector} never had ${name}="${value}" (it has ${JSON.stringify(actual)}): ${e.message}`, { cause: e });
  }
}

/** Saves a full-page screenshot as an artifact. */
export async function screenshot(page, dir, name) {
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true });
}

/** The JSON of a file the page offers as a download after `trigger()`. */
export async function downloadedJson(page, trigger) {
  const [download] = await Promise.all([page.waitForEvent('download'), trigger()]);
  const file = await download.path();
  return { name: download.suggestedFilename(), json: JSON.parse(fs.readFileSync(file, 'utf8')) };
}
