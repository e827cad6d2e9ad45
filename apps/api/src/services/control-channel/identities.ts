import type { PublicIdentityInfo } from '@conclave/contracts';
import type { Db } from '../../db/client';

/**
 * Members' public identities as the control channel hands them to the other participants:
 * from the org's key directory (accounts' `identity_keys`, the current row per user).
 */
export interface IdentityDirectory {
  current(userIds: readonly string[]): Promise<Map<string, PublicIdentityInfo>>;
}

export function keyDirectory(db: Db): IdentityDirectory {
  return {
    async current(userIds) {
      if (userIds.length === 0) return new Map();
      const rows = await db.identityKey.findMany({
        where: { userId: { in: [...userIds] }, replacedAt: null },
      });
      return new Map(
        rows.map((row) => [
          row.userId,
          {
            signingPublicKey: row.signingPublicKey,
            exchangePublicKey: row.exchangePublicKey,
            signingKeyId: row.signingKeyId,
            exchangeKeyId: row.exchangeKeyId,
          },
        ]),
      );
    },
  };
}

/**
 * The test-only fault switch "a server that swaps one participant's public key for another"
 * (the meeting room's tests need it to show that clients notice). It sits exactly where a
 * malicious server would act: between the key directory and what participants are told.
 * Only wired in when CONCLAVE_TEST_HOOKS is on (routes/test-hooks/meetings.ts sets it); a swap
 * applies to participants who join after it is set.
 */
export class IdentityFaults {
  private readonly swaps = new Map<string, PublicIdentityInfo>();

  swap(userId: string, identity: PublicIdentityInfo): void {
    this.swaps.set(userId, identity);
  }

  clear(): void {
    this.swaps.clear();
  }

  get active(): { userId: string; identity: PublicIdentityInfo }[] {
    return [...this.swaps].map(([userId, identity]) => ({ userId, identity }));
  }

  wrap(directory: IdentityDirectory): IdentityDirectory {
    return {
      current: async (userIds) => {
        const found = await directory.current(userIds);
        for (const [userId, identity] of this.swaps) {
          if (found.has(userId)) found.set(userId, identity);
        }
        return found;
      },
    };
  }
}
