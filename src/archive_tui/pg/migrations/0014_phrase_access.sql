-- Who may read and write the phrase positions' chunk table (0003): as for the other archive
-- tables (0013). Apart from 0003 because a new database applies 0003 before the groups
-- exist (0010, 0013).
GRANT SELECT ON archive_chunks TO archive_tui_users;
GRANT INSERT, UPDATE, DELETE ON archive_chunks TO archive_tui_importers;
GRANT USAGE ON SEQUENCE archive_chunk TO archive_tui_importers;
