/** Debian Chromium driven by playwright-core, with the page's errors and off-origin requests recorded. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const SCREENS_DIR = join(process.cwd(), 'test-results', 'screens');

/**
 * Software WebGL through ANGLE's SwiftShader backend, as a stand-in for a wall PC's GPU, with page
 * content and 2D canvases rasterized on the CPU as Chromium does without a GPU
 * (docs/decisions/software-gl-in-tests.md says what each flag avoids).
 */
export const SOFTWARE_GL_ARGS = [
  '--enable-unsafe-swiftshader',
  '--ignore-gpu-blocklist',
  '--use-gl=angle',
  '--use-angle=swiftshader',
  '--disable-gpu-rasterization',
  '--disable-accelerated-2d-canvas',
];

export async function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  mkdirSync(SCREENS_DIR, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--enable-unsafe-swiftshader',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
      ...extraArgs,
    ],
  });
}

export interface WatchedPage {
  page: Page;
  /** Console errors, page errors and requests that left the page's origin. */
  problems: string[];
}

/**
 * A new page on `base`. With `clock`, the browser's clock starts at that time and runs on (give it
 * the test server's time: a test must not depend on the day it runs).
 */
export async function openPage(
  browser: Browser,
  base: string,
  viewport = { width: 1920, height: 1080 },
  clock?: Date,
): Promise<WatchedPage> {
  const page = await browser.newPage({ viewport });
  // The app exposes its map and feed handles to tests only when asked (client/src/test-hooks.ts).
  await page.addInitScript(() => ((window as unknown as { __lstTestHooks: boolean }).__lstTestHooks = true));
  if (clock) await page.clock.install({ time: clock });
  const problems: string[] = [];
  page.on('console', (m) => {
    // Software WebGL reports its own performance notes as warnings; only errors count.
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(base) && !url.startsWith('data:') && !url.startsWith('blob:')) problems.push(`off-origin request: ${url}`);
  });
  return { page, problems };
}

export async function signIn(page: Page, base: string, username: string, password: string): Promise<void> {
  await page.goto(`${base}/login`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
}

/** Waits until the map has rendered once and says so (useMap marks the first idle). */
export async function mapIdle(page: Page, timeout = 30_000): Promise<void> {
  await page.waitForFunction(() => !!(window as unknown as { __mapIdle?: number }).__mapIdle, undefined, { timeout });
}
