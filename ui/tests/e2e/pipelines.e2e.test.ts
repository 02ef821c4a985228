// Pipelines and datasets against the quickstart's real data: the pipelines
// credit-train and credit-retrain (with runs), the dataset credit (2 versions),
// plus tiny pipelines applied here so that runs started through the UI are fast.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { baseUrl, open, screenshot, useBrowser } from './browser';

/* eslint-disable @typescript-eslint/no-explicit-any */
async function call(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const r = await fetch(baseUrl() + path, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, body: await r.json() };
}
const get = async (path: string) => {
  const r = await call('GET', path);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
};

async function waitRun(id: string, ok: (run: any) => boolean): Promise<any> {
  for (let i = 0; i < 600; i++) {
    const { run } = await get(`/api/v1/pipeline-runs/${id}`);
    if (ok(run)) return run;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`run ${id} never reached the expected state`);
}

const TINY = `name: ui-tiny
description: four echo steps, a diamond
params:
  greeting: hello
steps:
  - name: first
    run: echo "first says \${params.greeting}"
  - name: left
    needs: [first]
    run: echo left
  - name: right
    needs: [first]
    run: echo right
  - name: join
    needs: [left, right]
    run: echo "joined \${params.greeting}"
`;

const SLOW = `name: ui-slow
steps:
  - name: quick
    run: echo quick done
  - name: slow
    needs: [quick]
    run: i=0; while [ $i -lt 400 ]; do i=$((i+1)); echo "tick $i"; sleep 0.3; done
`;

const BIG = `name: ui-big
steps:
  - name: big
    run: i=0; while [ $i -lt 15 ]; do i=$((i+1)); head -c 100000 /dev/zero | tr '\\0' 'x' | fold -w 99; done; echo the-last-line
`;

const confirm = async (page: Page) => page.getByTestId('confirm').click();

describe('pipelines and datasets', () => {
  const browser = useBrowser();

  beforeAll(async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'ferry-ui-pipelines-'));
    for (const yaml of [TINY, SLOW, BIG]) {
      const r = await call('PUT', '/api/v1/pipelines', { yaml, workspace });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
  });

  it('lists the pipelines with their last runs', async () => {
    const { pipelines } = await get('/api/v1/pipelines');
    const names = pipelines.map((p: any) => p.name);
    expect(names).toEqual(expect.arrayContaining(['credit-train', 'credit-retrain']));
    const { page, errors } = await open(browser(), '/pipelines');
    for (const name of ['credit-train', 'credit-retrain']) {
      const row = page.locator(`[data-testid=pipelines-table] tr[data-pipeline="${name}"]`);
      await row.waitFor();
      const { runs } = await get(`/api/v1/pipelines/${name}/runs?limit=1`);
      await expect(row.getByText(runs[0].state).first().isVisible()).resolves.toBe(true);
      await row.locator(`a[href="/pipeline-runs/${runs[0].run_id}"]`).waitFor();
    }
    await expect(page.locator('[data-testid=pipelines-table] tbody tr').count()).resolves.toBe(names.length);
    await screenshot(page, 'pipelines-list');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('draws the DAG of a pipeline with the latest run states and lists its runs', async () => {
    const detail = await get('/api/v1/pipelines/credit-retrain');
    const steps = detail.spec.steps;
    const needs = steps.reduce((n: number, s: any) => n + s.needs.length, 0);
    const { runs } = await get('/api/v1/pipelines/credit-retrain/runs');
    expect(runs.length).toBeGreaterThan(0);
    const { page, errors } = await open(browser(), '/pipelines/credit-retrain');
    const svg = page.locator('svg[data-testid=dag]');
    await svg.waitFor();
    await expect(svg.locator('[data-testid=dag-node]').count()).resolves.toBe(steps.length);
    await expect(svg.locator('[data-testid=dag-edge]').count()).resolves.toBe(needs);
    for (const s of runs[0].steps) {
      await expect(svg.locator(`[data-step="${s.step}"]`).getAttribute('data-state')).resolves.toBe(s.state);
    }
    for (const r of runs) await page.locator(`[data-testid=runs-table] tr[data-run="${r.run_id}"]`).waitFor();
    await page.getByTestId('triggers').waitFor();
    await screenshot(page, 'pipeline-credit-retrain');
    // a box opens that run's step
    await svg.locator('[data-step="train"]').click();
    await page.waitForURL(new RegExp(`/pipeline-runs/${runs[0].run_id}\\?step=train$`));
    await page.getByTestId('step-log').waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows a run with its step states and a step log on click', async () => {
    const { runs } = await get('/api/v1/pipelines/credit-train/runs');
    const run = runs[0];
    const { page, errors } = await open(browser(), `/pipeline-runs/${run.run_id}`);
    await page.getByTestId('run-kv').waitFor();
    await page.locator(`[data-testid=tracked-run][href="/runs/${run.tracking_run_id}"]`).waitFor();
    const rows = page.locator('[data-testid=steps-table] tbody tr');
    await expect(rows.count()).resolves.toBe(run.steps.length);
    for (const s of run.steps) {
      await expect(page.locator(`[data-testid=steps-table] tr[data-step="${s.step}"]`).innerText()).resolves.toContain(s.state);
      await expect(page.locator(`svg [data-step="${s.step}"]`).getAttribute('data-state')).resolves.toBe(s.state);
    }
    // click a box: its log (as the API returns it)
    const trainLog = (await get(`/api/v1/pipeline-runs/${run.run_id}/logs/train`)).text as string;
    expect(trainLog.length).toBeGreaterThan(0);
    await page.locator('svg [data-step="train"]').click();
    await page.waitForURL(/\?step=train$/);
    const firstLine = trainLog.split('\n')[0];
    await page.locator('[data-testid=step-log][data-complete=true]').waitFor();
    await expect(page.getByTestId('step-log').innerText()).resolves.toContain(firstLine);
    // click a row: that step's log
    const validateLog = (await get(`/api/v1/pipeline-runs/${run.run_id}/logs/validate`)).text as string;
    await page.locator('[data-testid=steps-table] tr[data-step="validate"] td').nth(2).click();
    await page.waitForURL(/\?step=validate$/);
    await page.getByTestId('step-log').getByText(validateLog.trim().slice(0, 40)).waitFor();
    await screenshot(page, 'pipeline-run');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('starts a run through the UI and follows it to its log', async () => {
    const { page, errors } = await open(browser(), '/pipelines/ui-tiny');
    await page.getByTestId('dag').waitFor();
    await expect(page.locator('svg [data-testid=dag-node]').count()).resolves.toBe(4);
    await page.getByText('No runs yet').waitFor();
    await page.getByTestId('start-run').click();
    await page.locator('input[name=greeting]').fill('from-the-ui');
    await confirm(page);
    await page.getByTestId('started').waitFor();
    const { runs } = await get('/api/v1/pipelines/ui-tiny/runs');
    expect(runs).toHaveLength(1);
    expect(runs[0].params).toEqual({ greeting: 'from-the-ui' });
    expect(runs[0].trigger.kind).toBe('manual');
    await page.locator(`[data-testid=runs-table] tr[data-run="${runs[0].run_id}"]`).waitFor();
    const done = await waitRun(runs[0].run_id, (r) => r.state === 'succeeded');
    expect(done.steps.map((s: any) => s.state)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    // the pipeline page polls while the run is active: its boxes end succeeded
    await page.locator('svg [data-step="join"][data-state=succeeded]').waitFor();
    await page.getByTestId('started').locator('a').click();
    await page.waitForURL(new RegExp(`/pipeline-runs/${runs[0].run_id}$`));
    await page.locator('[data-testid=steps-table] tr[data-step="join"]').click();
    await page.getByTestId('step-log').getByText('joined from-the-ui').waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });

  it("shows the server's error for a bad param and for a missing pipeline", async () => {
    const refused = await call('POST', '/api/v1/pipelines/ui-tiny/runs', { params: { nope: '1' } });
    expect(refused.status).toBe(400);
    const { page } = await open(browser(), '/pipelines/ui-tiny');
    await page.getByTestId('dag').waitFor();
    await page.getByTestId('start-run').click();
    await page.getByTestId('extra-params').fill('nope=1');
    await confirm(page);
    await page.getByRole('dialog').getByText(refused.body.error.message).waitFor();
    await screenshot(page, 'pipeline-start-refused');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    const { runs } = await get('/api/v1/pipelines/ui-tiny/runs');
    expect(runs).toHaveLength(1); // nothing was started

    const missing = await call('GET', '/api/v1/pipelines/no-such-pipeline');
    expect(missing.status).toBe(404);
    const m = await open(browser(), '/pipelines/no-such-pipeline');
    await m.page.getByTestId('error').getByText(missing.body.error.message).first().waitFor();
    await m.page.getByTestId('start-run').click();
    await confirm(m.page);
    await m.page.getByRole('dialog').getByText("pipeline 'no-such-pipeline' not found").waitFor();
    await m.page.close();
    await page.close();
  });

  it('cancels a running run and resumes it, reusing the completed step', async () => {
    const started = await call('POST', '/api/v1/pipelines/ui-slow/runs', {});
    expect(started.status).toBe(200);
    const id = started.body.run.run_id;
    await waitRun(id, (r) => r.steps.find((s: any) => s.step === 'slow').state === 'running');
    const { page, errors } = await open(browser(), `/pipeline-runs/${id}?step=slow`);
    await page.locator('svg [data-step="slow"][data-state=running]').waitFor();
    await page.locator('svg [data-step="quick"][data-state=succeeded]').waitFor();
    // the running step's log is polled by offset and appended to
    const log = page.getByTestId('step-log');
    await log.getByText('tick 1').waitFor();
    await log.getByText(/tick 6\b/).waitFor();
    await expect(log.getAttribute('data-complete')).resolves.toBe('false');
    const text = await log.innerText();
    expect(text.indexOf('tick 1\n')).toBeLessThan(text.indexOf('tick 6\n'));
    expect(text.match(/tick 2\n/g)).toHaveLength(1); // appended, not repeated
    await expect(page.getByTestId('resume-run').count()).resolves.toBe(0);
    await page.getByTestId('cancel-run').click();
    await confirm(page);
    const cancelled = await waitRun(id, (r) => r.state === 'cancelled');
    expect(cancelled.state).toBe('cancelled');
    await page.getByTestId('resume-run').waitFor();
    await page.getByTestId('resume-run').click();
    await confirm(page);
    await page.waitForURL((u) => u.pathname.startsWith('/pipeline-runs/') && !u.pathname.endsWith(id));
    const newId = page.url().split('/pipeline-runs/')[1].split('?')[0];
    const resumed = await waitRun(newId, (r) => r.steps.find((s: any) => s.step === 'quick').state !== 'pending');
    expect(resumed.resumed_from).toBe(id);
    const quick = resumed.steps.find((s: any) => s.step === 'quick');
    expect(quick.reused).toBe(true);
    await page.locator('svg [data-step="quick"][data-mark=reused]').waitFor();
    await page.locator('[data-testid=steps-table] tr[data-step="quick"]').getByText('reused').waitFor();
    await screenshot(page, 'pipeline-run-resumed');
    await page.close();
    const stop = await call('POST', `/api/v1/pipeline-runs/${newId}/cancel`);
    expect(stop.status, JSON.stringify(stop.body)).toBe(200);
    expect(errors).toEqual([]);
  });

  it('keeps only the last 1 MiB of a huge log, with a note', async () => {
    const started = await call('POST', '/api/v1/pipelines/ui-big/runs', {});
    expect(started.status, JSON.stringify(started.body)).toBe(200);
    const run = await waitRun(started.body.run.run_id, (r) => r.state === 'succeeded');
    const { page, errors } = await open(browser(), `/pipeline-runs/${run.run_id}?step=big`);
    await page.locator('[data-testid=step-log][data-complete=true]').waitFor();
    await page.getByTestId('log-capped').waitFor();
    const text = await page.getByTestId('step-log').innerText();
    expect(text.length).toBeLessThanOrEqual(1 << 20);
    expect(text.length).toBeGreaterThan(1_000_000);
    expect(text.trimEnd().endsWith('the-last-line')).toBe(true);
    expect(text).toMatch(/^x+\n/); // cut at a line
    expect(errors).toEqual([]);
    await page.close();
  });

  it('lists the datasets', async () => {
    const { datasets } = await get('/api/v1/datasets');
    const credit = datasets.find((d: any) => d.name === 'credit');
    expect(credit.version).toBe(2);
    const { page, errors } = await open(browser(), '/datasets');
    const row = page.locator('[data-testid=datasets-table] tr[data-dataset=credit]');
    await row.waitFor();
    await row.getByText(credit.digest.slice(0, 12)).waitFor();
    await row.getByText('12000').waitFor(); // rows from the latest version's profile
    await screenshot(page, 'datasets-list');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows the versions of a dataset and the income drift from 1 to 2', async () => {
    const diff = await get('/api/v1/datasets/credit/diff?a=1&b=2');
    const income = diff.tables[0].columns.find((c: any) => c.name === 'income');
    expect(income.drift.drifted).toBe(true);
    const { page, errors } = await open(browser(), '/datasets/credit?from=1&to=2');
    await page.getByTestId('versions-table').waitFor();
    await expect(page.locator('[data-testid=versions-table] tbody tr').count()).resolves.toBe(2);
    const row = page.locator('[data-testid=drift-table] tr[data-column=income]');
    await row.waitFor();
    await expect(row.getAttribute('data-drifted')).resolves.toBe('true');
    await row.getByText(income.drift.test).waitFor();
    await page.getByTestId('drift-summary').getByText(`${diff.summary.columns_drifted} columns drifted`).waitFor();
    await page.locator('[data-testid=version-detail][data-version="2"] [data-testid=profile-table] tr[data-column=income]').waitFor();
    await screenshot(page, 'dataset-credit');
    // the other version's profile, then a version that does not exist: the server's error
    await page.locator('[data-testid=versions-table] tr[data-version="1"] td').nth(1).click();
    await page.locator('[data-testid=version-detail][data-version="1"]').waitFor();
    const bad = await call('GET', '/api/v1/datasets/credit/versions/9');
    expect(bad.status).toBe(404);
    expect(errors).toEqual([]);
    await page.goto(`${baseUrl()}/datasets/credit?version=9`);
    await page.getByTestId('error').getByText(bad.body.error.message).waitFor();
    await page.close();
  });

  it('works on a narrow screen', async () => {
    const { runs } = await get('/api/v1/pipelines/credit-retrain/runs');
    const { page, errors } = await open(browser(), `/pipeline-runs/${runs[0].run_id}?step=train`, true);
    await page.locator('svg[data-testid=dag] [data-testid=dag-node]').first().waitFor();
    await page.locator('[data-testid=step-log][data-complete=true]').waitFor();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'pipeline-run-narrow');
    const d = await open(browser(), '/datasets/credit', true);
    await d.page.locator('[data-testid=drift-table] tr[data-column=income]').waitFor();
    await screenshot(d.page, 'dataset-credit-narrow');
    expect(errors).toEqual([]);
    await d.page.close();
    await page.close();
  });
});
