// The monitoring page of the quickstart's deployment (credit-api: drift over
// time, the drift report with income shifted, histograms, data quality,
// performance and calibration, windows) and the alerts page (the
// credit-income-drift rule, its history, "Evaluate now"), with bad inputs.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { baseUrl, canvasHasInk, open, screenshot, useBrowser } from './browser';

// The quickstart's features (src/cli/quickstart/credit_data.cc, kCreditFeatures).
const features = ['age', 'income', 'debt_ratio', 'utilization', 'credit_lines', 'late_payments', 'months_employed', 'loan_amount'];
const page0 = '/deployments/credit-api/monitoring';

async function api<T>(path: string, init?: RequestInit): Promise<{ status: number; body: T }> {
  const r = await fetch(baseUrl() + path, init);
  return { status: r.status, body: (await r.json()) as T };
}

async function drawn(page: Page, testid: string): Promise<void> {
  await page.locator(`[data-testid="${testid}"][data-drawn="true"]`).first().waitFor();
  expect(await canvasHasInk(page, `[data-testid="${testid}"]`)).toBe(true);
}

// An SVG's bars with a positive width.
const barsWithWidth = (page: Page, sel: string) =>
  page.$$eval(sel, (els) => els.filter((e) => Number(e.getAttribute('width')) > 0).length);

describe('monitoring', () => {
  const browser = useBrowser();

  it('shows drift over time, the drift report with income drifted, and links', async () => {
    const { page, errors } = await open(browser(), page0);
    await drawn(page, 'drift-chart');
    const rows = page.locator('[data-testid="drift-table"] tbody tr');
    await rows.first().waitFor();
    const listed = await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-feature')));
    expect([...listed].sort()).toEqual([...features].sort());
    // The quickstart shifts incomes: the report says so, and so does the table.
    const report = await api<{ columns: { column: string; drifted?: boolean }[]; version: number }>('/api/v1/deployments/credit-api/drift');
    expect(report.body.columns.find((c) => c.column === 'income')?.drifted).toBe(true);
    const income = page.locator('[data-testid="drift-table"] tr[data-feature="income"]');
    await expect(income.getAttribute('data-drifted')).resolves.toBe('true');
    expect(await income.getAttribute('class')).toContain('drifted');
    expect(await income.textContent()).toContain('drifted');
    const driftedRows = await page.locator('[data-testid="drift-table"] tr[data-drifted="true"]').count();
    expect(driftedRows).toBe(report.body.columns.filter((c) => c.drifted).length);
    // Default sort: score, highest first.
    const scores = await rows.evaluateAll((trs) => trs.map((tr) => Number(tr.children[3].textContent)));
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    // The threshold line is in the legend; links to the deployment and the version.
    expect(await page.locator('[data-testid="section-drift-series"]').textContent()).toContain('threshold (0.1)');
    expect(await page.getByTestId('deployment-link').getAttribute('href')).toBe('/deployments/credit-api');
    expect(await page.getByTestId('version-link').getAttribute('href')).toBe(`/models/credit/versions/${report.body.version}`);
    // Data quality: the report's findings.
    const findings = page.locator('[data-testid="findings-table"]');
    await findings.waitFor();
    expect(await findings.textContent()).toContain('late_payments');
    await screenshot(page, 'monitoring-credit-api');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows a feature\'s reference and current histograms on click, as a deep link', async () => {
    const { page } = await open(browser(), page0);
    await page.locator('[data-testid="drift-table"] tr[data-feature="income"]').click();
    await page.waitForURL(/feature=income/);
    const hist = page.locator('[data-testid="histogram"][data-feature="income"]');
    await hist.waitFor();
    expect(await barsWithWidth(page, '[data-testid="histogram"] rect.bar-ref')).toBeGreaterThan(2);
    expect(await barsWithWidth(page, '[data-testid="histogram"] rect.bar-cur')).toBeGreaterThan(2);
    expect(await page.locator('[data-testid="drift-table"] tr.selected').getAttribute('data-feature')).toBe('income');
    // Sorting by feature name is in the URL too.
    await page.getByTestId('sort-column').click();
    await page.waitForURL(/sort=column/);
    expect(await page.locator('[data-testid="drift-table"] tbody tr').first().getAttribute('data-feature')).toBe('age');
    await page.close();

    const again = await open(browser(), `${page0}?feature=late_payments`);
    await again.page.locator('[data-testid="histogram"][data-feature="late_payments"] rect.bar-ref').first().waitFor();
    const labels = await again.page.$$eval('[data-testid="histogram"] g[data-bin]', (gs) => gs.map((g) => g.getAttribute('data-bin')));
    expect(labels).toContain('0');
    await screenshot(again.page, 'monitoring-histogram-late-payments');
    await again.page.close();
  });

  it('draws performance over windows and the calibration curve', async () => {
    const { page } = await open(browser(), page0);
    await drawn(page, 'perf-chart');
    await drawn(page, 'perf-error-chart');
    const perf = await api<{ versions: { version: number; metrics: { accuracy: number; roc_auc: number } }[] }>(
      '/api/v1/deployments/credit-api/performance',
    );
    const v = perf.body.versions.find((x) => x.metrics.accuracy !== null)!;
    const card = page.locator(`[data-testid="perf-cards-v${v.version}"] [data-metric="roc_auc"]`);
    expect(await card.textContent()).toContain(String(Number(v.metrics.roc_auc.toPrecision(3))));
    const cal = page.getByTestId('calibration');
    await cal.waitFor();
    expect(await cal.locator('circle').count()).toBeGreaterThan(2);
    expect(await cal.locator('polyline').getAttribute('points')).toMatch(/\d+(\.\d+)?,\d+(\.\d+)? \d/);
    expect(await cal.locator('line.diag').count()).toBe(1);
    await page.close();
  });

  it('chooses one window for the report', async () => {
    const { page } = await open(browser(), page0);
    const buttons = page.getByTestId('window-report');
    await buttons.first().waitFor();
    expect(await page.locator('[data-testid="windows-table"] tbody tr').count()).toBeGreaterThanOrEqual(2);
    await buttons.first().click();
    await page.waitForURL(/wfrom=\d+&wto=\d+/);
    await page.getByText('One window:').waitFor();
    await page.locator('[data-testid="drift-table"] tr[data-feature="income"]').waitFor();
    await page.getByTestId('clear-window').click();
    await page.getByText('Range:').waitFor();
    await page.close();
  });

  it('shows the server\'s message for a bad time range', async () => {
    for (const [q, apiQ] of [
      ['from=abc', 'from=abc'],
      ['from=2000&to=1000', 'from=2000&to=1000'],
    ]) {
      const server = await api<{ error: { message: string } }>(`/api/v1/deployments/credit-api/drift/series?${apiQ}`);
      expect(server.status).toBe(400);
      const { page } = await open(browser(), `${page0}?${q}`);
      const box = page.getByTestId('error');
      await box.waitFor();
      expect(await box.textContent()).toContain(server.body.error.message);
      expect(await page.locator('[data-testid="drift-chart"]').count()).toBe(0);
      if (q.startsWith('from=2000')) await screenshot(page, 'monitoring-bad-range');
      await page.close();
    }
  });

  it('fits a narrow screen', async () => {
    const { page } = await open(browser(), `${page0}?feature=income`, true);
    await drawn(page, 'drift-chart');
    await page.locator('[data-testid="histogram"] rect.bar-ref').first().waitFor();
    await page.getByTestId('calibration').waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(1);
    await screenshot(page, 'monitoring-credit-api-narrow');
    await page.close();
  });
});

describe('alerts', () => {
  const browser = useBrowser();

  it('lists the quickstart\'s rules with state, condition and history', async () => {
    const { page, errors } = await open(browser(), '/alerts');
    const row = page.locator('[data-testid="rules-table"] tr[data-rule="credit-income-drift"]');
    await row.waitFor();
    expect(await row.getByTestId('rule-condition').textContent()).toContain('psi(feature=income) > 0.2');
    const states = await api<{ alerts: { rule: { name: string }; state: string }[] }>('/api/v1/alerts');
    const state = states.body.alerts.find((a) => a.rule.name === 'credit-income-drift')!.state;
    expect(await row.locator('[data-state]').first().getAttribute('data-state')).toBe(state);
    expect(await row.locator('a[href="/deployments/credit-api/monitoring"]').count()).toBe(1);
    expect(await row.getByTestId('last-fired').textContent()).not.toContain('never');
    const fired = page.locator('[data-testid="history-table"] tr[data-rule="credit-income-drift"][data-kind="firing"]');
    await fired.first().waitFor();
    expect(await page.locator('[data-testid="rules-table"] tr[data-rule="credit-auc"]').count()).toBe(1);
    await screenshot(page, 'alerts');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('filters the history by rule in the URL', async () => {
    const { page } = await open(browser(), '/alerts');
    await page.locator('[data-testid="history-table"] tbody tr').first().waitFor();
    await page.getByTestId('history-rule').selectOption('credit-auc');
    await page.waitForURL(/rule=credit-auc/);
    await page.waitForFunction(() => {
      const rows = [...document.querySelectorAll('[data-testid="history-table"] tbody tr')];
      return rows.length > 0 && rows.every((r) => r.getAttribute('data-rule') === 'credit-auc');
    });
    const expected = await api<{ events: unknown[] }>('/api/v1/alerts/history?rule=credit-auc');
    expect(await page.locator('[data-testid="history-table"] tbody tr').count()).toBe(expected.body.events.length);
    await page.close();
  });

  it('evaluates the rules now and shows the result', async () => {
    const before = Date.now();
    const { page } = await open(browser(), '/alerts');
    await page.locator('[data-testid="rules-table"] tr').nth(1).waitFor();
    await page.getByTestId('evaluate').click();
    const result = page.getByTestId('evaluate-result');
    await result.waitFor();
    expect(await result.textContent()).toMatch(/2 rules evaluated/);
    expect(await result.textContent()).toContain('credit-income-drift');
    const after = await api<{ alerts: { evaluated_time: number }[] }>('/api/v1/alerts');
    expect(Math.min(...after.body.alerts.map((a) => a.evaluated_time))).toBeGreaterThanOrEqual(before - 1000);
    await page.close();
  });

  it('shows the server\'s message for a bad history limit, and fits a narrow screen', async () => {
    const server = await api<{ error: { message: string } }>('/api/v1/alerts/history?limit=0');
    expect(server.status).toBe(400);
    const { page } = await open(browser(), '/alerts?limit=0');
    const box = page.locator('[data-testid="section-history"] [data-testid="error"]');
    await box.waitFor();
    expect(await box.textContent()).toContain(server.body.error.message);
    await page.close();

    const narrow = await open(browser(), '/alerts?rule=credit-income-drift', true);
    await narrow.page.locator('[data-testid="history-table"] tbody tr').first().waitFor();
    expect(await narrow.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(1);
    await screenshot(narrow.page, 'alerts-narrow');
    await narrow.page.close();
  });
});
