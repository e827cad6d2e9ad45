import { expect, test } from '../support/fixtures';

test('the portal opens and shows the API as healthy', async ({ page }) => {
  const failedRequests: string[] = [];
  const cspViolations: string[] = [];
  page.on('requestfailed', (request) => failedRequests.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text()))
      cspViolations.push(message.text());
  });

  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1, name: 'Conclave' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await expect(page.getByTestId('api-health')).toContainText(/API healthy · version \d+\.\d+\.\d+/);
  expect(cspViolations).toEqual([]);
  expect(failedRequests).toEqual([]);
});

test('keyboard users can skip to the content', async ({ page }) => {
  await page.goto('/');
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  await expect(skip).toBeFocused();
});

test('an unknown page shows a helpful not-found page with a 404 status', async ({ page }) => {
  const response = await page.goto('/no-such-page');
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  await page.getByRole('link', { name: 'Go to the home page' }).click();
  await expect(page).toHaveURL(/\/$/);
});

test('API errors reach the browser as problem+json, never HTML', async ({ request }) => {
  const response = await request.post('/api/health', {
    headers: { 'content-type': 'application/json' },
    data: Buffer.from('{bad'),
  });
  expect(response.status()).toBe(400);
  expect(response.headers()['content-type']).toMatch(/application\/problem\+json/);
  const unknown = await request.get('/api/unknown');
  expect(unknown.status()).toBe(404);
  expect(await unknown.json()).toMatchObject({ code: 'not_found', status: 404 });
});

test('WebSocket upgrades pass through the portal origin to the API', async ({ page }) => {
  await page.goto('/');
  const echoed = await page.evaluate(
    () =>
      new Promise<string>((resolve, reject) => {
        const socket = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/api/test/ws-echo`);
        socket.onopen = () => socket.send('ping through one origin');
        socket.onmessage = (event) => {
          resolve(String(event.data));
          socket.close();
        };
        socket.onerror = () => reject(new Error('WebSocket failed'));
      }),
  );
  expect(echoed).toBe('ping through one origin');
});
