-- Who may read and who may change the archive's records (0001).
--
-- Every researcher (archive_tui_users, 0010) searches and reads. Importing and removing
-- records needs also the group archive_tui_importers (by hand:
-- GRANT archive_tui_importers TO ann). Like archive_tui_users, the group is server-wide
-- and made once; making it needs CREATEROLE.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'archive_tui_importers') THEN
        CREATE ROLE archive_tui_importers NOLOGIN;
    END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL;  -- made at this moment by a migration of another database
END
$$;

GRANT SELECT ON archive_records, archive_vocab, archive_facet_values, archive_postings,
    archive_streams, archive_stats, archive_tui_migrations TO archive_tui_users;

GRANT INSERT, UPDATE, DELETE ON archive_records, archive_vocab, archive_facet_values,
    archive_postings, archive_streams, archive_stats TO archive_tui_importers;
GRANT USAGE ON SEQUENCE archive_doc, archive_records_seq_seq, archive_vocab_id_seq,
    archive_facet_values_id_seq TO archive_tui_importers;
