import { isCryptoError, verifyIdentityStatement } from '@conclave/crypto';

/**
 * Checks a statement signed with a person's identity key (packages/crypto's
 * `signIdentityStatement`: Ed25519 over the RFC 8785 canonical JSON) against a public key from
 * the key directory. False for a signature that does not verify or a malformed one.
 */
export function verifyStatementSignature(
  payload: unknown,
  signatureBase64Url: string,
  signingPublicKeyBase64Url: string,
): boolean {
  try {
    verifyIdentityStatement(payload, signatureBase64Url, signingPublicKeyBase64Url);
    return true;
  } catch (error) {
    if (isCryptoError(error)) return false;
    throw error;
  }
}
