-- Meetings: schedule, exceptions, invitees, rooms per occurrence, lobby admissions, attendance,
-- processed LiveKit webhooks, personal calendar feeds. See prisma/schema/meetings.prisma and
-- docs/meetings.md. Foreign keys to orgs and users live only here (see the schema's note).

CREATE TYPE "meeting_status" AS ENUM ('scheduled', 'cancelled');
CREATE TYPE "meeting_guests" AS ENUM ('forbidden', 'lobby');
CREATE TYPE "meeting_audience" AS ENUM ('invitees', 'org');
CREATE TYPE "meeting_invitee_role" AS ENUM ('host', 'attendee');
CREATE TYPE "rsvp_response" AS ENUM ('needs_action', 'accepted', 'declined', 'tentative');
CREATE TYPE "participant_kind" AS ENUM ('member', 'guest');
CREATE TYPE "participant_role" AS ENUM ('host', 'participant');
CREATE TYPE "admission_status" AS ENUM ('waiting', 'admitted', 'denied', 'removed');

CREATE TABLE "meetings" (
    "id" UUID NOT NULL,
    "org_id" UUID NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "time_zone" TEXT NOT NULL,
    "start_local" TEXT NOT NULL,
    "duration_minutes" INTEGER NOT NULL,
    "recurrence" TEXT,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "series_ends_at" TIMESTAMPTZ(3),
    "status" "meeting_status" NOT NULL DEFAULT 'scheduled',
    "sequence" INTEGER NOT NULL DEFAULT 0,
    "ics_uid" TEXT NOT NULL,
    "guests" "meeting_guests" NOT NULL DEFAULT 'lobby',
    "e2ee" BOOLEAN NOT NULL DEFAULT true,
    "audience" "meeting_audience" NOT NULL DEFAULT 'invitees',
    "early_join_minutes" INTEGER NOT NULL DEFAULT 10,
    "passcode_hash" TEXT,
    "created_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "cancelled_at" TIMESTAMPTZ(3),

    CONSTRAINT "meetings_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "meetings_duration_check" CHECK ("duration_minutes" BETWEEN 1 AND 1440),
    CONSTRAINT "meetings_early_join_check" CHECK ("early_join_minutes" BETWEEN 0 AND 60)
);
CREATE UNIQUE INDEX "meetings_ics_uid_key" ON "meetings"("ics_uid");
CREATE INDEX "meetings_org_id_starts_at_idx" ON "meetings"("org_id", "starts_at");

CREATE TABLE "meeting_invitees" (
    "id" UUID NOT NULL,
    "meeting_id" UUID NOT NULL,
    "user_id" UUID,
    "email" TEXT NOT NULL,
    "role" "meeting_invitee_role" NOT NULL DEFAULT 'attendee',
    "response" "rsvp_response" NOT NULL DEFAULT 'needs_action',
    "responded_at" TIMESTAMPTZ(3),
    "rsvp_token_hash" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "meeting_invitees_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "meeting_invitees_rsvp_token_hash_key" ON "meeting_invitees"("rsvp_token_hash");
CREATE UNIQUE INDEX "meeting_invitees_meeting_id_email_key" ON "meeting_invitees"("meeting_id", "email");
CREATE INDEX "meeting_invitees_user_id_idx" ON "meeting_invitees"("user_id");

CREATE TABLE "meeting_occurrence_overrides" (
    "meeting_id" UUID NOT NULL,
    "occurrence_id" TEXT NOT NULL,
    "cancelled" BOOLEAN NOT NULL DEFAULT false,
    "starts_at" TIMESTAMPTZ(3),
    "ends_at" TIMESTAMPTZ(3),
    "title" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "meeting_occurrence_overrides_pkey" PRIMARY KEY ("meeting_id", "occurrence_id"),
    CONSTRAINT "meeting_occurrence_overrides_times_check"
        CHECK (("starts_at" IS NULL) = ("ends_at" IS NULL) AND ("ends_at" IS NULL OR "ends_at" > "starts_at"))
);

CREATE TABLE "meeting_rooms" (
    "id" UUID NOT NULL,
    "meeting_id" UUID NOT NULL,
    "occurrence_id" TEXT NOT NULL,
    "room_name" TEXT NOT NULL,
    "livekit_room_sid" TEXT,
    "started_at" TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "ended_at" TIMESTAMPTZ(3),
    "ended_by_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "meeting_rooms_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "meeting_rooms_room_name_key" ON "meeting_rooms"("room_name");
CREATE UNIQUE INDEX "meeting_rooms_meeting_id_occurrence_id_key" ON "meeting_rooms"("meeting_id", "occurrence_id");

CREATE TABLE "meeting_admissions" (
    "id" UUID NOT NULL,
    "meeting_id" UUID NOT NULL,
    "occurrence_id" TEXT NOT NULL,
    "participant_id" TEXT NOT NULL,
    "kind" "participant_kind" NOT NULL,
    "user_id" UUID,
    "display_name" TEXT NOT NULL,
    "role" "participant_role" NOT NULL DEFAULT 'participant',
    "status" "admission_status" NOT NULL DEFAULT 'waiting',
    "guest_public_key" TEXT,
    "guest_binding" TEXT,
    "decided_by_id" UUID,
    "decided_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "meeting_admissions_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "meeting_admissions_kind_check"
        CHECK (("kind" = 'member') = ("user_id" IS NOT NULL))
);
CREATE UNIQUE INDEX "meeting_admissions_meeting_id_occurrence_id_participant_id_key"
    ON "meeting_admissions"("meeting_id", "occurrence_id", "participant_id");

CREATE TABLE "meeting_attendance" (
    "id" UUID NOT NULL,
    "room_id" UUID NOT NULL,
    "identity" TEXT NOT NULL,
    "user_id" UUID,
    "display_name" TEXT NOT NULL,
    "livekit_participant_sid" TEXT,
    "joined_at" TIMESTAMPTZ(3) NOT NULL,
    "left_at" TIMESTAMPTZ(3),

    CONSTRAINT "meeting_attendance_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "meeting_attendance_room_id_identity_idx" ON "meeting_attendance"("room_id", "identity");

CREATE TABLE "livekit_webhook_events" (
    "id" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "room_name" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "livekit_webhook_events_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "livekit_webhook_events_received_at_idx" ON "livekit_webhook_events"("received_at");

CREATE TABLE "calendar_feeds" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "token_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMPTZ(3),

    CONSTRAINT "calendar_feeds_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "calendar_feeds_user_id_key" ON "calendar_feeds"("user_id");
CREATE UNIQUE INDEX "calendar_feeds_token_hash_key" ON "calendar_feeds"("token_hash");

-- Within the meetings domain (declared as Prisma relations).
ALTER TABLE "meeting_invitees" ADD CONSTRAINT "meeting_invitees_meeting_id_fkey"
    FOREIGN KEY ("meeting_id") REFERENCES "meetings"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "meeting_occurrence_overrides" ADD CONSTRAINT "meeting_occurrence_overrides_meeting_id_fkey"
    FOREIGN KEY ("meeting_id") REFERENCES "meetings"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "meeting_rooms" ADD CONSTRAINT "meeting_rooms_meeting_id_fkey"
    FOREIGN KEY ("meeting_id") REFERENCES "meetings"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "meeting_admissions" ADD CONSTRAINT "meeting_admissions_meeting_id_fkey"
    FOREIGN KEY ("meeting_id") REFERENCES "meetings"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "meeting_attendance" ADD CONSTRAINT "meeting_attendance_room_id_fkey"
    FOREIGN KEY ("room_id") REFERENCES "meeting_rooms"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- To the accounts domain (SQL only).
ALTER TABLE "meetings" ADD CONSTRAINT "meetings_org_id_fkey"
    FOREIGN KEY ("org_id") REFERENCES "orgs"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "meetings" ADD CONSTRAINT "meetings_created_by_id_fkey"
    FOREIGN KEY ("created_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "meeting_invitees" ADD CONSTRAINT "meeting_invitees_user_id_fkey"
    FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "meeting_rooms" ADD CONSTRAINT "meeting_rooms_ended_by_id_fkey"
    FOREIGN KEY ("ended_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "meeting_admissions" ADD CONSTRAINT "meeting_admissions_user_id_fkey"
    FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "meeting_admissions" ADD CONSTRAINT "meeting_admissions_decided_by_id_fkey"
    FOREIGN KEY ("decided_by_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "meeting_attendance" ADD CONSTRAINT "meeting_attendance_user_id_fkey"
    FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "calendar_feeds" ADD CONSTRAINT "calendar_feeds_user_id_fkey"
    FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;
