// The deployment views against the quickstart's `credit-api`, plus a
// deployment with a canary and a shadow this file creates (and deletes):
// list, arms, the traffic bar, and live charts from /stats after real requests.
import { afterAll, describe, expect, it } from 'vitest';
import { baseUrl, canvasHasInk, open, screenshot, useBrowser } from './browser';

const features = ['age', 'income', 'debt_ratio', 'utilization', 'credit_lines', 'late_payments', 'months_employed', 'loan_amount'];
const row = [41, 52000, 0.31, 0.42, 4, 0, 36, 12000];

async function infer(deployment: string): Promise<number> {
  const r = await fetch(`${baseUrl()}/v2/models/${deployment}/infer`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ inputs: features.map((name, i) => ({ name, shape: [1], datatype: 'FP64', data: [row[i]] })) }),
  });
  await r.text();
  return r.status;
}

interface Stats {
  versions: { version: string; requests: Record<string, Record<string, number>>; latency_seconds: { count: number } }[];
}

async function stats(name: string): Promise<Stats> {
  const r = await fetch(`${baseUrl()}/api/v1/deployments/${name}/stats`);
  expect(r.status).toBe(200);
  return (await r.json()) as Stats;
}

describe('deployment views', () => {
  const browser = useBrowser();
  afterAll(async () => {
    await fetch(`${baseUrl()}/api/v1/deployments/credit-ab`, { method: 'DELETE' });
  });

  it('lists credit-api with its primary arm', async () => {
    const { page, errors } = await open(browser(), '/deployments');
    const r = page.locator('[data-testid=deployment-row][data-name=credit-api]');
    await r.waitFor();
    const text = await r.textContent();
    expect(text).toContain('credit@champion');
    expect(text).toContain('READY');
    expect(await r.getByTestId('arm').allTextContents()).toEqual(['primary · v2']);
    await screenshot(page, 'deployments-list');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('draws live request rate and latency after requests', async () => {
    const before = await stats('credit-api');
    const { page, errors } = await open(browser(), '/deployments/credit-api');
    const primary = page.locator('[data-testid=arm-row][data-role=primary]');
    await primary.waitFor();
    expect(await primary.textContent()).toContain('xgboost');
    expect(await primary.textContent()).toContain('v2');
    expect(await page.getByTestId('traffic-primary').textContent()).toContain('100%');
    expect(await page.getByTestId('monitoring-link').getAttribute('href')).toBe('/deployments/credit-api/monitoring');
    // Requests keep coming until a latency point between two polls is on the chart.
    let sending = true;
    let sent = 0;
    const sender = (async () => {
      while (sending) {
        expect(await infer('credit-api')).toBe(200);
        sent++;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    try {
      await page.waitForFunction(() => Number(document.querySelector('[data-testid=live-charts]')?.getAttribute('data-latency-points') ?? 0) > 0,
        undefined, { timeout: 45_000 });
    } finally {
      sending = false;
      await sender;
    }
    for (const chart of ['chart-rps', 'chart-latency', 'chart-errors']) {
      await page.locator(`[data-testid=${chart}][data-drawn=true]`).waitFor();
      expect(await canvasHasInk(page, `[data-testid=${chart}]`)).toBe(true);
    }
    const after = await stats('credit-api');
    const ok = (s: Stats) => s.versions.filter((v) => v.version === '2').reduce((n, v) => n + (v.requests.primary?.OK ?? 0), 0);
    expect(ok(after) - ok(before)).toBeGreaterThanOrEqual(sent);
    const statsRow = page.locator('[data-testid=stats-row][data-version="2"]');
    await statsRow.waitFor();
    expect(await statsRow.textContent()).toMatch(/ms/);
    await screenshot(page, 'deployment-detail');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('draws a canary and a shadow in the traffic bar with the shadow agreement', async () => {
    const r = await fetch(`${baseUrl()}/api/v1/deployments`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'credit-ab', model: 'credit/2', canary: { model: 'credit/1', percent: 25 }, shadow: { model: 'credit/1' } }),
    });
    expect(r.status).toBe(201);
    for (let i = 0; i < 8; i++) expect(await infer('credit-ab')).toBe(200);
    for (const narrow of [false, true]) {
      const { page, errors } = await open(browser(), '/deployments/credit-ab', narrow);
      await page.getByTestId('traffic-canary').waitFor();
      expect(await page.getByTestId('traffic-primary').textContent()).toContain('75%');
      expect(await page.getByTestId('traffic-canary').textContent()).toContain('25%');
      await page.getByTestId('traffic-shadow').waitFor();
      await page.locator('[data-testid=arm-row][data-role=shadow]').waitFor();
      await page.getByTestId('shadow-agreement').filter({ hasText: 'compared answers agreed' }).waitFor();
      await page.getByTestId('stats-row').first().waitFor();
      await screenshot(page, narrow ? 'deployment-canary-narrow' : 'deployment-canary');
      expect(errors).toEqual([]);
      await page.close();
    }
  });

  it('shows the server\'s error for a deployment that does not exist', async () => {
    const r = await fetch(`${baseUrl()}/api/v1/deployments/no-such-deployment/stats`);
    expect(r.status).toBe(404);
    const { page } = await open(browser(), '/deployments/no-such-deployment');
    const error = page.getByTestId('error').first();
    await error.waitFor();
    expect(await error.textContent()).toContain('no-such-deployment');
    await page.close();
  });
});
