import { describe, expect, it } from 'vitest';
import { toBase64Url } from '@conclave/crypto';
import { useTestApp } from '../../../test/app';
import {
  anonymousClient,
  createUser,
  signInThroughApi,
  uniqueEmail,
} from '../../../test/factories';
import { expectProblem } from '../../../test/helpers';

const suite = useTestApp({ env: { SIGN_IN_RATE_LIMIT: '3', PRE_LOGIN_RATE_LIMIT: '4' } });

describe('rate limits', () => {
  it('limits sign-in attempts per address and e-mail with a 429 problem and Retry-After', async () => {
    const user = await createUser(suite.db);
    const client = anonymousClient(suite.app);
    const attempt = (email: string) =>
      client.inject({
        method: 'POST',
        url: '/api/auth/sign-in',
        payload: { email, authKey: toBase64Url(new Uint8Array(32)) },
      });
    for (let i = 0; i < 3; i++) expect((await attempt(user.email)).statusCode).toBe(401);
    const limited = await attempt(user.email);
    const problem = expectProblem(limited, 429);
    expect(problem.code).toBe('rate_limited');
    expect(problem.detail).toMatch(/Try again in \d+ (minute|second)/);
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect(problem.retryAfterSeconds).toBe(retryAfter);
    // Even the right password waits: the limit is per address and e-mail, not per failure.
    expect((await signInThroughApi(suite.app, user)).response.statusCode).toBe(429);
    // Another account from the same address is not locked out by it.
    expect((await attempt(uniqueEmail())).statusCode).toBe(401);
  });

  it('limits pre-login (and other unauthenticated lookups) per client address', async () => {
    const client = anonymousClient(suite.app);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const response = await client.inject({
        method: 'POST',
        url: i % 2 ? '/api/auth/pre-login' : '/api/auth/recovery/request',
        payload: { email: uniqueEmail() },
        remoteAddress: '10.0.0.7',
      });
      statuses.push(response.statusCode);
    }
    expect(statuses.slice(0, 4).every((s) => s === 200 || s === 202)).toBe(true);
    expect(statuses.slice(4)).toEqual([429, 429]);
    const other = await client.inject({
      method: 'POST',
      url: '/api/auth/pre-login',
      payload: { email: uniqueEmail() },
      remoteAddress: '10.0.0.8',
    });
    expect(other.statusCode).toBe(200);
  });
});
