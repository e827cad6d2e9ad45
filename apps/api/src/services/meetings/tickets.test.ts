import { describe, expect, it } from 'vitest';
import { hashPasscode, verifyPasscode } from './passcode';
import { readTicket, signTicket } from './tickets';
import { checkMeetingSettings, effectiveMeetingSettings } from './policy';

const secret = 'a-server-secret-of-enough-length-for-tests';
const claims = {
  meetingId: '6f0e2c1a-8b7d-4c3e-9f21-0a1b2c3d4e5f',
  occurrenceId: '20261201T090000Z',
  guestId: 'guest-abc',
  displayName: 'Gail "G" Guest',
  expiresAtMs: Date.parse('2026-12-01T09:10:00Z'),
};

describe('lobby tickets', () => {
  it('round-trip, and say when they expired', () => {
    const ticket = signTicket(secret, claims);
    expect(readTicket(secret, ticket, Date.parse('2026-12-01T09:00:00Z'))).toEqual({
      ok: true,
      claims,
      expired: false,
    });
    expect(readTicket(secret, ticket, Date.parse('2026-12-01T09:10:01Z'))).toMatchObject({
      ok: true,
      expired: true,
    });
  });

  it('refuse tickets altered, made with another secret, or not tickets at all', () => {
    const ticket = signTicket(secret, claims);
    const [body, mac] = ticket.split('.') as [string, string];
    const forged = Buffer.from(
      Buffer.from(body, 'base64url').toString().replace('guest-abc', 'guest-xyz'),
    ).toString('base64url');
    expect(readTicket(secret, `${forged}.${mac}`, 0)).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    expect(readTicket('another-secret-entirely-of-some-length', ticket, 0)).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
    expect(readTicket(secret, 'nonsense', 0)).toEqual({ ok: false, reason: 'malformed' });
    expect(readTicket(secret, `${ticket}.x`, 0)).toEqual({ ok: false, reason: 'malformed' });
  });
});

describe('passcodes', () => {
  it('are stored as scrypt hashes and checked exactly', async () => {
    const stored = await hashPasscode('correct horse');
    expect(stored).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(stored).not.toContain('correct');
    expect(await verifyPasscode('correct horse', stored)).toBe(true);
    expect(await verifyPasscode('correct hors', stored)).toBe(false);
    expect(await verifyPasscode('correct horse', 'garbage')).toBe(false);
    expect(await hashPasscode('correct horse')).not.toBe(stored); // salted
  });
});

describe('meeting policy', () => {
  it('a meeting may tighten the org policy, never loosen it', () => {
    expect(
      checkMeetingSettings(
        { e2ee: 'default-on', guests: 'lobby' },
        { e2ee: false, guests: 'lobby' },
      ),
    ).toEqual([]);
    expect(
      checkMeetingSettings(
        { e2ee: 'required', guests: 'forbidden' },
        { e2ee: false, guests: 'lobby' },
      ),
    ).toEqual([
      {
        field: 'e2ee',
        message: 'your organisation requires end-to-end encryption for every meeting',
      },
      { field: 'guests', message: 'your organisation does not allow guests in meetings' },
    ]);
    expect(
      checkMeetingSettings(
        { e2ee: 'required', guests: 'forbidden' },
        { e2ee: true, guests: 'forbidden' },
      ),
    ).toEqual([]);
    expect(
      effectiveMeetingSettings(
        { e2ee: 'required', guests: 'forbidden' },
        { e2ee: false, guests: 'lobby' },
      ),
    ).toEqual({
      e2ee: true,
      guests: 'forbidden',
    });
  });
});
