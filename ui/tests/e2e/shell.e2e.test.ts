import { describe, expect, it } from 'vitest';
import { open, screenshot, useBrowser, baseUrl } from './browser';

describe('shell', () => {
  const browser = useBrowser();

  it('serves the app at deep links and keeps API 404s as JSON', async () => {
    const { page, errors } = await open(browser(), '/no/such/page');
    await page.getByText('No such page').waitFor();
    expect(errors).toEqual([]);
    const api = await fetch(`${baseUrl()}/api/v1/no-such-route`);
    expect(api.status).toBe(404);
    expect((await api.json()).error.code).toBe('NOT_FOUND');
    const traversal = await fetch(`${baseUrl()}/assets/..%2F..%2Fetc%2Fpasswd`);
    expect([400, 404]).toContain(traversal.status);
    expect(await traversal.text()).not.toContain('root:');
    await page.close();
  });

  it('navigates with the sidebar on a narrow screen', async () => {
    const { page } = await open(browser(), '/experiments', true);
    await page.getByRole('link', { name: 'Models' }).click();
    await page.waitForURL(/\/models$/);
    await screenshot(page, 'shell-narrow-models');
    await page.close();
  });
});
