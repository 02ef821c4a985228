// The registry views against the quickstart's model `credit`: list, versions
// and aliases, moving an alias through the dialog (checked through the MLflow
// API and the audit log), a refused alias name, the gate, and lineage.
import { describe, expect, it } from 'vitest';
import { baseUrl, open, screenshot, useBrowser } from './browser';

async function aliases(): Promise<Record<string, string>> {
  const r = await fetch(`${baseUrl()}/api/2.0/mlflow/registered-models/get?name=credit`);
  expect(r.status).toBe(200);
  const body = (await r.json()) as { registered_model: { aliases?: { alias: string; version: string }[] } };
  return Object.fromEntries((body.registered_model.aliases ?? []).map((a) => [a.alias, a.version]));
}

describe('registry views', () => {
  const browser = useBrowser();

  it('lists the registered models with aliases and searches by name', async () => {
    const { page, errors } = await open(browser(), '/models');
    const row = page.getByTestId('model-row').filter({ hasText: 'credit' });
    await row.waitFor();
    expect(await row.textContent()).toContain('@champion → v2');
    await screenshot(page, 'registry-models');
    await page.getByTestId('model-search').fill('no-such-model');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No model\'s name contains').waitFor();
    expect(page.url()).toContain('q=no-such-model');
    await page.getByTestId('model-search').fill('CRED');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByTestId('model-row').filter({ hasText: 'credit' }).waitFor();
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows the versions with the champion alias', async () => {
    const { page, errors } = await open(browser(), '/models/credit');
    const v2 = page.locator('[data-testid=version-row][data-version="2"]');
    await v2.waitFor();
    expect(await v2.getByTestId('alias-chip').allTextContents()).toContain('@champion');
    await page.locator('[data-testid=version-row][data-version="1"]').waitFor();
    const runLink = v2.locator('a[href^="/runs/"]');
    expect(await runLink.count()).toBe(1);
    expect(await page.locator('[data-testid=alias][data-alias=champion]').textContent()).toContain('v2');
    await screenshot(page, 'registry-model');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('moves an alias with a reason: visible through the API and in the audit log', async () => {
    expect((await aliases()).staging).toBeUndefined();
    const { page } = await open(browser(), '/models/credit');
    // Act as a named user: the audit log records the name (X-Ferry-User).
    await page.getByTestId('user').click();
    await page.getByTestId('user-name').fill('ada');
    await page.getByTestId('user-name').press('Enter');
    await expect.poll(() => page.getByTestId('user').textContent()).toBe('as ada');
    await page.getByTestId('move-alias').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByTestId('alias-name').fill('staging');
    await dialog.getByTestId('alias-version').selectOption('1');
    await dialog.locator('textarea[name=reason]').fill('e2e: stage v1 for the load test');
    await screenshot(page, 'registry-move-alias-dialog');
    await dialog.getByTestId('confirm').click();
    await dialog.waitFor({ state: 'detached' });
    await page.locator('[data-testid=alias][data-alias=staging]').waitFor();
    expect(await page.locator('[data-testid=alias][data-alias=staging]').textContent()).toContain('v1');
    expect((await aliases()).staging).toBe('1');
    await page.getByRole('tab', { name: 'Audit log' }).click();
    const row = page.getByTestId('event-row').filter({ hasText: 'e2e: stage v1 for the load test' });
    await row.waitFor();
    expect(await row.textContent()).toContain('staging → v1');
    expect(await row.textContent()).toContain('ada');
    await screenshot(page, 'registry-audit-log');
    await page.close();
  });

  it('keeps the server\'s refusal of a bad alias name in the dialog', async () => {
    const { page } = await open(browser(), '/models/credit');
    await page.getByTestId('move-alias').click();
    const dialog = page.getByRole('dialog');
    await dialog.getByTestId('alias-name').fill('bad alias');
    await dialog.locator('textarea[name=reason]').fill('should be refused');
    await dialog.getByTestId('confirm').click();
    const error = dialog.getByTestId('error');
    await error.waitFor();
    expect(await error.textContent()).toContain("Invalid alias name 'bad alias'");
    await screenshot(page, 'registry-bad-alias');
    expect(Object.keys(await aliases())).not.toContain('bad alias');
    await page.close();
  });

  it('evaluates the gate and shows its evidence; approving needs a reason', async () => {
    const { page } = await open(browser(), '/models/credit?tab=promote');
    await page.getByTestId('promote-candidate').selectOption('1');
    await page.getByTestId('evaluate-gate').click();
    const verdict = page.getByTestId('gate-verdict');
    await verdict.waitFor();
    expect(await verdict.textContent()).toContain('Gate failed'); // v1's fresh AUC is below the champion's
    const evidence = page.getByTestId('gate-evidence');
    expect(await evidence.textContent()).toContain('fresh_auc');
    expect(await evidence.locator('td.fail').count()).toBeGreaterThan(0);
    await screenshot(page, 'registry-gate');
    await page.getByTestId('approve').click();
    await page.getByRole('dialog').getByTestId('confirm').click();
    expect(await page.getByRole('dialog').getByTestId('error').textContent()).toContain('a reason is required');
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    expect((await aliases()).champion).toBe('2');
    await page.goto(`${baseUrl()}/models/credit?tab=audit&action=gate_decision`);
    const first = page.getByTestId('event-row').first();
    await first.getByTestId('show-evidence').click();
    await page.getByTestId('event-evidence').waitFor();
    await page.close();
  });

  it('draws the version\'s lineage: dataset → run → version → deployment', async () => {
    for (const narrow of [false, true]) {
      const { page, errors } = await open(browser(), '/models/credit/versions/2', narrow);
      await page.getByTestId('lineage-deployment').waitFor();
      expect(await page.getByTestId('lineage-dataset').getAttribute('data-label')).toBe('credit');
      expect(await page.getByTestId('lineage-deployment').getAttribute('data-label')).toBe('credit-api');
      expect(await page.getByTestId('lineage-version').getAttribute('data-label')).toBe('credit v2');
      expect(await page.locator('[data-testid=lineage] path[marker-end]').count()).toBe(3);
      expect(await page.getByTestId('version-details').textContent()).toContain('runs:/');
      await screenshot(page, narrow ? 'registry-version-narrow' : 'registry-version');
      expect(errors).toEqual([]);
      if (!narrow) {
        await page.getByTestId('lineage-run').click();
        await page.waitForURL(/\/runs\/[0-9a-f]+$/);
      }
      await page.close();
    }
  });
});
