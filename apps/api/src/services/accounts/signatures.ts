import { createPublicKey, verify } from 'node:crypto';
import { canonicalJsonBytes } from '@conclave/crypto';

/**
 * Checks an Ed25519 signature over the RFC 8785 canonical JSON of `payload` (how
 * packages/crypto signs statements) with a public key from the key directory. Verification
 * needs only public data, so Node's own Ed25519 is used; signing happens in the browser.
 */
export function verifyStatementSignature(
  payload: unknown,
  signatureBase64Url: string,
  signingPublicKeyBase64Url: string,
): boolean {
  const signature = Buffer.from(signatureBase64Url, 'base64url');
  if (signature.length !== 64) return false;
  try {
    const key = createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: signingPublicKeyBase64Url },
      format: 'jwk',
    });
    return verify(null, canonicalJsonBytes(payload), key, signature);
  } catch {
    return false;
  }
}
