-- The archive's records and what searching them needs (archive_tui.pg.records fills it).
--
-- Text is folded and tokenized in Python by the local index's own code (archive_tui.text,
-- index/), never by PostgreSQL's dictionaries, so Громыко, Manac’h and Piné match exactly as
-- locally. Strings compare in codepoint order (COLLATE "C"), as Python sorts them.

-- Every folded term with its document frequency: ids for the posting lists, prefix
-- and ? wildcards (a range scan of the sorted terms), idf, suggestions.
CREATE TABLE archive_vocab (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    term text COLLATE "C" NOT NULL UNIQUE,
    df integer NOT NULL,
    -- ever in a phrase-stream slot with parts ("gaulles/gaulle/s", rows.py): a phrase of
    -- words never so is found by a plain substring of the stream, others by a regex
    composite boolean NOT NULL DEFAULT false
);
CREATE INDEX archive_vocab_length ON archive_vocab (char_length(term), df);

-- Every facet value (facets.FACET_FIELDS) with how many records hold it.
CREATE TABLE archive_facet_values (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    field text NOT NULL,
    value text COLLATE "C" NOT NULL,
    df integer NOT NULL,
    UNIQUE (field, value)
);

-- One row a record: what is shown, sorted and counted. The body (JSON, a few KB) is pushed
-- out of line (toast_tuple_target), so scanning the rows a search matched stays cheap.
CREATE TABLE archive_records (
    seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,  -- archive order (an update keeps it)
    doc integer NOT NULL UNIQUE,    -- this version's number in the postings (an update: a new one)
    id text COLLATE "C" PRIMARY KEY,
    body text COMPRESSION lz4 NOT NULL,  -- the record as stored, JSON, every character kept
    date_start integer NOT NULL,    -- first day covered (proleptic ordinal; 0: no valid date)
    date_end integer NOT NULL,      -- last day covered
    date_key bigint NOT NULL,       -- dates.DocDate.sort_key (a coarser date first that day)
    date_precision text,            -- year | month | day
    title_key text COLLATE "C" NOT NULL,  -- folded title (the title sort)
    dl double precision NOT NULL,   -- BM25F weighted length
    fv integer[] NOT NULL           -- archive_facet_values ids of the record's facet values
) WITH (toast_tuple_target = 128);

-- the sort keys inline and uncompressed: a sort compares them many times
ALTER TABLE archive_records ALTER COLUMN title_key SET STORAGE PLAIN;

CREATE SEQUENCE archive_doc AS integer;  -- doc numbers (records.py reserves a batch's)

CREATE INDEX archive_records_fv ON archive_records USING gin (fv);
CREATE INDEX archive_records_dates ON archive_records (date_start, date_end);
CREATE INDEX archive_records_date_key ON archive_records (date_key, seq);
CREATE INDEX archive_records_title ON archive_records (title_key, date_key, seq);

-- Each term's posting list, as the local index keeps it: per import chunk one row with the
-- docs holding the term (ascending) and, in parallel, each one's weighted tf (BM25F) in
-- halves << 11, or'd with the fields it occurs in (index.TEXT_FIELDS bits). A search reads
-- the lists of its words only. Docs of removed or replaced versions stay in the lists and
-- never match: a search joins the lists to archive_records.doc.
CREATE TABLE archive_postings (
    term integer NOT NULL,          -- archive_vocab id
    docs integer[] COMPRESSION lz4 NOT NULL,
    wbs integer[] COMPRESSION lz4 NOT NULL
);
CREATE INDEX archive_postings_term ON archive_postings (term);

-- Each record version's folded token stream for phrases ("#3 tok | tok", rows.py), read
-- only for the records that hold every word of a phrase.
CREATE TABLE archive_streams (
    doc integer PRIMARY KEY,
    stream text COMPRESSION lz4 NOT NULL
);

-- One row: the live record count and total weighted length (BM25F), and a generation
-- that grows with every change (readers cache per generation).
CREATE TABLE archive_stats (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    records bigint NOT NULL DEFAULT 0,
    total_dl double precision NOT NULL DEFAULT 0,
    generation bigint NOT NULL DEFAULT 0
);
INSERT INTO archive_stats DEFAULT VALUES;
