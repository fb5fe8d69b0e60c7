-- The archive's records and what searching them needs (archive_tui.pg.records fills it).
--
-- Text is folded and tokenized in Python by the local index's own code (archive_tui.text,
-- index/), never by PostgreSQL's dictionaries, so Громыко, Manac’h and Piné match exactly as
-- locally. Strings compare in codepoint order (COLLATE "C"), as Python sorts them.

-- Every folded term with its document frequency: ids for the records' term arrays, prefix
-- and ? wildcards (a range scan of the sorted terms), idf, suggestions.
CREATE TABLE archive_vocab (
    id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    term text COLLATE "C" NOT NULL UNIQUE,
    df integer NOT NULL
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

CREATE TABLE archive_records (
    seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,  -- archive order (an update keeps it)
    id text COLLATE "C" PRIMARY KEY,
    body text COMPRESSION lz4 NOT NULL,  -- the record as stored, JSON, every character kept
    date_start integer NOT NULL,    -- first day covered (proleptic ordinal; 0: no valid date)
    date_end integer NOT NULL,      -- last day covered
    date_key bigint NOT NULL,       -- dates.DocDate.sort_key (a coarser date first that day)
    date_precision text,            -- year | month | day
    title_key text COLLATE "C" NOT NULL,  -- folded title (the title sort)
    dl double precision NOT NULL,   -- BM25F weighted length
    terms integer[] COMPRESSION lz4 NOT NULL,  -- archive_vocab ids of the record's terms
    wb integer[] COMPRESSION lz4 NOT NULL,  -- each term's weighted tf (BM25F) in halves << 11, or'd
                                    -- with the fields it occurs in (index.TEXT_FIELDS bits)
    stream text COMPRESSION lz4 NOT NULL,  -- folded token stream for phrases ("#3 tok | tok")
    fv integer[] COMPRESSION lz4 NOT NULL  -- archive_facet_values ids of the record's facet values
);

CREATE INDEX archive_records_terms ON archive_records USING gin (terms);
CREATE INDEX archive_records_fv ON archive_records USING gin (fv);
CREATE INDEX archive_records_dates ON archive_records (date_start, date_end);
CREATE INDEX archive_records_date_key ON archive_records (date_key, seq);
CREATE INDEX archive_records_title ON archive_records (title_key, date_key, seq);

-- One row: the live record count and total weighted length (BM25F), and a generation
-- that grows with every change (readers cache per generation).
CREATE TABLE archive_stats (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    records bigint NOT NULL DEFAULT 0,
    total_dl double precision NOT NULL DEFAULT 0,
    generation bigint NOT NULL DEFAULT 0
);
INSERT INTO archive_stats DEFAULT VALUES;
