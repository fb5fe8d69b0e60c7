-- Per-user research workspaces (issue 12 item 4): each researcher is a PostgreSQL role,
-- and every row says whose it is (owner, by default the role that wrote it). Row-level
-- security, enabled and FORCED on every table (the table owner obeys it too; only a
-- superuser or a BYPASSRLS role does not), lets a role see and change its own rows only.
-- A list or a tag can be shared with a group role (workspace_shares): the group's members
-- may read those rows, never change them. Notes are never shared.
--
-- Annotations are keyed by record id with no foreign key to the records: a removed
-- record's annotations stay (listed as orphans by the program), never dropped.
-- Names (tags, lists, saved searches) are compared folded; the *_key columns hold the
-- folded form, computed by the program's own text.fold (as the local workspace does).

-- The group every researcher belongs to (`archive-tui db add-user NAME`, or by hand:
-- CREATE ROLE ann LOGIN PASSWORD '…' IN ROLE archive_tui_users). Roles are shared by all
-- databases of a server; a second database finds it made already. Creating it needs
-- CREATEROLE: an administrator who migrates without it creates the group beforehand.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'archive_tui_users') THEN
        CREATE ROLE archive_tui_users NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;  -- made at this moment by a migration of another database
END
$$;

-- Is the current role a member (directly or not) of the role named `role`? False for a
-- name that is no role (a dropped group), never an error. Its search_path is fixed so a
-- session cannot put a temporary pg_roles of its own in front of the catalog's.
CREATE FUNCTION archive_tui_member_of(role name) RETURNS boolean
    LANGUAGE sql STABLE
    SET search_path = pg_catalog, pg_temp
AS $$
    SELECT EXISTS (
        SELECT 1 FROM pg_catalog.pg_roles r
        WHERE r.rolname = role AND pg_catalog.pg_has_role(current_user, r.oid, 'MEMBER')
    )
$$;

-- One row a researcher: settings, the session, and the revision every change increments
-- (a running app compares it to notice another session's changes; a change locks this row,
-- so one researcher's changes from several sessions are applied one after the other).
CREATE TABLE workspace_settings (
    owner name PRIMARY KEY DEFAULT current_user,
    log boolean NOT NULL DEFAULT true,
    session jsonb NOT NULL DEFAULT '{}',
    revision bigint NOT NULL DEFAULT 0
);

CREATE TABLE workspace_tags (
    owner name NOT NULL DEFAULT current_user,
    record_id text NOT NULL,
    tag text NOT NULL,
    tag_key text NOT NULL,
    seq bigint GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (owner, record_id, tag_key)
);
CREATE INDEX workspace_tags_by_tag ON workspace_tags (owner, tag_key);

CREATE TABLE workspace_notes (
    owner name NOT NULL DEFAULT current_user,
    record_id text NOT NULL,
    text text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    seq bigint GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (owner, record_id)
);

-- A list's record ids in the order added.
CREATE TABLE workspace_lists (
    owner name NOT NULL DEFAULT current_user,
    name text NOT NULL,
    name_key text NOT NULL,
    ids text[] NOT NULL DEFAULT '{}',
    seq bigint GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (owner, name_key)
);

CREATE TABLE workspace_marks (
    owner name NOT NULL DEFAULT current_user,
    record_id text NOT NULL,
    seq bigint GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (owner, record_id)
);

CREATE TABLE workspace_saved (
    owner name NOT NULL DEFAULT current_user,
    name text NOT NULL,
    name_key text NOT NULL,
    query text NOT NULL,
    filters jsonb NOT NULL DEFAULT '{}',
    sort text,
    seq bigint GENERATED ALWAYS AS IDENTITY,
    PRIMARY KEY (owner, name_key)
);

CREATE TABLE workspace_history (
    owner name NOT NULL DEFAULT current_user,
    seq bigint GENERATED ALWAYS AS IDENTITY,
    query text NOT NULL,
    PRIMARY KEY (owner, seq),
    UNIQUE (owner, query)
);

CREATE TABLE workspace_log (
    owner name NOT NULL DEFAULT current_user,
    seq bigint GENERATED ALWAYS AS IDENTITY,
    at timestamptz NOT NULL DEFAULT now(),
    event text NOT NULL,
    data jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (owner, seq)
);

-- The owner's list or tag (by its folded name) readable by the members of role `grantee`.
CREATE TABLE workspace_shares (
    owner name NOT NULL DEFAULT current_user,
    kind text NOT NULL CHECK (kind IN ('list', 'tag')),
    name_key text NOT NULL,
    grantee name NOT NULL,
    PRIMARY KEY (owner, kind, name_key, grantee)
);

-- Row-level security: on, and forced, everywhere; each role its own rows.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['workspace_settings', 'workspace_tags', 'workspace_notes',
        'workspace_lists', 'workspace_marks', 'workspace_saved', 'workspace_history',
        'workspace_log', 'workspace_shares']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY own_rows ON %I USING (owner = current_user) '
                       'WITH CHECK (owner = current_user)', t);
        EXECUTE format('REVOKE ALL ON %I FROM PUBLIC', t);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO archive_tui_users', t);
    END LOOP;
END
$$;

-- Sharing: read-only (FOR SELECT) for the members of a grantee.
CREATE POLICY shared_with_me ON workspace_shares FOR SELECT
    USING (archive_tui_member_of(grantee));

CREATE POLICY shared_tag ON workspace_tags FOR SELECT USING (
    EXISTS (
        SELECT 1 FROM workspace_shares s
        WHERE s.owner = workspace_tags.owner AND s.kind = 'tag'
          AND s.name_key = workspace_tags.tag_key AND archive_tui_member_of(s.grantee)
    )
);

CREATE POLICY shared_list ON workspace_lists FOR SELECT USING (
    EXISTS (
        SELECT 1 FROM workspace_shares s
        WHERE s.owner = workspace_lists.owner AND s.kind = 'list'
          AND s.name_key = workspace_lists.name_key AND archive_tui_member_of(s.grantee)
    )
);
