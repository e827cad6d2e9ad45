-- Recordings: the signed envelope and seal, upload progress and framing state, consents and
-- shares. The ciphertext lives in recording storage, never here. See
-- prisma/schema/recordings.prisma and docs/recording.md.

CREATE TYPE "recording_mode" AS ENUM ('video', 'audio');
CREATE TYPE "recording_state" AS ENUM ('requested', 'recording', 'complete', 'ended_early');
CREATE TYPE "recording_consent_mode" AS ENUM ('notify', 'explicit');
CREATE TYPE "recording_storage_kind" AS ENUM ('local', 's3');

CREATE TABLE "recordings" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "meeting_id" UUID NOT NULL,
    "occurrence_id" TEXT NOT NULL,
    "recorder_id" UUID NOT NULL,
    "recorder_name" TEXT NOT NULL,
    "recorder_participant_id" TEXT,
    "mode" "recording_mode" NOT NULL,
    "mime_type" TEXT NOT NULL,
    "state" "recording_state" NOT NULL DEFAULT 'requested',
    "consent_mode" "recording_consent_mode" NOT NULL,
    "escrow" BOOLEAN NOT NULL DEFAULT false,
    "envelope" JSONB,
    "seal" JSONB,
    "storage" "recording_storage_kind" NOT NULL,
    "storage_key" TEXT NOT NULL,
    "size_bytes" BIGINT NOT NULL DEFAULT 0,
    "next_record_at" BIGINT NOT NULL DEFAULT 24,
    "partial_prefix" TEXT NOT NULL DEFAULT '',
    "upload_started" BOOLEAN NOT NULL DEFAULT false,
    "last_upload_at" TIMESTAMPTZ(3),
    "started_at" TIMESTAMPTZ(3),
    "ended_at" TIMESTAMPTZ(3),
    "duration_ms" INTEGER,
    "end_reason" TEXT,
    "deletable_from" TIMESTAMPTZ(3),
    "expires_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "recordings_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "recordings_size_check" CHECK ("size_bytes" >= 0 AND "next_record_at" >= 0),
    CONSTRAINT "recordings_org_id_fkey" FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "recordings_meeting_id_fkey" FOREIGN KEY ("meeting_id") REFERENCES "meetings"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "recordings_recorder_id_fkey" FOREIGN KEY ("recorder_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX "recordings_org_id_created_at_idx" ON "recordings"("org_id", "created_at");
CREATE INDEX "recordings_meeting_id_occurrence_id_idx" ON "recordings"("meeting_id", "occurrence_id");
CREATE INDEX "recordings_state_last_upload_at_idx" ON "recordings"("state", "last_upload_at");
CREATE INDEX "recordings_expires_at_idx" ON "recordings"("expires_at");
-- One active (requested or recording) recording per room at a time.
CREATE UNIQUE INDEX "recordings_one_active_per_room" ON "recordings"("meeting_id", "occurrence_id")
    WHERE "state" IN ('requested', 'recording');

CREATE TABLE "recording_consents" (
    "recording_id" UUID NOT NULL,
    "participant_id" TEXT NOT NULL,
    "kind" "participant_kind" NOT NULL,
    "user_id" UUID,
    "display_name" TEXT NOT NULL,
    "decision" TEXT NOT NULL,
    "decided_at" TIMESTAMPTZ(3) NOT NULL,
    "statement" JSONB NOT NULL,
    "guest_binding" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "recording_consents_pkey" PRIMARY KEY ("recording_id", "participant_id"),
    CONSTRAINT "recording_consents_decision_check" CHECK ("decision" IN ('accept', 'decline')),
    CONSTRAINT "recording_consents_recording_id_fkey" FOREIGN KEY ("recording_id") REFERENCES "recordings"("id") ON DELETE CASCADE ON UPDATE CASCADE
);

CREATE TABLE "recording_shares" (
    "id" UUID NOT NULL,
    "recording_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "key_id" TEXT NOT NULL,
    "granted_by_id" UUID NOT NULL,
    "grant" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "recording_shares_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "recording_shares_recording_id_fkey" FOREIGN KEY ("recording_id") REFERENCES "recordings"("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "recording_shares_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE UNIQUE INDEX "recording_shares_recording_id_key_id_key" ON "recording_shares"("recording_id", "key_id");
CREATE INDEX "recording_shares_user_id_idx" ON "recording_shares"("user_id");
