-- Per chunk, the values a search reads of each record version in it ("doc values", as
-- Lucene keeps them), so that a search of words reads posting lists and chunks only,
-- never the records table (pg/chunk_search.py): a record's values sit at
-- [doc - first + 1] of each array, for every doc from the chunk's first to its last
-- (a doc no live record has: seq 0, and listed in ``dead``, kept sorted, so that a
-- search subtracts the removed and replaced versions from its matches in one step).
-- pg/doc_values.py fills them when a chunk is written and when its records change.
--
-- Set operations on the sorted doc arrays (intersection, union, difference) come from
-- PostgreSQL's own intarray extension, in a schema of their own: on the search path its
-- operators would take over ``&&`` on integer arrays from the facet values' GIN index.

CREATE SCHEMA IF NOT EXISTS archive_intarray;
CREATE EXTENSION IF NOT EXISTS intarray SCHEMA archive_intarray;
GRANT USAGE ON SCHEMA archive_intarray TO PUBLIC;

ALTER TABLE archive_chunks
    ADD COLUMN first integer,
    ADD COLUMN seqs bigint[] COMPRESSION lz4,
    ADD COLUMN dls double precision[] COMPRESSION lz4,
    ADD COLUMN date_keys bigint[] COMPRESSION lz4,
    ADD COLUMN dead integer[] COMPRESSION lz4;

-- the chunks written before this migration (the statement doc_values.fill runs)
UPDATE archive_chunks c
SET first = v.first, seqs = v.seqs, dls = v.dls, date_keys = v.date_keys, dead = v.dead
FROM (
    SELECT ch.chunk, min(d.doc) AS first,
        array_agg(coalesce(r.seq, 0) ORDER BY d.doc) AS seqs,
        array_agg(coalesce(r.dl, 0) ORDER BY d.doc) AS dls,
        array_agg(coalesce(r.date_key, 0) ORDER BY d.doc) AS date_keys,
        coalesce(array_agg(d.doc ORDER BY d.doc) FILTER (WHERE r.doc IS NULL), '{}') AS dead
    FROM archive_chunks ch
    CROSS JOIN LATERAL generate_series(ch.docs[1], ch.docs[cardinality(ch.docs)]) AS d(doc)
    LEFT JOIN archive_records r ON r.doc = d.doc
    GROUP BY ch.chunk
) v
WHERE c.chunk = v.chunk;
