-- Which annotations each change of a researcher's workspace touched, by the revision it
-- gave workspace_settings: a session that is behind re-reads only those (tags / note /
-- mark of a record id, or a list by folded name), not the whole workspace. The program
-- keeps the last 10,000 revisions; a session further behind reads everything again.
CREATE TABLE workspace_journal (
    owner name NOT NULL DEFAULT current_user,
    revision bigint NOT NULL,
    kind text NOT NULL CHECK (kind IN ('tags', 'note', 'list', 'mark')),
    key text NOT NULL
);
CREATE INDEX workspace_journal_by_revision ON workspace_journal (owner, revision);

ALTER TABLE workspace_journal ENABLE ROW LEVEL SECURITY;
ALTER TABLE workspace_journal FORCE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON workspace_journal USING (owner = current_user)
    WITH CHECK (owner = current_user);
REVOKE ALL ON workspace_journal FROM PUBLIC;
GRANT SELECT, INSERT, UPDATE, DELETE ON workspace_journal TO archive_tui_users;
