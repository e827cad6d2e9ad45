/**
 * Known-answer vectors: generation (deterministic, through the test-only entry) and checking.
 * Isomorphic on purpose: vitest runs it in Node (test/vectors.test.ts) and the Playwright test
 * runs the very same module in Chromium (test/browser.spec.ts), against the committed JSON.
 */
import {
  AUDIT_GENESIS_HASH,
  CryptoError,
  bindGuestKey,
  canonicalJson,
  checkRequiredRecipients,
  computeSecurityCode,
  createAuditEntry,
  createRecordingEnvelope,
  decryptRecordingBytes,
  decryptSenderKey,
  deriveAccountKeys,
  encryptSenderKey,
  fakeSaltForEmail,
  fromHex,
  generateExchangeKeyPair,
  generateIdentity,
  generateKdfParams,
  generateLinkSecret,
  generateRecordingKey,
  generateRecoveryCode,
  generateSenderKey,
  generateSigningKeyPair,
  identityFingerprint,
  openRecordingKey,
  publicIdentity,
  randomBytes,
  recoveryKeyFromCode,
  RecordingReader,
  RecordingWriter,
  sha256Hex,
  signAuditCheckpoint,
  signConsent,
  signExportManifest,
  signRecordingSeal,
  signingKeyPairFromSeed,
  toHex,
  unwrapIdentity,
  unwrapIdentityWithRecoveryCode,
  utf8,
  verifyAuditChain,
  verifyAuditCheckpoint,
  verifyExportManifest,
  verifyGuestKeyBinding,
  verifyRecordingEnvelope,
  verifyRecordingSeal,
  wrapIdentity,
  wrapIdentityWithRecoveryCode,
  checkRecordingAgainstSeal,
  type Identity,
  type KdfParams,
  type RecordingEnvelope,
  type RecordingSeal,
  type SenderKeyMessage,
  type Signed,
  type SignerTrust,
  type SignedAuditCheckpoint,
  type WrappedIdentity,
  type AuditEntry,
} from '../../src/index';
import { signBytes } from '../../src/signing';
import { withDeterministicRandom } from '../../src/testing';

export const GENERATED_VECTOR_FILES = [
  'account',
  'identity',
  'sender-keys',
  'security-code',
  'recording',
  'envelope',
  'audit',
  'manifest',
] as const;
export const EXTERNAL_VECTOR_FILES = ['canonical-json', 'sha256', 'ed25519'] as const;
export type VectorFileName =
  (typeof GENERATED_VECTOR_FILES)[number] | (typeof EXTERNAL_VECTOR_FILES)[number];
export type VectorSet = Partial<Record<VectorFileName, unknown>>;

export interface VectorCheck {
  file: VectorFileName;
  name: string;
  ok: boolean;
  message: string;
}

const FAST_KDF = { opsLimit: 2, memLimit: 19 * 1024 * 1024 };

interface IdentityHex {
  signingPublicKey: string;
  signingPrivateKey: string;
  exchangePublicKey: string;
  exchangePrivateKey: string;
}

function identityToHex(id: Identity): IdentityHex {
  return {
    signingPublicKey: toHex(id.signingPublicKey),
    signingPrivateKey: toHex(id.signingPrivateKey),
    exchangePublicKey: toHex(id.exchangePublicKey),
    exchangePrivateKey: toHex(id.exchangePrivateKey),
  };
}

function identityFromHex(id: IdentityHex): Identity {
  return {
    signingPublicKey: fromHex(id.signingPublicKey),
    signingPrivateKey: fromHex(id.signingPrivateKey),
    exchangePublicKey: fromHex(id.exchangePublicKey),
    exchangePrivateKey: fromHex(id.exchangePrivateKey),
  };
}

// ---------------------------------------------------------------------------------------------
// Generation (deterministic randomness; refuses to run outside tests)

interface AccountVectors {
  description: string;
  cases: { password: string; params: KdfParams; authKey: string; wrapKey: string }[];
  fakeSalts: { serverSecret: string; email: string; equivalentEmail: string; salt: string }[];
}

function generateAccount(): AccountVectors {
  const passwords = ['correct horse battery staple', 'caf\u00e9 \u2615 p\u00e4ssw\u00f6rd', 'x'];
  return {
    description:
      'deriveAccountKeys: Argon2id (crypto_pwhash ALG_ARGON2ID13) over the NFC password, split with crypto_kdf contexts cnv-auth / cnv-wrap (subkey id 1). fakeSaltForEmail: keyed BLAKE2b-128.',
    cases: passwords.map((password) => {
      const params = generateKdfParams(FAST_KDF);
      const keys = deriveAccountKeys(password, params);
      return { password, params, authKey: toHex(keys.authKey), wrapKey: toHex(keys.wrapKey) };
    }),
    fakeSalts: [
      ['Nobody@Example.org', '  nobody@example.ORG '],
      ['\u00e9lodie@exemple.fr', 'E\u0301LODIE@exemple.fr'],
    ].map(([email, equivalentEmail]) => {
      const serverSecret = randomBytes(32);
      return {
        serverSecret: toHex(serverSecret),
        email: email!,
        equivalentEmail: equivalentEmail!,
        salt: fakeSaltForEmail(serverSecret, email!),
      };
    }),
  };
}

interface IdentityVectors {
  description: string;
  identity: IdentityHex;
  publicIdentity: ReturnType<typeof publicIdentity>;
  fingerprint: string;
  wrapKey: string;
  wrapped: WrappedIdentity;
  recoveryCode: string;
  typedRecoveryCode: string;
  mistypedRecoveryCode: string;
  recoveryKey: string;
  recoveryWrapped: WrappedIdentity;
}

function generateIdentityVectors(): IdentityVectors {
  const identity = generateIdentity();
  const wrapKey = randomBytes(32);
  const recoveryCode = generateRecoveryCode();
  const compact = recoveryCode.replace(/-/g, '');
  const typo = compact[5] === 'A' ? 'B' : 'A';
  return {
    description:
      'Identity key pairs, key ids, fingerprint, wrapping under a wrap key and a recovery code (XChaCha20-Poly1305, AD binds kind and public keys).',
    identity: identityToHex(identity),
    publicIdentity: publicIdentity(identity),
    fingerprint: identityFingerprint(identity),
    wrapKey: toHex(wrapKey),
    wrapped: wrapIdentity(identity, wrapKey),
    recoveryCode,
    typedRecoveryCode: recoveryCode.toLowerCase().replace(/-/g, ' ').replace(/0/g, 'o'),
    mistypedRecoveryCode: compact.slice(0, 5) + typo + compact.slice(6),
    recoveryKey: toHex(recoveryKeyFromCode(recoveryCode)),
    recoveryWrapped: wrapIdentityWithRecoveryCode(identity, recoveryCode),
  };
}

interface SenderKeyVectors {
  description: string;
  sender: { publicKey: string; privateKey: string };
  recipient: { publicKey: string; privateKey: string };
  context: { meetingId: string; senderId: string; recipientId: string; keyIndex: number };
  senderKey: string;
  message: SenderKeyMessage;
  relabelled: {
    name: string;
    message: SenderKeyMessage;
    expected: { meetingId: string; senderId: string; recipientId: string };
    error: string;
  }[];
  guest: {
    linkSecret: string;
    meetingId: string;
    guestPublicKey: string;
    binding: string;
    otherMeetingId: string;
  };
}

function generateSenderKeys(): SenderKeyVectors {
  const sender = generateExchangeKeyPair();
  const recipient = generateExchangeKeyPair();
  const context = {
    meetingId: 'mtg-7f3a',
    senderId: 'user-alice',
    recipientId: 'user-bob',
    keyIndex: 3,
  };
  const senderKey = generateSenderKey();
  const message = encryptSenderKey({
    ...context,
    senderKey,
    senderExchangePrivateKey: sender.privateKey,
    recipientExchangePublicKey: recipient.publicKey,
  });
  const expected = {
    meetingId: context.meetingId,
    senderId: context.senderId,
    recipientId: context.recipientId,
  };
  const guestKey = generateExchangeKeyPair();
  const linkSecret = generateLinkSecret();
  return {
    description:
      'encryptSenderKey: crypto_box_easy(BLAKE2b-256(meeting, sender, recipient, key index) || sender key). Relabelled copies must fail with the given code.',
    sender: { publicKey: toHex(sender.publicKey), privateKey: toHex(sender.privateKey) },
    recipient: { publicKey: toHex(recipient.publicKey), privateKey: toHex(recipient.privateKey) },
    context,
    senderKey: toHex(senderKey),
    message,
    relabelled: [
      {
        name: 'key index changed by the relay',
        message: { ...message, keyIndex: 4 },
        expected,
        error: 'BINDING_MISMATCH',
      },
      {
        name: 'replayed into another meeting (relabelled)',
        message: { ...message, meetingId: 'mtg-other' },
        expected: { ...expected, meetingId: 'mtg-other' },
        error: 'BINDING_MISMATCH',
      },
      {
        name: 'replayed into another meeting (as is)',
        message,
        expected: { ...expected, meetingId: 'mtg-other' },
        error: 'BINDING_MISMATCH',
      },
      {
        name: 'redirected to another recipient id',
        message: { ...message, recipientId: 'user-carol' },
        expected: { ...expected, recipientId: 'user-carol' },
        error: 'BINDING_MISMATCH',
      },
    ],
    guest: {
      linkSecret,
      meetingId: context.meetingId,
      guestPublicKey: toHex(guestKey.publicKey),
      binding: bindGuestKey({
        linkSecret,
        meetingId: context.meetingId,
        guestPublicKey: guestKey.publicKey,
      }),
      otherMeetingId: 'mtg-other',
    },
  };
}

interface SecurityCodeVectors {
  description: string;
  cases: { meetingId: string; keys: string[]; code: string }[];
}

function generateSecurityCodes(): SecurityCodeVectors {
  const keys = Array.from({ length: 4 }, () => generateExchangeKeyPair().publicKey);
  const cases = [
    { meetingId: 'mtg-7f3a', keys: keys.slice(0, 2) },
    { meetingId: 'mtg-7f3a', keys },
    { meetingId: 'mtg-other', keys },
  ];
  return {
    description:
      'computeSecurityCode: BLAKE2b-512 over (meeting id, count, sorted unique X25519 keys), 8 groups of 5 digits. Order and duplicates must not matter.',
    cases: cases.map((c) => ({
      meetingId: c.meetingId,
      keys: c.keys.map(toHex),
      code: computeSecurityCode(c.meetingId, c.keys).code,
    })),
  };
}

interface RecordingVectors {
  description: string;
  recordingKey: string;
  recordingId: string;
  mimeType: string;
  maxChunkBytes: number;
  writes: string[];
  flushAfterWrite: number;
  plaintext: string;
  ciphertext: string;
  stats: Record<string, unknown>;
  truncated: { ciphertext: string; plaintext: string; chunkCount: number; danglingBytes: number }[];
  tampered: {
    name: string;
    ciphertext: string;
    error: string;
    mimeType?: string;
    recordingId?: string;
  }[];
}

interface Record_ {
  offset: number;
  length: number;
}

function splitRecords(ciphertext: Uint8Array): Record_[] {
  const records: Record_[] = [];
  let offset = 24;
  while (offset < ciphertext.length) {
    const length = new DataView(ciphertext.buffer, ciphertext.byteOffset + offset, 4).getUint32(
      0,
      false,
    );
    records.push({ offset, length: 4 + length });
    offset += 4 + length;
  }
  return records;
}

function assemble(ciphertext: Uint8Array, order: number[]): Uint8Array {
  const records = splitRecords(ciphertext);
  const parts = [
    ciphertext.subarray(0, 24),
    ...order.map((i) =>
      ciphertext.subarray(records[i]!.offset, records[i]!.offset + records[i]!.length),
    ),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function generateRecording(): RecordingVectors {
  const recordingKey = generateRecordingKey();
  const options = {
    recordingKey,
    recordingId: 'rec-01HZX',
    mimeType: 'video/webm;codecs=vp8,opus',
    maxChunkBytes: 64,
  };
  const writes = [5, 70, 1, 0, 130, 33].map((n, i) =>
    Uint8Array.from({ length: n }, (_, j) => (i * 31 + j * 7) & 0xff),
  );
  const writer = new RecordingWriter(options);
  const out: Uint8Array[] = [];
  writes.forEach((w, i) => {
    out.push(writer.write(w));
    if (i === 2) out.push(writer.flush());
  });
  const { output, stats } = writer.finish();
  out.push(output);
  const ciphertext = concat(out);
  const plaintext = concat(writes);
  const records = splitRecords(ciphertext);
  const last = records.length - 1;
  const flipped = ciphertext.slice();
  flipped[records[1]!.offset + 10]! ^= 0x01;
  const headerFlipped = ciphertext.slice();
  headerFlipped[3]! ^= 0x80;
  const hugePrefix = ciphertext.slice();
  hugePrefix.set([0x7f, 0, 0, 0], records[0]!.offset);
  const upTo = (n: number) => Array.from({ length: n }, (_, i) => i);
  const plainUpTo = (n: number) => {
    const r = decryptRecordingBytes(assemble(ciphertext, upTo(n)), options);
    return toHex(r.plaintext);
  };
  const full = toHex(ciphertext);
  return {
    description:
      'RecordingWriter output (DESIGN format) with 64-byte chunks for readability: header, then uint32 BE length || secretstream ciphertext, AD = BLAKE2b-256(encodeContext("conclave-recording", [1, id, mime])). Tampered copies must fail with the given code; truncated copies must decrypt what is there and report truncated.',
    recordingKey: toHex(recordingKey),
    recordingId: options.recordingId,
    mimeType: options.mimeType,
    maxChunkBytes: options.maxChunkBytes,
    writes: writes.map(toHex),
    flushAfterWrite: 2,
    plaintext: toHex(plaintext),
    ciphertext: full,
    stats: { ...stats },
    truncated: [
      {
        ciphertext: toHex(assemble(ciphertext, upTo(last))),
        plaintext: plainUpTo(last),
        chunkCount: last,
        danglingBytes: 0,
      },
      {
        ciphertext: full.slice(0, (records[last]!.offset + 9) * 2),
        plaintext: plainUpTo(last),
        chunkCount: last,
        danglingBytes: 9,
      },
      { ciphertext: full.slice(0, 20 * 2), plaintext: '', chunkCount: 0, danglingBytes: 20 },
    ],
    tampered: [
      {
        name: 'one bit flipped in chunk 1',
        ciphertext: toHex(flipped),
        error: 'CHUNK_AUTH_FAILED',
      },
      {
        name: 'one bit flipped in the header',
        ciphertext: toHex(headerFlipped),
        error: 'CHUNK_AUTH_FAILED',
      },
      {
        name: 'chunk 0 dropped',
        ciphertext: toHex(assemble(ciphertext, upTo(last + 1).slice(1))),
        error: 'CHUNK_AUTH_FAILED',
      },
      {
        name: 'chunk 0 repeated',
        ciphertext: toHex(assemble(ciphertext, [0, ...upTo(last + 1)])),
        error: 'CHUNK_AUTH_FAILED',
      },
      {
        name: 'chunks 1 and 2 swapped',
        ciphertext: toHex(assemble(ciphertext, [0, 2, 1, ...upTo(last + 1).slice(3)])),
        error: 'CHUNK_AUTH_FAILED',
      },
      {
        name: 'final chunk followed by more data',
        ciphertext: toHex(assemble(ciphertext, [...upTo(last + 1), 0])),
        error: 'TRAILING_DATA',
      },
      {
        name: 'impossible length prefix',
        ciphertext: toHex(hugePrefix),
        error: 'MALFORMED_RECORD',
      },
      {
        name: 'read as another MIME type',
        ciphertext: full,
        mimeType: 'audio/webm',
        error: 'CHUNK_AUTH_FAILED',
      },
      {
        name: 'read as another recording id',
        ciphertext: full,
        recordingId: 'rec-other',
        error: 'CHUNK_AUTH_FAILED',
      },
    ],
  };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

interface EnvelopeVectors {
  description: string;
  users: Record<string, IdentityHex>;
  compliance: { publicKey: string; privateKey: string };
  recordingKey: string;
  envelope: Signed<RecordingEnvelope>;
  seal: Signed<RecordingSeal>;
  requiredRecipients: string[];
}

function generateEnvelope(): EnvelopeVectors {
  const users = {
    'user-alice': generateIdentity(),
    'user-bob': generateIdentity(),
    'user-carol': generateIdentity(),
  };
  const compliance = generateExchangeKeyPair();
  const recordingKey = generateRecordingKey();
  const ids = { meetingId: 'mtg-7f3a', recordingId: 'rec-01HZX' };
  const consents = [
    signConsent({
      ...ids,
      decision: 'accept',
      userId: 'user-alice',
      identity: users['user-alice'],
      decidedAt: '2025-03-04T10:00:01.000Z',
    }),
    signConsent({
      ...ids,
      decision: 'accept',
      userId: 'user-bob',
      identity: users['user-bob'],
      decidedAt: '2025-03-04T10:00:03.500Z',
    }),
    signConsent({
      ...ids,
      decision: 'decline',
      userId: 'user-carol',
      identity: users['user-carol'],
      decidedAt: '2025-03-04T10:00:04.000Z',
    }),
  ];
  const envelope = createRecordingEnvelope({
    ...ids,
    recorderUserId: 'user-alice',
    recorder: users['user-alice'],
    mimeType: 'video/webm;codecs=vp8,opus',
    startedAt: '2025-03-04T10:00:05.000Z',
    recordingKey,
    recipientExchangeKeys: [users['user-bob'].exchangePublicKey, compliance.publicKey],
    consents,
  });
  const seal = signRecordingSeal({
    recordingId: ids.recordingId,
    recorderUserId: 'user-alice',
    recorder: users['user-alice'],
    stats: {
      chunkCount: 3600,
      plaintextBytes: 1_124_999_999,
      ciphertextBytes: 1_125_061_223,
      plaintextSha256: sha256Hex(utf8('plaintext stand-in')),
      ciphertextSha256: sha256Hex(utf8('ciphertext stand-in')),
    },
    endedAt: '2025-03-04T11:00:05.000Z',
  });
  return {
    description:
      'A signed recording envelope (recorder alice; recipients alice, host bob, a compliance key; consents from alice, bob, carol) and its seal. Each signature is Ed25519 over canonicalJson(payload).',
    users: Object.fromEntries(Object.entries(users).map(([k, v]) => [k, identityToHex(v)])),
    compliance: {
      publicKey: toHex(compliance.publicKey),
      privateKey: toHex(compliance.privateKey),
    },
    recordingKey: toHex(recordingKey),
    envelope,
    seal,
    requiredRecipients: envelope.payload.recipients.map((r) => r.keyId),
  };
}

interface AuditVectors {
  description: string;
  serverKeySeed: string;
  entries: AuditEntry[];
  checkpoint: SignedAuditCheckpoint;
  tampered: { name: string; entries: unknown[]; index: number; reason: string }[];
}

function generateAudit(): AuditVectors {
  const serverKeySeed = randomBytes(32);
  const serverKey = signingKeyPairFromSeed(serverKeySeed);
  const fields = [
    {
      action: 'org.created',
      actor: { userId: 'user-alice', label: null },
      subject: { type: 'org', id: 'org-1' },
      details: {},
    },
    {
      action: 'policy.changed',
      actor: { userId: 'user-alice', label: null },
      subject: { type: 'org', id: 'org-1' },
      details: { 'recording.allowed': { from: 'hosts', to: 'everyone' }, retentionDays: 30 },
    },
    {
      action: 'recording.consent',
      actor: { userId: 'user-carol', label: null },
      subject: { type: 'recording', id: 'rec-01HZX' },
      details: {
        decision: 'decline',
        note: 'Pr\u00e9f\u00e8re ne pas \u00eatre enregistr\u00e9e \ud83d\ude4f',
      },
    },
    {
      action: 'hold.placed',
      actor: { userId: null, label: 'retention job' },
      subject: { type: 'meeting', id: 'mtg-7f3a' },
      details: { reason: null, until: 1.5e12 },
    },
  ];
  const entries: AuditEntry[] = [];
  fields.forEach((f, i) => {
    entries.push(
      createAuditEntry(entries.at(-1) ?? null, {
        ...f,
        chain: 'org:org-1',
        occurredAt: `2025-03-04T10:0${i}:00.000Z`,
      }),
    );
  });
  const head = entries.at(-1)!;
  const checkpoint = signAuditCheckpoint({
    chain: 'org:org-1',
    head,
    serverKey,
    signedAt: '2025-03-04T10:05:00.000Z',
  });
  return {
    description:
      'Audit entries: hash = SHA-256(canonicalJson({v:1,chain,seq,occurredAt,actor,action,subject,details,prevHash})), hex; first prevHash is 64 zeros. Checkpoint signed with the server key from serverKeySeed. Tampered chains must be reported at the given index with the given reason.',
    serverKeySeed: toHex(serverKeySeed),
    entries,
    checkpoint,
    tampered: [
      {
        name: 'details edited, stored hash kept',
        entries: entries.map((e, i) =>
          i === 1 ? { ...e, details: { ...(e.details as object), retentionDays: 3650 } } : e,
        ),
        index: 1,
        reason: 'HASH_MISMATCH',
      },
      {
        name: 'details edited and hash recomputed',
        entries: entries.map((e, i) =>
          i === 1 ? rehash({ ...e, details: { retentionDays: 3650 } }) : e,
        ),
        index: 2,
        reason: 'PREV_HASH_MISMATCH',
      },
      {
        name: 'entry deleted',
        entries: entries.filter((_, i) => i !== 2),
        index: 2,
        reason: 'SEQ_MISMATCH',
      },
      {
        name: 'entries reordered',
        entries: [entries[0], entries[2], entries[1], entries[3]],
        index: 1,
        reason: 'SEQ_MISMATCH',
      },
      {
        name: 'entry moved to another org chain (rehashed)',
        entries: entries.map((e, i) => (i === 3 ? rehash({ ...e, chain: 'org:org-2' }) : e)),
        index: 3,
        reason: 'CHAIN_MISMATCH',
      },
    ],
  };
}

function rehash(entry: AuditEntry): AuditEntry {
  const { hash: _hash, ...rest } = entry;
  const previous = { seq: rest.seq - 1, hash: rest.prevHash };
  return createAuditEntry(rest.seq === 1 ? null : previous, rest);
}

interface ManifestVectors {
  description: string;
  exportKeySeed: string;
  manifestJson: string;
  signature: string;
}

function generateManifest(): ManifestVectors {
  const exportKeySeed = randomBytes(32);
  const exportKey = signingKeyPairFromSeed(exportKeySeed);
  const { manifestBytes, signature } = signExportManifest(
    {
      orgId: 'org-1',
      createdAt: '2025-03-05T09:00:00.000Z',
      createdBy: { userId: 'user-dora', role: 'compliance' },
      query: {
        from: '2025-03-01T00:00:00.000Z',
        to: '2025-03-05T00:00:00.000Z',
        meetings: ['mtg-7f3a'],
      },
      items: [
        {
          path: 'recordings/rec-01HZX/envelope.json',
          sha256: sha256Hex(utf8('envelope')),
          size: 2048,
        },
        {
          path: 'recordings/rec-01HZX/ciphertext',
          sha256: sha256Hex(utf8('ciphertext')),
          size: 1_125_061_223,
        },
        { path: 'audit.jsonl', sha256: sha256Hex(utf8('audit')), size: 4096 },
      ],
      audit: {
        chain: 'org:org-1',
        fromSeq: 1,
        toSeq: 4,
        headHash: AUDIT_GENESIS_HASH.replace(/^0/, 'a'),
      },
    },
    exportKey,
  );
  return {
    description:
      'manifest.json is canonicalJson(manifest) as UTF-8; manifest.sig is Ed25519 over exactly those bytes.',
    exportKeySeed: toHex(exportKeySeed),
    manifestJson: new TextDecoder().decode(manifestBytes),
    signature: toHex(signature),
  };
}

/** Computes every generated vector file. Only inside tests (withDeterministicRandom refuses otherwise). */
export function generateVectors(): Record<(typeof GENERATED_VECTOR_FILES)[number], unknown> {
  const seeded = <T>(name: string, fn: () => T): T =>
    withDeterministicRandom(`conclave-vectors/${name}`, fn);
  return {
    account: seeded('account', generateAccount),
    identity: seeded('identity', generateIdentityVectors),
    'sender-keys': seeded('sender-keys', generateSenderKeys),
    'security-code': seeded('security-code', generateSecurityCodes),
    recording: seeded('recording', generateRecording),
    envelope: seeded('envelope', generateEnvelope),
    audit: seeded('audit', generateAudit),
    manifest: seeded('manifest', generateManifest),
  };
}

// ---------------------------------------------------------------------------------------------
// Checking (no special randomness: these are the known answers)

class Checker {
  readonly results: VectorCheck[] = [];
  constructor(private readonly file: VectorFileName) {}

  check(name: string, fn: () => void): void {
    try {
      fn();
      this.results.push({ file: this.file, name, ok: true, message: 'ok' });
    } catch (error) {
      this.results.push({
        file: this.file,
        name,
        ok: false,
        message: error instanceof Error ? error.message : String(error),
      });
    }
  }

  equal(actual: unknown, expected: unknown, what: string): void {
    const a = canonicalJson(actual);
    const e = canonicalJson(expected);
    if (a !== e) throw new Error(`${what}: expected ${e.slice(0, 200)}, got ${a.slice(0, 200)}`);
  }

  throws(fn: () => unknown, code: string, what: string): void {
    try {
      fn();
    } catch (error) {
      if (error instanceof CryptoError && error.code === code) return;
      throw new Error(
        `${what}: expected ${code}, got ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    throw new Error(`${what}: expected ${code}, but nothing was thrown`);
  }
}

function checkAccount(c: Checker, v: AccountVectors): void {
  for (const [i, k] of v.cases.entries()) {
    c.check(`deriveAccountKeys case ${i}`, () => {
      const keys = deriveAccountKeys(k.password, k.params);
      c.equal(toHex(keys.authKey), k.authKey, 'authKey');
      c.equal(toHex(keys.wrapKey), k.wrapKey, 'wrapKey');
    });
  }
  c.check('NFD spelling of a password gives the NFC keys', () => {
    const k = v.cases[1]!;
    c.equal(
      toHex(deriveAccountKeys(k.password.normalize('NFD'), k.params).wrapKey),
      k.wrapKey,
      'wrapKey',
    );
  });
  for (const [i, f] of v.fakeSalts.entries()) {
    c.check(`fakeSaltForEmail case ${i}`, () => {
      c.equal(fakeSaltForEmail(fromHex(f.serverSecret), f.email), f.salt, 'salt');
      c.equal(
        fakeSaltForEmail(fromHex(f.serverSecret), f.equivalentEmail),
        f.salt,
        'salt of the same address as typed',
      );
    });
  }
}

function checkIdentity(c: Checker, v: IdentityVectors): void {
  const identity = identityFromHex(v.identity);
  c.check('publicIdentity and key ids', () =>
    c.equal(publicIdentity(identity), v.publicIdentity, 'publicIdentity'),
  );
  c.check('identityFingerprint', () =>
    c.equal(identityFingerprint(identity), v.fingerprint, 'fingerprint'),
  );
  c.check('unwrapIdentity', () =>
    c.equal(identityToHex(unwrapIdentity(v.wrapped, fromHex(v.wrapKey))), v.identity, 'identity'),
  );
  c.check('recoveryKeyFromCode', () =>
    c.equal(toHex(recoveryKeyFromCode(v.typedRecoveryCode)), v.recoveryKey, 'recovery key'),
  );
  c.check('unwrapIdentityWithRecoveryCode (as typed)', () =>
    c.equal(
      identityToHex(unwrapIdentityWithRecoveryCode(v.recoveryWrapped, v.typedRecoveryCode)),
      v.identity,
      'identity',
    ),
  );
  c.check('a mistyped recovery code is caught before decryption', () =>
    c.throws(
      () => unwrapIdentityWithRecoveryCode(v.recoveryWrapped, v.mistypedRecoveryCode),
      'RECOVERY_CODE_CHECKSUM',
      'typo',
    ),
  );
  c.check('a wrong wrap key fails', () => {
    const wrong = fromHex(v.wrapKey);
    wrong[0]! ^= 1;
    c.throws(() => unwrapIdentity(v.wrapped, wrong), 'DECRYPTION_FAILED', 'wrong key');
  });
}

function checkSenderKeys(c: Checker, v: SenderKeyVectors): void {
  const keys = {
    recipientExchangePrivateKey: fromHex(v.recipient.privateKey),
    senderExchangePublicKey: fromHex(v.sender.publicKey),
  };
  const expected = {
    meetingId: v.context.meetingId,
    senderId: v.context.senderId,
    recipientId: v.context.recipientId,
  };
  c.check('decryptSenderKey', () => {
    const opened = decryptSenderKey(v.message, { ...expected, ...keys });
    c.equal(toHex(opened.senderKey), v.senderKey, 'sender key');
    c.equal(opened.keyIndex, v.context.keyIndex, 'key index');
  });
  for (const r of v.relabelled) {
    c.check(`rejects: ${r.name}`, () =>
      c.throws(() => decryptSenderKey(r.message, { ...r.expected, ...keys }), r.error, r.name),
    );
  }
  c.check('verifyGuestKeyBinding', () => {
    const input = {
      linkSecret: v.guest.linkSecret,
      meetingId: v.guest.meetingId,
      guestPublicKey: fromHex(v.guest.guestPublicKey),
    };
    c.equal(bindGuestKey(input), v.guest.binding, 'binding');
    verifyGuestKeyBinding({ ...input, binding: v.guest.binding });
    c.throws(
      () =>
        verifyGuestKeyBinding({
          ...input,
          meetingId: v.guest.otherMeetingId,
          binding: v.guest.binding,
        }),
      'BINDING_MISMATCH',
      'other meeting',
    );
  });
}

function checkSecurityCodes(c: Checker, v: SecurityCodeVectors): void {
  for (const [i, k] of v.cases.entries()) {
    c.check(`computeSecurityCode case ${i}`, () => {
      const keys = k.keys.map((h) => fromHex(h));
      c.equal(computeSecurityCode(k.meetingId, keys).code, k.code, 'code');
      c.equal(
        computeSecurityCode(k.meetingId, [...keys].reverse().concat(keys.slice(0, 1))).code,
        k.code,
        'code of the same set reordered, with a repeat',
      );
    });
  }
}

function checkRecording(c: Checker, v: RecordingVectors): void {
  const options = {
    recordingKey: fromHex(v.recordingKey),
    recordingId: v.recordingId,
    mimeType: v.mimeType,
  };
  c.check('decrypt the recording', () => {
    const { plaintext, result } = decryptRecordingBytes(fromHex(v.ciphertext), {
      ...options,
      hashes: 'all',
    });
    c.equal(toHex(plaintext), v.plaintext, 'plaintext');
    c.equal(result.complete, true, 'complete');
    const { complete: _c, truncated: _t, danglingBytes: _d, ...stats } = result;
    c.equal(stats, v.stats, 'stats');
  });
  c.check('decrypt in one-byte pieces', () => {
    const reader = new RecordingReader(options);
    const bytes = fromHex(v.ciphertext);
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < bytes.length; i++) chunks.push(...reader.push(bytes.subarray(i, i + 1)));
    c.equal(reader.end().complete, true, 'complete');
    c.equal(toHex(concat(chunks)), v.plaintext, 'plaintext');
  });
  for (const [i, t] of v.truncated.entries()) {
    c.check(`truncated copy ${i} is reported, and what is there decrypts`, () => {
      const { plaintext, result } = decryptRecordingBytes(fromHex(t.ciphertext), options);
      c.equal(result.truncated, true, 'truncated');
      c.equal(result.complete, false, 'complete');
      c.equal(result.chunkCount, t.chunkCount, 'chunkCount');
      c.equal(result.danglingBytes, t.danglingBytes, 'danglingBytes');
      c.equal(toHex(plaintext), t.plaintext, 'plaintext');
    });
  }
  for (const t of v.tampered) {
    c.check(`rejects: ${t.name}`, () =>
      c.throws(
        () =>
          decryptRecordingBytes(fromHex(t.ciphertext), {
            ...options,
            mimeType: t.mimeType ?? v.mimeType,
            recordingId: t.recordingId ?? v.recordingId,
          }),
        t.error,
        t.name,
      ),
    );
  }
  c.check('a wrong key fails on the first chunk', () => {
    const wrong = fromHex(v.recordingKey);
    wrong[31]! ^= 0x40;
    c.throws(
      () => decryptRecordingBytes(fromHex(v.ciphertext), { ...options, recordingKey: wrong }),
      'CHUNK_AUTH_FAILED',
      'wrong key',
    );
  });
}

function checkEnvelope(c: Checker, v: EnvelopeVectors): void {
  const users = Object.fromEntries(
    Object.entries(v.users).map(([k, id]) => [k, identityFromHex(id)]),
  );
  const trust: SignerTrust = {
    signingKeyFor: (userId) => users[userId]?.signingPublicKey,
  };
  c.check('verifyRecordingEnvelope with the directory, and every recipient opens the key', () => {
    const envelope = verifyRecordingEnvelope(v.envelope, trust);
    checkRequiredRecipients(envelope, v.requiredRecipients);
    for (const name of ['user-alice', 'user-bob']) {
      const id = users[name]!;
      c.equal(
        toHex(
          openRecordingKey(envelope, {
            publicKey: id.exchangePublicKey,
            privateKey: id.exchangePrivateKey,
          }),
        ),
        v.recordingKey,
        name,
      );
    }
    c.equal(
      toHex(
        openRecordingKey(envelope, {
          publicKey: fromHex(v.compliance.publicKey),
          privateKey: fromHex(v.compliance.privateKey),
        }),
      ),
      v.recordingKey,
      'compliance',
    );
    const carol = users['user-carol']!;
    c.throws(
      () =>
        openRecordingKey(envelope, {
          publicKey: carol.exchangePublicKey,
          privateKey: carol.exchangePrivateKey,
        }),
      'NOT_A_RECIPIENT',
      'carol',
    );
  });
  c.check('a dropped recipient breaks the signature', () => {
    const tampered = {
      ...v.envelope,
      payload: { ...v.envelope.payload, recipients: v.envelope.payload.recipients.slice(0, 2) },
    };
    c.throws(() => verifyRecordingEnvelope(tampered, trust), 'BAD_SIGNATURE', 'dropped recipient');
    c.throws(
      () => checkRequiredRecipients(tampered, v.requiredRecipients),
      'MISSING_RECIPIENTS',
      'required',
    );
  });
  c.check('a flipped consent decision breaks that consent', () => {
    const consents = v.envelope.payload.consents.map((s, i) =>
      i === 2 ? { ...s, payload: { ...s.payload, decision: 'accept' as const } } : s,
    );
    c.throws(
      () =>
        verifyRecordingEnvelope(
          { ...v.envelope, payload: { ...v.envelope.payload, consents } },
          trust,
        ),
      'BAD_SIGNATURE',
      'consent',
    );
  });
  c.check('an unknown recorder key is refused', () =>
    c.throws(
      () => verifyRecordingEnvelope(v.envelope, { signingKeyFor: () => undefined }),
      'UNKNOWN_SIGNER',
      'unknown',
    ),
  );
  c.check('verifyRecordingSeal', () => {
    const envelope = verifyRecordingEnvelope(v.envelope, trust);
    const seal = verifyRecordingSeal(v.seal, trust, envelope);
    checkRecordingAgainstSeal(seal, { ...seal, complete: true });
    c.throws(
      () =>
        checkRecordingAgainstSeal(seal, {
          ...seal,
          chunkCount: seal.chunkCount - 1,
          complete: true,
        }),
      'SEAL_MISMATCH',
      'count',
    );
    const tampered = {
      ...v.seal,
      payload: { ...v.seal.payload, plaintextBytes: v.seal.payload.plaintextBytes + 1 },
    };
    c.throws(() => verifyRecordingSeal(tampered, trust), 'BAD_SIGNATURE', 'seal');
  });
}

function checkAudit(c: Checker, v: AuditVectors): void {
  const serverKey = signingKeyPairFromSeed(fromHex(v.serverKeySeed));
  c.check('verifyAuditChain and the checkpoint', () => {
    const checkpoint = verifyAuditCheckpoint(v.checkpoint, serverKey.publicKey, {
      chain: 'org:org-1',
    });
    const result = verifyAuditChain(v.entries, { checkpoints: [checkpoint] });
    c.equal(
      result,
      {
        ok: true,
        count: v.entries.length,
        head: { seq: v.entries.length, hash: v.entries.at(-1)!.hash },
      },
      'result',
    );
  });
  c.check('entry hashes are recomputed, not trusted', () => {
    const stripped = v.entries.map(({ hash: _h, ...rest }) => rest);
    const result = verifyAuditChain(stripped, {});
    c.equal(result.ok && result.head?.hash, v.entries.at(-1)!.hash, 'head');
  });
  for (const t of v.tampered) {
    c.check(`reports: ${t.name}`, () => {
      const result = verifyAuditChain(t.entries);
      c.equal(result.ok ? 'ok' : [result.index, result.reason], [t.index, t.reason], t.name);
    });
  }
  c.check('a checkpoint signed by another key is refused', () => {
    const other = generateSigningKeyPair();
    c.throws(
      () => verifyAuditCheckpoint(v.checkpoint, other.publicKey),
      'KEY_MISMATCH',
      'other key',
    );
  });
}

function checkManifest(c: Checker, v: ManifestVectors): void {
  const key = signingKeyPairFromSeed(fromHex(v.exportKeySeed));
  const bytes = utf8(v.manifestJson);
  c.check('verifyExportManifest', () => {
    const manifest = verifyExportManifest(bytes, fromHex(v.signature), key.publicKey);
    c.equal(canonicalJson(manifest), v.manifestJson, 'manifest is canonical');
  });
  c.check('any change to manifest.json breaks the signature', () => {
    const edited = utf8(v.manifestJson.replace('"size":4096', '"size":4097'));
    c.throws(
      () => verifyExportManifest(edited, fromHex(v.signature), key.publicKey),
      'BAD_SIGNATURE',
      'edited',
    );
  });
}

interface CanonicalJsonVectors {
  cases: { name: string; input: string; output: string }[];
}

interface Sha256Vectors {
  cases: { name: string; utf8?: string; repeat?: number; sha256: string }[];
}

interface Ed25519Vectors {
  cases: { name: string; seed: string; publicKey: string; message: string; signature: string }[];
}

function checkExternal(c: Checker, file: VectorFileName, v: unknown): void {
  if (file === 'canonical-json') {
    for (const k of (v as CanonicalJsonVectors).cases) {
      c.check(k.name, () => c.equal(canonicalJson(JSON.parse(k.input)), k.output, 'output'));
    }
  } else if (file === 'sha256') {
    for (const k of (v as Sha256Vectors).cases) {
      c.check(k.name, () => {
        const text = (k.utf8 ?? '').repeat(k.repeat ?? 1);
        c.equal(sha256Hex(utf8(text)), k.sha256, 'digest');
      });
    }
  } else if (file === 'ed25519') {
    for (const k of (v as Ed25519Vectors).cases) {
      c.check(k.name, () => {
        const pair = signingKeyPairFromSeed(fromHex(k.seed));
        c.equal(toHex(pair.publicKey), k.publicKey, 'public key');
        // The signing primitive under every signed statement, on raw bytes.
        c.equal(
          toHex(signBytes('vectors', fromHex(k.message), pair.privateKey)),
          k.signature,
          'signature',
        );
      });
    }
  }
}

/** Checks every file present in `vectors` against the library. */
export function checkVectors(vectors: VectorSet): VectorCheck[] {
  const results: VectorCheck[] = [];
  for (const [file, content] of Object.entries(vectors) as [VectorFileName, unknown][]) {
    const c = new Checker(file);
    switch (file) {
      case 'account':
        checkAccount(c, content as AccountVectors);
        break;
      case 'identity':
        checkIdentity(c, content as IdentityVectors);
        break;
      case 'sender-keys':
        checkSenderKeys(c, content as SenderKeyVectors);
        break;
      case 'security-code':
        checkSecurityCodes(c, content as SecurityCodeVectors);
        break;
      case 'recording':
        checkRecording(c, content as RecordingVectors);
        break;
      case 'envelope':
        checkEnvelope(c, content as EnvelopeVectors);
        break;
      case 'audit':
        checkAudit(c, content as AuditVectors);
        break;
      case 'manifest':
        checkManifest(c, content as ManifestVectors);
        break;
      default:
        checkExternal(c, file, content);
    }
    results.push(...c.results);
  }
  return results;
}

/** Regenerates the deterministic vectors and compares them with the committed ones. */
export function checkGeneratedMatch(vectors: VectorSet): VectorCheck[] {
  const fresh = generateVectors();
  return GENERATED_VECTOR_FILES.map((file) => {
    const same = canonicalJson(fresh[file]) === canonicalJson(vectors[file]);
    return {
      file,
      name: 'regenerated with the same seed, byte for byte',
      ok: same,
      message: same ? 'ok' : `${file}: generation no longer reproduces the committed vectors`,
    };
  });
}
