-- Policies: an org's policy with a lock per setting, and a meeting's tightened recording
-- settings. See prisma/schema/policies.prisma and docs/policies.md. An org without a row has
-- DESIGN.md's defaults; a meeting without a row follows its org.

CREATE TABLE "org_policies" (
    "org_id" UUID NOT NULL,
    "e2ee" TEXT NOT NULL,
    "e2ee_locked" BOOLEAN NOT NULL,
    "guests" TEXT NOT NULL,
    "guests_locked" BOOLEAN NOT NULL,
    "recording_allowed" TEXT NOT NULL,
    "recording_allowed_locked" BOOLEAN NOT NULL,
    "recording_consent" TEXT NOT NULL,
    "recording_consent_locked" BOOLEAN NOT NULL,
    "recording_audio_only" TEXT NOT NULL,
    "recording_audio_only_locked" BOOLEAN NOT NULL,
    "recording_escrow" TEXT NOT NULL,
    "recording_escrow_locked" BOOLEAN NOT NULL,
    "recording_retention_days" INTEGER,
    "recording_retention_days_locked" BOOLEAN NOT NULL,
    "recording_min_retention_days" INTEGER,
    "recording_min_retention_days_locked" BOOLEAN NOT NULL,
    "updated_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "org_policies_pkey" PRIMARY KEY ("org_id"),
    CONSTRAINT "org_policies_e2ee_check" CHECK ("e2ee" IN ('required', 'default-on')),
    CONSTRAINT "org_policies_guests_check" CHECK ("guests" IN ('forbidden', 'lobby')),
    CONSTRAINT "org_policies_recording_allowed_check"
        CHECK ("recording_allowed" IN ('off', 'hosts', 'everyone')),
    CONSTRAINT "org_policies_recording_consent_check"
        CHECK ("recording_consent" IN ('notify', 'explicit')),
    CONSTRAINT "org_policies_recording_audio_only_check"
        CHECK ("recording_audio_only" IN ('allowed', 'required')),
    CONSTRAINT "org_policies_recording_escrow_check"
        CHECK ("recording_escrow" IN ('none', 'compliance')),
    CONSTRAINT "org_policies_retention_check"
        CHECK ("recording_retention_days" IS NULL OR "recording_retention_days" >= 1),
    CONSTRAINT "org_policies_min_retention_check"
        CHECK ("recording_min_retention_days" IS NULL OR "recording_min_retention_days" >= 0)
);

ALTER TABLE "org_policies" ADD CONSTRAINT "org_policies_org_id_fkey"
    FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "org_policies" ADD CONSTRAINT "org_policies_updated_by_id_fkey"
    FOREIGN KEY ("updated_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;

CREATE TABLE "meeting_policies" (
    "meeting_id" UUID NOT NULL,
    "recording_allowed" TEXT,
    "recording_consent" TEXT,
    "recording_audio_only" TEXT,
    "recording_escrow" TEXT,
    "recording_retention_days" INTEGER,
    "recording_min_retention_days" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "meeting_policies_pkey" PRIMARY KEY ("meeting_id"),
    CONSTRAINT "meeting_policies_recording_allowed_check"
        CHECK ("recording_allowed" IN ('off', 'hosts', 'everyone')),
    CONSTRAINT "meeting_policies_recording_consent_check"
        CHECK ("recording_consent" IN ('notify', 'explicit')),
    CONSTRAINT "meeting_policies_recording_audio_only_check"
        CHECK ("recording_audio_only" IN ('allowed', 'required')),
    CONSTRAINT "meeting_policies_recording_escrow_check"
        CHECK ("recording_escrow" IN ('none', 'compliance')),
    CONSTRAINT "meeting_policies_retention_check"
        CHECK ("recording_retention_days" IS NULL OR "recording_retention_days" >= 1),
    CONSTRAINT "meeting_policies_min_retention_check"
        CHECK ("recording_min_retention_days" IS NULL OR "recording_min_retention_days" >= 0)
);

ALTER TABLE "meeting_policies" ADD CONSTRAINT "meeting_policies_meeting_id_fkey"
    FOREIGN KEY ("meeting_id") REFERENCES "meetings"("id") ON DELETE CASCADE ON UPDATE CASCADE;
