import { test as base, expect } from '@playwright/test';

/** Tests of the `e2e` project run against the product started by global-setup.ts. */
export const test = base.extend({
  baseURL: async ({}, use) => {
    const url = process.env.CONCLAVE_BASE_URL;
    if (!url)
      throw new Error(
        'CONCLAVE_BASE_URL is not set: the e2e global setup did not start the product',
      );
    await use(url);
  },
});

export { expect };
