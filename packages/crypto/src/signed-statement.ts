import { fromBase64Url } from './encoding';
import { CryptoError } from './errors';
import { keyId } from './identity';
import { signPayload, verifyPayload } from './signing';
import { requireObject, requireString } from './validate';

/** A signed JSON statement: `signature` is Ed25519 over canonicalJson(payload), base64url. */
export interface Signed<T> {
  payload: T;
  signature: string;
}

/** Who signed a statement, as stated (and signed) inside it. */
export interface SignerRef {
  userId: string;
  signingKeyId: string;
  /** The signer's Ed25519 public key, base64url; makes statements checkable offline. */
  signingPublicKey: string;
}

/**
 * How a verifier decides a signer's key is genuine. Normally from the org's key directory
 * (with history): `signingKeyFor(userId, keyId)` returns the pinned public key or undefined.
 * `{ trustEmbeddedKeys: true }` checks statements against the keys they carry, which proves
 * integrity but not identity; use it only where the keys are checked another way.
 */
export type SignerTrust =
  | { signingKeyFor: (userId: string, signingKeyId: string) => Uint8Array | undefined }
  | { trustEmbeddedKeys: true };

export function parseSignerRef(operation: string, name: string, value: unknown): SignerRef {
  const record = requireObject(operation, name, value);
  const userId = requireString(operation, `${name}.userId`, record.userId, { maxLength: 256 });
  const signingKeyId = requireString(operation, `${name}.signingKeyId`, record.signingKeyId);
  const signingPublicKey = requireString(
    operation,
    `${name}.signingPublicKey`,
    record.signingPublicKey,
  );
  return { userId, signingKeyId, signingPublicKey };
}

/** Resolves the key a statement must verify under, checking it against the embedded one. */
export function resolveSignerKey(
  operation: string,
  signer: SignerRef,
  trust: SignerTrust,
): Uint8Array {
  const embedded = fromBase64Url(signer.signingPublicKey, operation, 'signingPublicKey');
  if (embedded.length !== 32) {
    throw new CryptoError('INVALID_INPUT', operation, 'signingPublicKey must be 32 bytes');
  }
  if (keyId(embedded) !== signer.signingKeyId) {
    throw new CryptoError(
      'KEY_MISMATCH',
      operation,
      `signingKeyId ${signer.signingKeyId} does not match the key`,
    );
  }
  if ('trustEmbeddedKeys' in trust) {
    if (trust.trustEmbeddedKeys !== true) {
      throw new CryptoError('INVALID_INPUT', operation, 'trustEmbeddedKeys must be true');
    }
    return embedded;
  }
  const trusted = trust.signingKeyFor(signer.userId, signer.signingKeyId);
  if (trusted === undefined) {
    throw new CryptoError(
      'UNKNOWN_SIGNER',
      operation,
      `no trusted key ${signer.signingKeyId} for user ${signer.userId}`,
    );
  }
  if (
    !(trusted instanceof Uint8Array) ||
    trusted.length !== 32 ||
    keyId(trusted) !== signer.signingKeyId
  ) {
    throw new CryptoError(
      'KEY_MISMATCH',
      operation,
      `the trusted key for user ${signer.userId} is not ${signer.signingKeyId}`,
    );
  }
  return trusted;
}

export function verifySigned<T>(
  operation: string,
  signed: unknown,
  signerOf: (payload: Record<string, unknown>) => SignerRef,
  trust: SignerTrust,
): { payload: T; signer: SignerRef } {
  const record = requireObject(operation, 'signed statement', signed);
  const payload = requireObject(operation, 'payload', record.payload);
  const signer = signerOf(payload);
  const key = resolveSignerKey(operation, signer, trust);
  verifyPayload(operation, payload, record.signature, key);
  return { payload: payload as T, signer };
}

/**
 * Signs a statement with a person's identity (Ed25519 over the RFC 8785 canonical JSON of
 * `statement`, base64url). Used where a browser proves it holds an identity, e.g. the
 * recovery proof over a server challenge. The statement should carry its own `type`.
 */
export function signIdentityStatement(
  identity: { signingPrivateKey: Uint8Array },
  statement: unknown,
): string {
  return signPayload('signIdentityStatement', statement, identity.signingPrivateKey);
}

/**
 * Checks a signature made by `signIdentityStatement` with the signer's Ed25519 public key
 * (base64url, from the key directory). Throws `BAD_SIGNATURE` when it does not verify,
 * `INVALID_ENCODING`/`INVALID_INPUT` for malformed keys or signatures.
 */
export function verifyIdentityStatement(
  statement: unknown,
  signature: string,
  signingPublicKey: string,
): void {
  const operation = 'verifyIdentityStatement';
  const key = fromBase64Url(signingPublicKey, operation, 'signingPublicKey');
  verifyPayload(operation, statement, signature, key);
}
