import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { REPO_ROOT } from './test-database.js';

/**
 * Real headless Chromium for page tests: Debian's /usr/bin/chromium driven by playwright-core (playwright's own
 * browser downloads cannot run here). CHROMIUM_PATH overrides the binary.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Screenshots and other files CI keeps as artifacts. */
export const ARTIFACTS_DIR = path.join(REPO_ROOT, 'test/artifacts');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

export interface WatchedPage {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors, as text. */
  errors: string[];
  /** Every URL the page requested outside `origin` (a page that must work offline should have none). */
  foreignRequests: string[];
  /** Every URL the page requested, in order. */
  requests: string[];
}

/** A fresh context and page that record console errors and any request leaving `origin`. */
export async function openWatchedPage(
  browser: Browser,
  origin: string,
  viewport = { width: 1440, height: 900 },
): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const errors: string[] = [];
  const foreignRequests: string[] = [];
  const requests: string[] = [];
  const allowed = new URL(origin).origin;
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('request', (request) => {
    const url = request.url();
    requests.push(url);
    if (!url.startsWith('data:') && new URL(url).origin !== allowed) foreignRequests.push(url);
  });
  return { context, page, errors, foreignRequests, requests };
}

/** Saves a full-page screenshot under test/artifacts and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  const file = path.join(ARTIFACTS_DIR, name);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}
