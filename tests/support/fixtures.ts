import { test as base, expect } from '@playwright/test';

/**
 * Tests of the `e2e` project run against the product started by global-setup.ts with the
 * development media server; those of `e2e-livekit` against the one with the real LiveKit.
 */
export const test = base.extend({
  baseURL: async ({}, use, testInfo) => {
    const livekit = testInfo.project.name === 'e2e-livekit';
    const url = livekit ? process.env.CONCLAVE_LIVEKIT_BASE_URL : process.env.CONCLAVE_BASE_URL;
    if (!url)
      throw new Error(
        `${livekit ? 'CONCLAVE_LIVEKIT_BASE_URL' : 'CONCLAVE_BASE_URL'} is not set: the e2e global setup did not start the product`,
      );
    await use(url);
  },
});

export { expect };
