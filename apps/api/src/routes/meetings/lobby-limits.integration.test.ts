import { beforeAll, describe, expect, it } from 'vitest';
import type { Meeting } from '@conclave/contracts';
import { useTestApp } from '../../../test/app';
import {
  anonymousClient,
  createOrgWithRoles,
  signedInClient,
  type TestClient,
} from '../../../test/factories';
import { expectProblem } from '../../../test/helpers';
import { meetingNow, scheduleMeeting } from '../../../test/meetings';

/**
 * The review's bypasses of the lobby's limits, each tried (docs/security.md, "Rate limits
 * that cannot be reset or spoofed"): junk traffic that evicted a passcode counter, a
 * client-written X-Forwarded-For, more client addresses for more guesses, and short passcodes.
 * The server sits behind one proxy (TRUST_PROXY=1) at 127.0.0.1, as in the compose file.
 */
const suite = useTestApp({
  env: {
    TRUST_PROXY: '1',
    MEETING_LOBBY_RATE_LIMIT: '5',
    MEETING_PASSCODE_FAILURE_LIMIT: '12',
  },
});
const PASSCODE = 'tide-lamp-9';
let host: TestClient;
let orgId: string;

beforeAll(async () => {
  const { org, owner } = await createOrgWithRoles(suite.db);
  orgId = org.id;
  host = await signedInClient(suite.app, owner);
});

/** A knock through the proxy: it appends the client's address to X-Forwarded-For. */
function knock(
  meetingId: string,
  options: { client: string; passcode?: string; spoofed?: string },
) {
  return anonymousClient(suite.app).inject({
    method: 'POST',
    url: `/api/meetings/${meetingId}/lobby`,
    payload: {
      displayName: 'Guessing Gail',
      ...(options.passcode !== undefined ? { passcode: options.passcode } : {}),
    },
    remoteAddress: '127.0.0.1',
    headers: {
      'x-forwarded-for': options.spoofed ? `${options.spoofed}, ${options.client}` : options.client,
    },
  });
}

const meetingWithPasscode = (): Promise<Meeting> =>
  scheduleMeeting(host, orgId, meetingNow({ passcode: PASSCODE }));

describe('lobby limits', () => {
  it('refuses passcodes weaker than about 30 bits, with what would do', async () => {
    for (const passcode of ['1234', '123456', 'abcd']) {
      const response = await host.inject({
        method: 'POST',
        url: `/api/orgs/${orgId}/meetings`,
        payload: meetingNow({ passcode }),
      });
      const problem = expectProblem(response, 400);
      expect(problem.errors?.[0]?.path).toMatch(/passcode/);
      expect(problem.detail).toMatch(/too (short|easy to guess)/);
    }
  });

  it("keeps a client's counter through 5,000 junk requests from elsewhere", async () => {
    const meeting = await meetingWithPasscode();
    for (let i = 0; i < 5; i++) {
      expect(
        (await knock(meeting.id, { client: '198.51.100.1', passcode: 'wrong-0' })).statusCode,
      ).toBe(403);
    }
    expect(
      (await knock(meeting.id, { client: '198.51.100.1', passcode: 'wrong-1' })).statusCode,
    ).toBe(429);
    // The old in-memory store (an LRU of 5,000 keys) forgot the counter after this. Each junk
    // knock makes a new counter (address and meeting id), then a 404 without a database query
    // (not a meeting id), so the 5,100 fit well inside the counter's one-minute window.
    const started = Date.now();
    const junk = Array.from({ length: 5_100 }, (_, i) => i);
    for (let start = 0; start < junk.length; start += 200) {
      await Promise.all(
        junk
          .slice(start, start + 200)
          .map((i) => knock(`junk-${i}`, { client: `10.${i >> 8}.${i & 255}.7` })),
      );
    }
    expect(Date.now() - started, 'the junk must arrive within the window').toBeLessThan(55_000);
    const again = await knock(meeting.id, { client: '198.51.100.1', passcode: PASSCODE });
    expect(again.statusCode).toBe(429);
  }, 120_000);

  it('takes the client address the proxy saw, not one the client wrote', async () => {
    const meeting = await meetingWithPasscode();
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const response = await knock(meeting.id, {
        client: '198.51.100.2',
        spoofed: `203.0.113.${i}`,
        passcode: `wrong-${i}`,
      });
      statuses.push(response.statusCode);
    }
    expect(statuses).toEqual([403, 403, 403, 403, 403, 429, 429]);
  });

  it('gives a meeting one budget of wrong passcodes, however many addresses guess', async () => {
    const meeting = await meetingWithPasscode();
    // The right passcode costs nothing.
    expect(
      (await knock(meeting.id, { client: '192.0.2.200', passcode: PASSCODE })).statusCode,
    ).toBe(200);
    // 12 wrong passcodes from 4 addresses, each within its own per-address limit of 5.
    for (let i = 0; i < 12; i++) {
      const response = await knock(meeting.id, { client: `192.0.2.${i % 4}`, passcode: `no-${i}` });
      expect(response.statusCode).toBe(403);
    }
    const fresh = await knock(meeting.id, { client: '192.0.2.99', passcode: 'no-more' });
    const problem = expectProblem(fresh, 429);
    expect(problem.detail).toMatch(/too many wrong passcodes in the last hour/);
    expect(problem.retryAfterSeconds).toBeGreaterThan(3000);
    // Every guess was audited; the refused one was not even checked.
    expect(
      await suite.db.auditEntry.count({
        where: { action: 'meeting.passcode_failed', subjectId: meeting.id },
      }),
    ).toBe(12);
    // Another meeting is not affected.
    const other = await meetingWithPasscode();
    expect((await knock(other.id, { client: '192.0.2.99', passcode: PASSCODE })).statusCode).toBe(
      200,
    );
  });
});
