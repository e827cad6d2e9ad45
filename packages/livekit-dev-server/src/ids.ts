import { randomBytes } from 'node:crypto';

const alphabet = '23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** LiveKit-shaped ids: the client checks the `PA_`/`TR_` prefixes to tell tracks from participants. */
export function newSid(prefix: 'RM_' | 'PA_' | 'TR_' | 'EV_'): string {
  const bytes = randomBytes(12);
  let id = prefix;
  for (const byte of bytes) {
    id += alphabet[byte % alphabet.length];
  }
  return id;
}
