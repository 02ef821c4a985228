// Experiments, the runs table, run detail and comparison against a real
// server filled by tests/e2e/fill.py through the Python SDK.
import { describe, expect, it } from 'vitest';
import { baseUrl, canvasHasInk, filled, open, screenshot, useBrowser } from './browser';

async function post<T>(path: string, body: unknown): Promise<T> {
  const r = await fetch(baseUrl() + path, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
  return (await r.json()) as T;
}
type Page = { total: number; runs: { info: { run_id: string; run_name: string }; data: { metrics?: { key: string; value: number }[] } }[] };

describe('experiments and runs', () => {
  const browser = useBrowser();

  it('lists experiments and opens one', async () => {
    const { page, errors } = await open(browser(), '/experiments');
    await page.getByRole('link', { name: 'e2e-runs' }).click();
    await page.waitForURL(new RegExp(`/experiments/${filled().experiment_id}$`));
    await page.locator('[data-testid="run-row"]').first().waitFor();
    // 24 trials, the parent and the artifacts run are top level; the 3 children are nested.
    await expect.poll(() => page.locator('[data-testid="runs-total"]').textContent()).toContain('26 top-level runs');
    await screenshot(page, 'runs-table');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('sorts by a metric column and keeps the order in the URL', async () => {
    const { page } = await open(browser(), `/experiments/${filled().experiment_id}`);
    await page.locator('[data-testid="col-metric-auc"]').click();
    await page.waitForURL(/order=/);
    expect(decodeURIComponent(new URL(page.url()).searchParams.get('order')!)).toBe('metrics.`auc` DESC');
    const api = await post<Page>('/api/v1/runs/page', { experiment_ids: [filled().experiment_id], order_by: ['metrics.auc DESC'], limit: 1, top_level_only: true });
    const best = api.runs[0].info.run_name;
    await expect.poll(() => page.locator('[data-testid="run-row"] a').first().textContent()).toBe(best);
    await page.close();
  });

  it('filters with the MLflow grammar and shows the server error inline', async () => {
    const { page } = await open(browser(), `/experiments/${filled().experiment_id}`);
    await page.locator('[data-testid="filter"]').fill("metrics.auc > 0.85 and params.optimizer = 'adam'");
    await page.locator('[data-testid="filter"]').press('Enter');
    const api = await post<Page>('/api/v1/runs/page', {
      experiment_ids: [filled().experiment_id],
      filter: "metrics.auc > 0.85 and params.optimizer = 'adam'",
      limit: 100,
    });
    expect(api.total).toBeGreaterThan(0);
    expect(api.total).toBeLessThan(24);
    await expect.poll(() => page.locator('[data-testid="run-row"]').count()).toBe(api.total);
    await page.locator('[data-testid="filter"]').fill('metrics.auc >> 1');
    await page.locator('[data-testid="filter"]').press('Enter');
    const err = page.locator('[data-testid="filter-error"]');
    await err.waitFor();
    expect(await err.textContent()).toContain('invalid filter at position');
    await screenshot(page, 'runs-filter-error');
    await page.close();
  });

  it('shows nested runs under their parent', async () => {
    const { page } = await open(browser(), `/experiments/${filled().experiment_id}`);
    const parent = page.locator(`[data-run-id="${filled().parent}"]`);
    await parent.waitFor();
    await parent.locator('[data-testid="expand"]').click();
    for (const child of filled().children) await page.locator(`[data-run-id="${child}"]`).waitFor();
    await page.close();
  });

  it('scrolls 2,000 runs rendering only the rows in view', async () => {
    const { page } = await open(browser(), `/experiments/${filled().many_experiment_id}`);
    await page.locator('[data-testid="run-row"]').first().waitFor();
    expect(await page.locator('[data-testid="run-row"]').count()).toBeLessThan(100);
    await page.locator('[data-testid="runs-table"]').evaluate((el) => (el.scrollTop = el.scrollHeight));
    // Sorted newest first: the first run logged is the last row.
    await page.getByRole('link', { name: 'many-0000', exact: true }).waitFor();
    expect(await page.locator('[data-testid="run-row"]').count()).toBeLessThan(100);
    await page.close();
  });

  it('compares runs: overlaid charts drawn, param diff, parallel coordinates', async () => {
    const { page, errors } = await open(browser(), `/experiments/${filled().experiment_id}`);
    const ids = filled().runs.slice(0, 3);
    for (const id of ids) await page.locator(`[data-run-id="${id}"] input[type=checkbox]`).check();
    await page.locator('[data-testid="compare"]').click();
    await page.waitForURL(/\/compare\?runs=/);
    expect(new URL(page.url()).searchParams.get('runs')!.split(',').sort()).toEqual([...ids].sort());
    const charts = page.locator('[data-testid="compare-chart"][data-drawn="true"]');
    await expect.poll(() => charts.count()).toBe(3); // accuracy, auc, loss
    expect(await canvasHasInk(page, '[data-testid="compare-chart"]')).toBe(true);
    expect(await page.locator('[data-testid="param-differs"]').count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('[data-testid="pcoords-line"]').count()).toBe(3);
    await screenshot(page, 'compare');
    await page.getByLabel('log scale').check();
    await page.waitForURL(/log=1/);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows a run: params, charts of the whole history, artifacts', async () => {
    const { page } = await open(browser(), `/runs/${filled().runs[0]}`);
    await page.locator('[data-testid="params"]').getByText('optimizer').waitFor();
    await screenshot(page, 'run-overview');
    await page.getByRole('tab', { name: /Charts/ }).click();
    await expect.poll(() => page.locator('[data-testid="metric-chart"][data-drawn="true"]').count()).toBe(3);
    await page.close();

    const long = await open(browser(), `/runs/${filled().long_run}?tab=charts`);
    await long.page.locator('[data-testid="metric-chart"][data-drawn="true"]').waitFor();
    await long.page.getByText('of 20,000 points shown').waitFor();
    expect(await canvasHasInk(long.page, '[data-testid="metric-chart"]')).toBe(true);
    await screenshot(long.page, 'run-long-history');
    await long.page.close();
  });

  it('browses and previews artifacts', async () => {
    const { page } = await open(browser(), `/runs/${filled().artifact_run}?tab=artifacts`);
    await page.getByRole('link', { name: /notes\.txt/ }).click();
    expect(await page.locator('[data-testid="artifact-text"]').textContent()).toContain('trained on the calm world');
    await page.getByRole('link', { name: /data$/ }).click();
    await page.getByRole('link', { name: /predictions\.csv/ }).click();
    await expect.poll(() => page.locator('[data-testid="artifact-csv"] tbody tr').count()).toBe(3);
    // A big log is previewed from its first 512 KiB only.
    await page.goto(`${baseUrl()}/runs/${filled().artifact_run}?tab=artifacts&path=logs/train.log`);
    await page.getByText('Showing the first 512.0 KiB').waitFor();
    const shown = await page.locator('[data-testid="artifact-text"]').textContent();
    expect(shown!.startsWith('epoch 000000 loss 0.5')).toBe(true);
    expect(shown!.length).toBeLessThanOrEqual(512 * 1024);
    await page.goto(`${baseUrl()}/runs/${filled().artifact_run}?tab=artifacts&path=plots/roc.png`);
    const img = page.locator('[data-testid="artifact-image"]');
    await img.waitFor();
    await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(64);
    await screenshot(page, 'run-artifacts-image');
    await page.goto(`${baseUrl()}/runs/${filled().artifact_run}?tab=artifacts&path=../../etc/passwd`);
    await page.locator('[data-testid="error"]').first().waitFor();
    await page.close();
  });

  it('shows the server error for a run that does not exist, and works narrow', async () => {
    const { page } = await open(browser(), '/runs/0000000000000000000000000000dead');
    expect(await page.locator('[data-testid="error"]').textContent()).toMatch(/not found|does not exist/i);
    await page.close();
    const narrow = await open(browser(), `/experiments/${filled().experiment_id}`, true);
    await narrow.page.locator('[data-testid="run-row"]').first().waitFor();
    await screenshot(narrow.page, 'runs-table-narrow');
    await narrow.page.close();
  });
});
