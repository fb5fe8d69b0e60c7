-- The archive's records and what searching them needs (archive_tui.pg.records fills it).
--
-- Text is folded and tokenized in Python by archive_tui.text (the local index's tokenizer),
-- never by PostgreSQL's dictionaries, so Громыко, Manac’h and Piné match exactly as locally.
-- Strings compare in codepoint order (COLLATE "C"), as Python sorts them.

CREATE TABLE archive_records (
    seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,  -- archive order (an update keeps it)
    id text COLLATE "C" PRIMARY KEY,
    body text NOT NULL,             -- the record as stored, JSON, every character kept
    date_start integer NOT NULL,    -- first day covered (proleptic ordinal; 0: no valid date)
    date_end integer NOT NULL,      -- last day covered
    date_key bigint NOT NULL,       -- dates.DocDate.sort_key (a coarser date first that day)
    date_precision text,            -- year | month | day
    title_key text COLLATE "C" NOT NULL,  -- folded title (the title sort)
    dl double precision NOT NULL,   -- BM25F weighted length
    postings jsonb NOT NULL,        -- folded term -> [weighted tf, field bits]
    stream text NOT NULL,           -- folded token stream for phrases ("#field tok tok | tok")
    collection text[] COLLATE "C" NOT NULL DEFAULT '{}',
    document_type text[] COLLATE "C" NOT NULL DEFAULT '{}',
    language text[] COLLATE "C" NOT NULL DEFAULT '{}',
    people text[] COLLATE "C" NOT NULL DEFAULT '{}',
    places text[] COLLATE "C" NOT NULL DEFAULT '{}',
    subjects text[] COLLATE "C" NOT NULL DEFAULT '{}',
    decade text[] COLLATE "C" NOT NULL DEFAULT '{}',
    year text[] COLLATE "C" NOT NULL DEFAULT '{}',
    admin text[] COLLATE "C" NOT NULL DEFAULT '{}',
    classification text[] COLLATE "C" NOT NULL DEFAULT '{}',
    handling text[] COLLATE "C" NOT NULL DEFAULT '{}',
    repository text[] COLLATE "C" NOT NULL DEFAULT '{}'
);

CREATE INDEX archive_records_postings ON archive_records USING gin (postings);
CREATE INDEX archive_records_dates ON archive_records (date_start, date_end);
CREATE INDEX archive_records_date_key ON archive_records (date_key, seq);
CREATE INDEX archive_records_title ON archive_records (title_key, date_key, seq);
CREATE INDEX archive_records_collection ON archive_records USING gin (collection);
CREATE INDEX archive_records_document_type ON archive_records USING gin (document_type);
CREATE INDEX archive_records_language ON archive_records USING gin (language);
CREATE INDEX archive_records_people ON archive_records USING gin (people);
CREATE INDEX archive_records_places ON archive_records USING gin (places);
CREATE INDEX archive_records_subjects ON archive_records USING gin (subjects);
CREATE INDEX archive_records_decade ON archive_records USING gin (decade);
CREATE INDEX archive_records_year ON archive_records USING gin (year);
CREATE INDEX archive_records_admin ON archive_records USING gin (admin);
CREATE INDEX archive_records_classification ON archive_records USING gin (classification);
CREATE INDEX archive_records_handling ON archive_records USING gin (handling);
CREATE INDEX archive_records_repository ON archive_records USING gin (repository);

-- Every folded term with its document frequency: prefix and ? wildcards, idf, suggestions.
CREATE TABLE archive_vocab (
    term text COLLATE "C" PRIMARY KEY,
    df integer NOT NULL
);
CREATE INDEX archive_vocab_length ON archive_vocab (char_length(term));

-- One row: the live record count and total weighted length (BM25F), and a generation
-- that grows with every change (readers cache per generation).
CREATE TABLE archive_stats (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    records bigint NOT NULL DEFAULT 0,
    total_dl double precision NOT NULL DEFAULT 0,
    generation bigint NOT NULL DEFAULT 0
);
INSERT INTO archive_stats DEFAULT VALUES;
