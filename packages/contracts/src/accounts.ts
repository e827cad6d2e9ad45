import { z } from 'zod';
import { textIssue } from './text';

/**
 * Accounts, sessions, organisations, invitations, the key directory and the audit log: the
 * requests and responses of /api/auth, /api/account, /api/orgs, /api/invitations and
 * /api/admin. Key material is only ever public keys, wrapped (encrypted) private keys and the
 * auth key; docs/accounts.md says why none of it lets the server read anything.
 */

/** Any-version UUID in canonical text form (what PostgreSQL's uuid type prints). */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const idSchema = z.string().regex(UUID_PATTERN, 'must be an id (a UUID)');

export const emailSchema = z
  .string()
  .trim()
  .max(254, 'must be at most 254 characters')
  .pipe(z.email('must be an e-mail address'));
// Names are shown and stored as text: control characters (NUL, newlines, ...) have no place
// in them (and PostgreSQL refuses NUL).
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;
const plainText = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((text) => !CONTROL_CHARACTERS.test(text), 'must not contain control characters')
    .superRefine((text, context) => {
      const issue = textIssue(text);
      if (issue) context.addIssue({ code: 'custom', message: issue });
    });
export const displayNameSchema = plainText(100);
export const orgNameSchema = plainText(100);

export const ORG_ROLES = ['owner', 'admin', 'compliance', 'member'] as const;
export const orgRoleSchema = z.enum(ORG_ROLES);
export type OrgRole = z.infer<typeof orgRoleSchema>;

const base64Url = (what: string) =>
  z
    .string()
    .min(1)
    .max(4096)
    .regex(/^[A-Za-z0-9_-]+$/, `${what} must be base64url`);

/** 32 bytes, base64url without padding. */
export const key32Schema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{43}$/, 'must be 32 bytes in base64url (43 characters)');

/** A single-use link token (from an e-mail link's fragment). */
export const linkTokenSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{43}$/, 'is not a valid link token: copy the whole link from the e-mail');

export const kdfParamsSchema = z
  .object({
    alg: z.literal('argon2id13'),
    opsLimit: z.number().int(),
    memLimit: z.number().int(),
    salt: base64Url('salt').max(64),
  })
  .meta({ id: 'KdfParams' });
export type KdfParamsBody = z.infer<typeof kdfParamsSchema>;

export const publicIdentitySchema = z
  .object({
    signingPublicKey: key32Schema,
    exchangePublicKey: key32Schema,
    signingKeyId: base64Url('signingKeyId').max(32),
    exchangeKeyId: base64Url('exchangeKeyId').max(32),
  })
  .meta({ id: 'PublicIdentity' });
export type PublicIdentityBody = z.infer<typeof publicIdentitySchema>;

export const wrappedIdentitySchema = z
  .object({
    v: z.literal(1),
    kind: z.enum(['password', 'recovery']),
    alg: z.literal('xchacha20poly1305-ietf'),
    signingPublicKey: key32Schema,
    exchangePublicKey: key32Schema,
    nonce: base64Url('nonce').max(64),
    ciphertext: base64Url('ciphertext').max(512),
  })
  .meta({ id: 'WrappedIdentity' });
export type WrappedIdentityBody = z.infer<typeof wrappedIdentitySchema>;

// ---------------------------------------------------------------------------------------------
// Sessions and sign-in

export const sessionUserSchema = z
  .object({
    id: idSchema,
    email: z.string(),
    displayName: z.string(),
    isInstanceAdmin: z.boolean(),
  })
  .meta({ id: 'SessionUser' });
export type SessionUser = z.infer<typeof sessionUserSchema>;

export const orgSummarySchema = z
  .object({ id: idSchema, name: z.string(), role: orgRoleSchema })
  .meta({ id: 'OrgSummary' });
export type OrgSummary = z.infer<typeof orgSummarySchema>;

/** What the browser needs to unlock the identity: never anything it could not get by signing in. */
export const accountKeysSchema = z
  .object({
    kdfParams: kdfParamsSchema,
    wrappedIdentity: wrappedIdentitySchema,
    publicIdentity: publicIdentitySchema,
  })
  .meta({ id: 'AccountKeys' });
export type AccountKeys = z.infer<typeof accountKeysSchema>;

export const signedInSchema = z
  .object({
    user: sessionUserSchema,
    orgs: z.array(orgSummarySchema),
    keys: accountKeysSchema,
  })
  .meta({ id: 'SignedIn' });
export type SignedIn = z.infer<typeof signedInSchema>;

export const sessionStateSchema = z
  .union([signedInSchema, z.object({ user: z.null() })])
  .meta({ id: 'SessionState' });
export type SessionState = z.infer<typeof sessionStateSchema>;

export const preLoginRequestSchema = z.object({ email: emailSchema });
export const preLoginResponseSchema = z.object({ kdfParams: kdfParamsSchema });
export type PreLoginResponse = z.infer<typeof preLoginResponseSchema>;

export const signInRequestSchema = z.object({ email: emailSchema, authKey: key32Schema });
export type SignInRequest = z.infer<typeof signInRequestSchema>;

/** New credentials and identity, as the browser makes them (sign-up, admin reset). */
export const newAccountKeysSchema = z.object({
  kdfParams: kdfParamsSchema,
  authKey: key32Schema,
  publicIdentity: publicIdentitySchema,
  wrappedIdentity: wrappedIdentitySchema,
  recoveryWrappedIdentity: wrappedIdentitySchema,
});

export const signUpRequestSchema = newAccountKeysSchema.extend({
  email: emailSchema,
  displayName: displayNameSchema,
  /** Required for the first account of an installation (its first org). */
  orgName: orgNameSchema.optional(),
  /** An invitation link's token (sign-up by invitation). */
  invitationToken: linkTokenSchema.optional(),
  /** A sign-up link's token (open sign-up, the address proven by e-mail). */
  signUpToken: linkTokenSchema.optional(),
});
export type SignUpRequest = z.infer<typeof signUpRequestSchema>;

export const SIGN_UP_MODES = ['first', 'invitation', 'open'] as const;
export const signUpStatusSchema = z
  .object({
    /** `first`: nobody has an account yet; the first sign-up creates the org and its owner. */
    mode: z.enum(SIGN_UP_MODES),
    allowedDomains: z.array(z.string()),
  })
  .meta({ id: 'SignUpStatus' });
export type SignUpStatus = z.infer<typeof signUpStatusSchema>;

export const emailOnlyRequestSchema = z.object({ email: emailSchema });
export const tokenRequestSchema = z.object({ token: linkTokenSchema });

/** The same answer whether or not an account exists for the address. */
export const acceptedMessageSchema = z.object({ message: z.string() }).meta({ id: 'Accepted' });

export const signUpLinkSchema = z.object({ email: z.string() });

// ---------------------------------------------------------------------------------------------
// The signed-in account

export const sessionInfoSchema = z
  .object({
    id: idSchema,
    createdAt: z.string(),
    lastSeenAt: z.string(),
    expiresAt: z.string(),
    userAgent: z.string().nullable(),
    ipAddress: z.string().nullable(),
    current: z.boolean(),
  })
  .meta({ id: 'SessionInfo' });
export type SessionInfo = z.infer<typeof sessionInfoSchema>;
export const sessionListSchema = z.object({ sessions: z.array(sessionInfoSchema) });

export const updateProfileRequestSchema = z.object({ displayName: displayNameSchema });

export const changePasswordRequestSchema = z.object({
  currentAuthKey: key32Schema,
  kdfParams: kdfParamsSchema,
  authKey: key32Schema,
  wrappedIdentity: wrappedIdentitySchema,
});
export type ChangePasswordRequest = z.infer<typeof changePasswordRequestSchema>;

export const replaceRecoveryCodeRequestSchema = z.object({
  authKey: key32Schema,
  recoveryWrappedIdentity: wrappedIdentitySchema,
});

// ---------------------------------------------------------------------------------------------
// Recovery ("forgot password") and admin reset

/** The type of the statement the browser signs to prove it unwrapped the identity. */
export const RECOVERY_PROOF_TYPE = 'conclave/account-recovery/v1';

export const recoveryStartResponseSchema = z
  .object({
    userId: idSchema,
    email: z.string(),
    recoveryWrappedIdentity: wrappedIdentitySchema,
    publicIdentity: publicIdentitySchema,
    /** Sign `{ type: RECOVERY_PROOF_TYPE, userId, challenge, wrappedIdentity }` with the identity. */
    challenge: z.string(),
  })
  .meta({ id: 'RecoveryStart' });
export type RecoveryStart = z.infer<typeof recoveryStartResponseSchema>;

/**
 * What the browser signs with the identity's Ed25519 key to complete a recovery: the
 * challenge, and every new credential, so none of them can be swapped in transit. The server
 * rebuilds the same statement and verifies the signature over its RFC 8785 canonical JSON.
 */
export function recoveryProofStatement(input: {
  userId: string;
  challenge: string;
  kdfParams: unknown;
  authKey: string;
  wrappedIdentity: unknown;
  recoveryWrappedIdentity: unknown;
}) {
  return {
    type: RECOVERY_PROOF_TYPE,
    userId: input.userId,
    challenge: input.challenge,
    kdfParams: input.kdfParams,
    authKey: input.authKey,
    wrappedIdentity: input.wrappedIdentity,
    recoveryWrappedIdentity: input.recoveryWrappedIdentity,
  };
}

export const recoveryCompleteRequestSchema = z.object({
  token: linkTokenSchema,
  kdfParams: kdfParamsSchema,
  authKey: key32Schema,
  wrappedIdentity: wrappedIdentitySchema,
  recoveryWrappedIdentity: wrappedIdentitySchema,
  /** Ed25519 signature (base64url) of the recovery proof statement. */
  signature: base64Url('signature').max(128),
});
export type RecoveryCompleteRequest = z.infer<typeof recoveryCompleteRequestSchema>;

export const resetStartResponseSchema = z
  .object({ email: z.string(), displayName: z.string(), orgName: z.string() })
  .meta({ id: 'ResetStart' });
export const resetCompleteRequestSchema = newAccountKeysSchema.extend({ token: linkTokenSchema });
export type ResetCompleteRequest = z.infer<typeof resetCompleteRequestSchema>;

// ---------------------------------------------------------------------------------------------
// Organisations, members, invitations

export const orgSchema = z
  .object({ id: idSchema, name: z.string(), createdAt: z.string(), role: orgRoleSchema })
  .meta({ id: 'Org' });
export type Org = z.infer<typeof orgSchema>;
export const orgListSchema = z.object({ orgs: z.array(orgSummarySchema) });
export const createOrgRequestSchema = z.object({ name: orgNameSchema });
export const renameOrgRequestSchema = z.object({ name: orgNameSchema });

export const orgParamsSchema = z.object({ orgId: idSchema });
export const memberParamsSchema = z.object({ orgId: idSchema, userId: idSchema });
export const invitationParamsSchema = z.object({ orgId: idSchema, invitationId: idSchema });

export const memberSchema = z
  .object({
    userId: idSchema,
    email: z.string(),
    displayName: z.string(),
    role: orgRoleSchema,
    joinedAt: z.string(),
  })
  .meta({ id: 'Member' });
export type Member = z.infer<typeof memberSchema>;
export const memberListSchema = z.object({ members: z.array(memberSchema) });
export const changeRoleRequestSchema = z.object({ role: orgRoleSchema });
export const transferOwnershipRequestSchema = z.object({ userId: idSchema });

export const INVITATION_STATUSES = ['pending', 'expired', 'accepted', 'revoked'] as const;
export const invitationSchema = z
  .object({
    id: idSchema,
    email: z.string(),
    role: orgRoleSchema,
    status: z.enum(INVITATION_STATUSES),
    createdAt: z.string(),
    sentAt: z.string(),
    expiresAt: z.string(),
    invitedBy: z.object({ userId: idSchema, displayName: z.string() }).nullable(),
  })
  .meta({ id: 'Invitation' });
export type Invitation = z.infer<typeof invitationSchema>;
export const invitationListSchema = z.object({ invitations: z.array(invitationSchema) });
export const createInvitationRequestSchema = z.object({ email: emailSchema, role: orgRoleSchema });

export const invitationLookupSchema = z
  .object({
    orgName: z.string(),
    email: z.string(),
    role: orgRoleSchema,
    invitedByName: z.string().nullable(),
    expiresAt: z.string(),
    accountExists: z.boolean(),
  })
  .meta({ id: 'InvitationLookup' });
export type InvitationLookup = z.infer<typeof invitationLookupSchema>;
export const acceptInvitationResponseSchema = z.object({ org: orgSummarySchema });

// ---------------------------------------------------------------------------------------------
// Key directory

export const directoryKeySchema = publicIdentitySchema
  .extend({
    /** `sign_up` or `admin_reset`. */
    reason: z.string(),
    createdAt: z.string(),
    replacedAt: z.string().nullable(),
  })
  .meta({ id: 'DirectoryKey' });
export type DirectoryKey = z.infer<typeof directoryKeySchema>;

export const directoryEntrySchema = z
  .object({
    userId: idSchema,
    email: z.string(),
    displayName: z.string(),
    role: orgRoleSchema,
    current: directoryKeySchema.nullable(),
    /** Every key the member has had, newest first (the current one included). */
    history: z.array(directoryKeySchema),
  })
  .meta({ id: 'DirectoryEntry' });
export type DirectoryEntry = z.infer<typeof directoryEntrySchema>;
export const directorySchema = z.object({ entries: z.array(directoryEntrySchema) });

// ---------------------------------------------------------------------------------------------
// Audit log

export const AUDIT_ACTIONS = [
  'org.created',
  'org.renamed',
  'auth.signed_in',
  'auth.sign_in_failed',
  'account.password_changed',
  'account.recovery_code_replaced',
  'account.recovered',
  'account.reset_requested',
  'account.reset_completed',
  'key.published',
  'key.changed',
  'member.joined',
  'member.role_changed',
  'member.removed',
  'member.left',
  'org.ownership_transferred',
  'invitation.created',
  'invitation.resent',
  'invitation.revoked',
  'invitation.accepted',
  'instance.sign_up_policy_changed',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const auditEntrySchema = z
  .object({
    id: idSchema,
    seq: z.number().int(),
    occurredAt: z.string(),
    actor: z.object({ userId: idSchema.nullable(), label: z.string().nullable() }).nullable(),
    action: z.string(),
    subject: z.object({ type: z.string(), id: z.string() }).nullable(),
    details: z.record(z.string(), z.unknown()),
    prevHash: z.string(),
    hash: z.string(),
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export const auditQuerySchema = z.object({
  action: z
    .string()
    .max(100)
    .regex(
      /^[a-z_.]*$/,
      'must be an action such as member.role_changed (or a prefix such as member.)',
    )
    .optional(),
  actor: idSchema.optional(),
  from: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' }).optional(),
  to: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' }).optional(),
  /** Entries with a sequence number below this (the previous page's `nextBefore`). */
  before: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type AuditQuery = z.input<typeof auditQuerySchema>;
export const auditPageSchema = z
  .object({
    entries: z.array(auditEntrySchema),
    /** Pass as `before` for the next (older) page; null on the last page. */
    nextBefore: z.number().int().nullable(),
  })
  .meta({ id: 'AuditPage' });
export type AuditPage = z.infer<typeof auditPageSchema>;

// ---------------------------------------------------------------------------------------------
// Instance administration

export const signUpPolicySchema = z
  .object({
    mode: z.enum(['invitation', 'open']),
    /** Empty: any address may sign up when open. Lower case domains, e.g. `example.org`. */
    allowedDomains: z
      .array(
        z
          .string()
          .trim()
          .toLowerCase()
          .regex(
            /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
            'must be a domain name such as example.org',
          ),
      )
      .max(100),
  })
  .meta({ id: 'SignUpPolicy' });
export type SignUpPolicy = z.infer<typeof signUpPolicySchema>;

export const outboxMailSchema = z
  .object({
    id: idSchema,
    to: z.string(),
    subject: z.string(),
    text: z.string(),
    html: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'OutboxMail' });
export type OutboxMail = z.infer<typeof outboxMailSchema>;
export const outboxListSchema = z.object({ mails: z.array(outboxMailSchema) });
export const outboxParamsSchema = z.object({ mailId: idSchema });
