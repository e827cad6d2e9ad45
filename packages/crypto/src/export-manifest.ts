import { canonicalJsonBytes, type JsonObject, type JsonValue } from './canonical-json';
import { fromBase64Url, fromUtf8 } from './encoding';
import { CryptoError } from './errors';
import { keyId } from './identity';
import { signBytes, verifyBytes, type SigningKeyPair } from './signing';
import {
  requireBytes,
  requireObject,
  requireSafeCount,
  requireString,
  requireTimestamp,
} from './validate';

const SHA256_HEX = /^[0-9a-f]{64}$/;

export interface ExportManifestItem {
  /** Path inside the bundle, e.g. `recordings/<id>/ciphertext`. */
  path: string;
  sha256: string;
  size: number;
}

/** manifest.json of a compliance export (DESIGN "Compliance export"). */
export interface ExportManifest {
  type: 'conclave.export-manifest';
  v: 1;
  orgId: string;
  createdAt: string;
  createdBy: JsonValue;
  query: JsonValue;
  items: ExportManifestItem[];
  /** The exported audit range: its chain, first and last seq, and the hash of the last entry. */
  audit: { chain: string; fromSeq: number; toSeq: number; headHash: string };
  /** keyId of the server export key that signs manifest.sig. */
  exportKeyId: string;
  extensions?: JsonObject;
}

/**
 * Produces manifest.json and manifest.sig: the manifest as RFC 8785 canonical JSON (UTF-8)
 * and a raw 64-byte Ed25519 signature over exactly those bytes, so it also verifies with a
 * stock tool (`openssl pkeyutl -verify -rawin`).
 */
export function signExportManifest(
  manifest: Omit<ExportManifest, 'type' | 'v' | 'exportKeyId'>,
  exportKey: SigningKeyPair,
): { manifestBytes: Uint8Array; signature: Uint8Array; manifest: ExportManifest } {
  const operation = 'signExportManifest';
  requireBytes(operation, 'exportKey.publicKey', exportKey.publicKey, 32);
  const full = parseManifest(operation, {
    ...manifest,
    type: 'conclave.export-manifest',
    v: 1,
    exportKeyId: keyId(exportKey.publicKey),
  });
  const manifestBytes = canonicalJsonBytes(full);
  return {
    manifestBytes,
    signature: signBytes(operation, manifestBytes, exportKey.privateKey),
    manifest: full,
  };
}

/**
 * Checks manifest.sig over the exact bytes of manifest.json under the export public key, then
 * parses and validates the manifest. `signature` may be the raw 64 bytes or base64url.
 */
export function verifyExportManifest(
  manifestBytes: Uint8Array,
  signature: Uint8Array | string,
  exportPublicKey: Uint8Array,
): ExportManifest {
  const operation = 'verifyExportManifest';
  requireBytes(operation, 'manifestBytes', manifestBytes);
  const signatureBytes =
    typeof signature === 'string'
      ? fromBase64Url(signature.trim(), operation, 'signature')
      : signature;
  verifyBytes(operation, manifestBytes, signatureBytes, exportPublicKey);
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromUtf8(manifestBytes, operation));
  } catch (error) {
    if (error instanceof CryptoError) throw error;
    throw new CryptoError('INVALID_ENCODING', operation, 'manifest is not valid JSON');
  }
  const manifest = parseManifest(operation, parsed);
  if (manifest.exportKeyId !== keyId(exportPublicKey)) {
    throw new CryptoError('KEY_MISMATCH', operation, 'manifest names another export key');
  }
  return manifest;
}

function parseManifest(operation: string, value: unknown): ExportManifest {
  const r = requireObject(operation, 'manifest', value);
  if (r.type !== 'conclave.export-manifest' || r.v !== 1) {
    throw new CryptoError('UNSUPPORTED_VERSION', operation, 'not a version 1 export manifest');
  }
  if (!Array.isArray(r.items))
    throw new CryptoError('INVALID_INPUT', operation, 'items must be an array');
  const paths = new Set<string>();
  const items = r.items.map((item: unknown, i): ExportManifestItem => {
    const e = requireObject(operation, `items[${i}]`, item);
    const path = requireString(operation, `items[${i}].path`, e.path, { maxLength: 1024 });
    if (path.startsWith('/') || path.split('/').some((part) => part === '..' || part === '')) {
      throw new CryptoError(
        'INVALID_INPUT',
        operation,
        `items[${i}].path must be a relative path inside the bundle`,
      );
    }
    if (paths.has(path))
      throw new CryptoError('INVALID_INPUT', operation, `items[${i}].path appears twice`);
    paths.add(path);
    if (typeof e.sha256 !== 'string' || !SHA256_HEX.test(e.sha256)) {
      throw new CryptoError(
        'INVALID_INPUT',
        operation,
        `items[${i}].sha256 must be a lowercase hex SHA-256`,
      );
    }
    return {
      path,
      sha256: e.sha256,
      size: requireSafeCount(operation, `items[${i}].size`, e.size),
    };
  });
  const audit = requireObject(operation, 'audit', r.audit);
  if (typeof audit.headHash !== 'string' || !SHA256_HEX.test(audit.headHash)) {
    throw new CryptoError(
      'INVALID_INPUT',
      operation,
      'audit.headHash must be a lowercase hex SHA-256',
    );
  }
  const manifest: ExportManifest = {
    type: 'conclave.export-manifest',
    v: 1,
    orgId: requireString(operation, 'orgId', r.orgId, { maxLength: 256 }),
    createdAt: requireTimestamp(operation, 'createdAt', r.createdAt),
    createdBy: r.createdBy as JsonValue,
    query: r.query as JsonValue,
    items,
    audit: {
      chain: requireString(operation, 'audit.chain', audit.chain, { maxLength: 256 }),
      fromSeq: requireSafeCount(operation, 'audit.fromSeq', audit.fromSeq),
      toSeq: requireSafeCount(operation, 'audit.toSeq', audit.toSeq),
      headHash: audit.headHash,
    },
    exportKeyId: requireString(operation, 'exportKeyId', r.exportKeyId),
  };
  if (r.createdBy === undefined || r.query === undefined) {
    throw new CryptoError('INVALID_INPUT', operation, 'createdBy and query are required');
  }
  if (r.extensions !== undefined)
    manifest.extensions = requireObject(operation, 'extensions', r.extensions) as JsonObject;
  return manifest;
}

/**
 * Compares a bundle file's digest and size (from `sha256Stream`) with its manifest entry.
 * Throws MANIFEST_MISMATCH naming the path.
 */
export function checkExportItem(
  item: ExportManifestItem,
  found: { sha256: string; size: number },
): void {
  const operation = 'checkExportItem';
  if (found.size !== item.size) {
    throw new CryptoError(
      'MANIFEST_MISMATCH',
      operation,
      `${item.path} is ${found.size} bytes, the manifest says ${item.size}`,
    );
  }
  if (found.sha256 !== item.sha256) {
    throw new CryptoError(
      'MANIFEST_MISMATCH',
      operation,
      `${item.path} does not match its SHA-256 in the manifest`,
    );
  }
}
