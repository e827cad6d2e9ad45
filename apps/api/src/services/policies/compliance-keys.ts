import type { DbOrTx } from '../../db/transaction';

/**
 * How many approved, active compliance keys the org has: `recording.escrow: compliance` needs
 * at least one, since every recording must then be wrapped to them.
 *
 * Compliance keys arrive with issue 11 (the compliance-keys table and its approval flow). Until
 * that table exists there is nothing to count and the honest answer is 0, so an escrow policy
 * cannot be saved yet (422). When the table lands this becomes a count of its active rows for
 * the org; the callers and their tests stay as they are.
 */
export async function activeComplianceKeyCount(_db: DbOrTx, _orgId: string): Promise<number> {
  return 0;
}

export function escrowWithoutKeysMessage(): string {
  return (
    'recording.escrow cannot be "compliance": the organisation has no approved compliance keys ' +
    'to wrap recordings to. Register and approve a compliance key first.'
  );
}
