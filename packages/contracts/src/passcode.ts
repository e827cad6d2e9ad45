/**
 * How strong a meeting passcode must be: about 30 bits, so that guessing it online stays out
 * of reach even at the most the lobby allows (MEETING_PASSCODE_FAILURE_LIMIT wrong passcodes a
 * meeting per hour, docs/security.md). A passcode of digits only needs 9 of them (29.9 bits);
 * one with letters at least 6 characters (26 letters: 28.2 bits, letters and digits: 31).
 * The estimate counts the alphabets used times the length; a passcode of fewer than 4
 * different characters ("aaaaaa", "121212121") is refused whatever its length.
 */
export const PASSCODE_MIN_BITS = 28;
export const PASSCODE_RULE =
  'at least 9 digits, or at least 6 characters with letters (mixing in digits is better)';

function alphabetSize(passcode: string): number {
  let size = 0;
  if (/\p{Nd}/u.test(passcode)) size += 10;
  if (/\p{Ll}/u.test(passcode)) size += 26;
  if (/\p{Lu}/u.test(passcode)) size += 26;
  if (/[^\p{Nd}\p{Ll}\p{Lu}]/u.test(passcode)) size += 33;
  return size;
}

/** Estimated bits of a passcode chosen at random from the alphabets it uses. */
export function passcodeBits(passcode: string): number {
  const characters = [...passcode];
  if (characters.length === 0) return 0;
  return characters.length * Math.log2(alphabetSize(passcode));
}

/** Why a passcode is too weak, in words for the form; null when it is strong enough. */
export function passcodeWeakness(passcode: string): string | null {
  const characters = [...passcode];
  if (new Set(characters).size < 4) return `is too easy to guess: use ${PASSCODE_RULE}`;
  if (passcodeBits(passcode) < PASSCODE_MIN_BITS) {
    return /^\p{Nd}+$/u.test(passcode)
      ? 'is too short: a passcode of digits needs at least 9 of them'
      : `is too easy to guess: use ${PASSCODE_RULE}`;
  }
  return null;
}
