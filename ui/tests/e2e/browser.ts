// One headless chromium per test file (Debian's /usr/bin/chromium, driven by
// playwright-core), pages at 1280×800 or a narrow 390×844, a screenshot
// helper that saves into test-results/screenshots/, and a check that a
// page logged no errors.
import { chromium, type Browser, type Page } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, inject } from 'vitest';

export const baseUrl = () => inject('baseUrl');
export const filled = () => inject('filled');

let browser: Browser | undefined;

export function useBrowser(): () => Browser {
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
             '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    });
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => browser!;
}

export interface OpenedPage {
  page: Page;
  errors: string[];
}

// A new page on `path`; console errors and failed requests are collected.
export async function open(b: Browser, path: string, narrow = false): Promise<OpenedPage> {
  const page = await b.newPage({ viewport: narrow ? { width: 390, height: 844 } : { width: 1280, height: 800 } });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(baseUrl() + path);
  return { page, errors };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = join(inject('artifactsDir'), 'screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

// A chart's canvas has drawn pixels that are not all one colour.
export async function canvasHasInk(page: Page, selector: string): Promise<boolean> {
  return page.$eval(selector, (el) => {
    const c = el.querySelector('canvas') as HTMLCanvasElement | null;
    if (!c || c.width === 0 || c.height === 0) return false;
    const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    const first = data.slice(0, 4).join(',');
    for (let i = 4; i < data.length; i += 4 * 7) {
      if (`${data[i]},${data[i + 1]},${data[i + 2]},${data[i + 3]}` !== first) return true;
    }
    return false;
  });
}
