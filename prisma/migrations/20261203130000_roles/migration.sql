-- Two database roles (DESIGN.md, "Audit log"; docs/database.md, "Roles"): migrations run as
-- the owner of the tables; the API connects as a member of `conclave_api`, which may read and
-- write the ordinary tables but may only INSERT and SELECT audit entries. It cannot UPDATE,
-- DELETE or TRUNCATE them, cannot ALTER the table (so cannot disable its triggers: that needs
-- ownership), and cannot write `audit_heads`: the heads advance only through the trigger below,
-- which runs as the owner and accepts nothing but the next link of the chain.

-- Roles are cluster-wide: made once, kept when it exists (the operator may have made it, with
-- LOGIN and a password, before migrating). Parallel migrations of several databases may race.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'conclave_api') THEN
        BEGIN
            CREATE ROLE conclave_api NOLOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
END
$$;

GRANT USAGE ON SCHEMA public TO conclave_api;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO conclave_api;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO conclave_api;
-- Tables that later migrations make (as the same owner) get the same grants; a later table
-- that must be append-only revokes UPDATE and DELETE from conclave_api in its own migration.
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO conclave_api;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO conclave_api;

-- The API checks at start that no migration is pending; it never writes the history.
REVOKE ALL ON "_prisma_migrations" FROM conclave_api;
GRANT SELECT ON "_prisma_migrations" TO conclave_api;

REVOKE ALL ON "audit_entries" FROM conclave_api;
GRANT SELECT, INSERT ON "audit_entries" TO conclave_api;
REVOKE ALL ON "audit_heads" FROM conclave_api;
GRANT SELECT ON "audit_heads" TO conclave_api;

-- Locks a chain's head (making the genesis head of a new chain) for the transaction that
-- appends the next entry, and returns it. SECURITY DEFINER: the API may not write audit_heads.
CREATE FUNCTION "audit_lock_head"(p_chain TEXT)
    RETURNS TABLE ("seq" INTEGER, "hash" TEXT)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
BEGIN
    INSERT INTO "audit_heads" ("chain", "seq", "hash", "updated_at")
    VALUES (p_chain, 0, repeat('0', 64), now())
    ON CONFLICT ("chain") DO NOTHING;
    RETURN QUERY
        SELECT h."seq", h."hash" FROM "audit_heads" h WHERE h."chain" = p_chain FOR UPDATE;
END;
$$;
REVOKE ALL ON FUNCTION "audit_lock_head"(TEXT) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION "audit_lock_head"(TEXT) TO conclave_api;

-- Every new entry must be the next link of its chain: sequence head + 1 and prev_hash the
-- head's hash. The head then moves to the new entry. Nobody, the owner included, can append
-- an entry that skips, repeats or forks the chain.
CREATE FUNCTION "audit_entries_advance_head"() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    head RECORD;
BEGIN
    INSERT INTO "audit_heads" ("chain", "seq", "hash", "updated_at")
    VALUES (NEW."chain", 0, repeat('0', 64), now())
    ON CONFLICT ("chain") DO NOTHING;
    SELECT h."seq", h."hash" INTO head FROM "audit_heads" h WHERE h."chain" = NEW."chain" FOR UPDATE;
    IF NEW."seq" <> head."seq" + 1 OR NEW."prev_hash" <> head."hash" THEN
        RAISE EXCEPTION 'audit_entries: entry % of chain % does not follow its head (sequence %)',
            NEW."seq", NEW."chain", head."seq"
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    UPDATE "audit_heads" SET "seq" = NEW."seq", "hash" = NEW."hash", "updated_at" = now()
    WHERE "chain" = NEW."chain";
    RETURN NEW;
END;
$$;
REVOKE ALL ON FUNCTION "audit_entries_advance_head"() FROM PUBLIC;
CREATE TRIGGER "audit_entries_advance_head"
    BEFORE INSERT ON "audit_entries"
    FOR EACH ROW EXECUTE FUNCTION "audit_entries_advance_head"();
