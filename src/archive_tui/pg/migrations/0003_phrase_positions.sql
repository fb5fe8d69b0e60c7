-- Phrases by word positions (pg/phrase.py) instead of a token text per record.
--
-- An import indexes its records in chunks; each chunk has its own position space: every
-- token slot of its records, record after record, field after field (a gap slot after
-- each field and list item, so no phrase crosses one). archive_chunks says which record
-- version (doc) and which field each position belongs to; every posting row of a chunk
-- holds, beside its docs, the term's positions in that chunk (ascending). An apostrophe
-- word's parts ("gaulle" and "s" of "gaulle's") share the word's position, as locally.
-- A phrase then probes the positions of its words for consecutive ones (a binary search
-- in each sorted array), starting from its rarest word: no record's text is read.
--
-- Rows made before this migration have no chunk and no positions; their phrases are
-- still checked against archive_streams (said in the log) until the archive is compacted
-- (archive-tui db compact), which indexes every record anew.

CREATE SEQUENCE archive_chunk AS integer;

CREATE TABLE archive_chunks (
    chunk integer PRIMARY KEY,
    docs integer[] COMPRESSION lz4 NOT NULL,  -- the chunk's record versions, in position order
    seg integer[] COMPRESSION lz4 NOT NULL    -- first position of each (record, field) segment:
                                              -- record i's field f starts at seg[i * NF + f + 1]
);

ALTER TABLE archive_postings ADD COLUMN chunk integer;             -- archive_chunks.chunk
ALTER TABLE archive_postings ADD COLUMN poss integer[] COMPRESSION lz4;  -- ascending positions
