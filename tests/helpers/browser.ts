// A real browser for the page tests: Debian's headless Chromium driven by playwright-core (never a
// browser download). One launch per test file; contexts for the variants (JavaScript off, a phone, dark).
// Browser-side code is passed as strings: the test code is type-checked without the DOM library.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Where Debian's chromium package puts the browser (STORYFEED_CHROMIUM overrides). */
export const CHROMIUM = process.env.STORYFEED_CHROMIUM ?? '/usr/bin/chromium';

/**
 * The flags this machine needs (its network is closed: background networking would be refused, many
 * times over). Playwright adds --headless and a fresh, empty --user-data-dir of its own per launch.
 */
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync'];

/** Screenshots go here (git-ignored). */
export const SCREENSHOTS = new URL('../../test-output/screenshots/', import.meta.url);

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`headless Chromium is needed for the page tests and is not at ${CHROMIUM}: install the Debian package ` +
      '`chromium` (apt-get install chromium), or point STORYFEED_CHROMIUM at a Chromium binary');
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
}

/** What went wrong in a page: console errors and warnings (CSP violations are reported there), page errors, failed or refused requests. */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    const error = r.failure()?.errorText ?? '?';
    // Cancelled by the browser because the page navigated away meanwhile (the icon is fetched late, after
    // load): not a failure of the server. Refused, reset or blocked requests have other codes.
    if (error === 'net::ERR_ABORTED') return;
    problems.push(`request failed: ${r.url()} (${error})`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`);
  });
  page.on('dialog', (d) => {
    problems.push(`a dialog opened: ${d.message()}`);
    void d.dismiss();
  });
  return problems;
}

export async function screenshot(page: Page, name: string, fullPage = true): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = new URL(`${name}.png`, SCREENSHOTS).pathname;
  await page.screenshot({ path, fullPage });
  return path;
}

/** A smaller picture for the README: the top of the page, or of one element, at most `height` pixels tall. */
export async function readmeShot(page: Page, name: string, opts: { from?: string; height: number }): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = new URL(`readme-${name}.png`, SCREENSHOTS).pathname;
  const box = opts.from ? await page.locator(opts.from).first().boundingBox() : undefined;
  const width = page.viewportSize()?.width ?? 800;
  // boundingBox() is relative to the viewport, a full-page clip to the page.
  const scrolled = box ? await page.evaluate('window.scrollY') as number : 0;
  const y = box ? Math.max(0, box.y + scrolled - 8) : 0;
  await page.screenshot({ path, fullPage: true, clip: { x: 0, y, width, height: Math.min(opts.height, box ? box.height + 16 : opts.height) } });
  return path;
}

/** Does the page scroll sideways (wider than its viewport)? */
export async function horizontalOverflow(page: Page): Promise<{ scrollWidth: number; clientWidth: number }> {
  return page.evaluate('({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth })');
}

/** Landmarks and headings as the accessibility tree sees them. */
export async function outline(page: Page): Promise<{ h1: number; banner: number; main: number; nav: number; contentinfo: number; lang: string }> {
  return page.evaluate(`({
    h1: document.querySelectorAll('h1').length,
    banner: document.querySelectorAll('body > header, [role=banner]').length,
    main: document.querySelectorAll('main, [role=main]').length,
    nav: document.querySelectorAll('nav, [role=navigation]').length,
    contentinfo: document.querySelectorAll('body > footer, [role=contentinfo]').length,
    lang: document.documentElement.lang,
  })`);
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

const AXE_SOURCE = (() => {
  const require = createRequire(import.meta.url);
  return readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
})();

/**
 * axe-core's WCAG 2.1 A/AA and best-practice rules, run inside the page. It is evaluated through the
 * DevTools protocol, which the page's CSP does not govern (the page itself never runs a script).
 */
export async function axe(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(`axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })
    .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.html) })))`);
}
