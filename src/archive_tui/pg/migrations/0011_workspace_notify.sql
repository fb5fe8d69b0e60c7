-- Live shared annotations (issue 12 item 5): a change to a shared tag or list, and a share
-- made or withdrawn, sends NOTIFY archive_tui_annotations with a JSON payload
--   {"owner": "ann", "kind": "tag" | "list" | "share", "ids": ["record id", ...]}
-- (ids: the records whose membership changed; null, with "count", when there are too many
-- for one notification). Private changes are never broadcast: PostgreSQL lets any session
-- LISTEN to any channel, so a payload must hold nothing private. It names no tag or list
-- and never a note; a listener re-reads what changed through row-level security. (The
-- owner's own other sessions notice private changes by workspace_settings.revision.)

CREATE FUNCTION archive_tui_notify_shared() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $$
DECLARE
    change_kind text := TG_ARGV[0];  -- 'tag' or 'list'
    rows jsonb := '[]';
    part jsonb;
    who name;
    ids text[];
    payload text;
BEGIN
    -- The changed rows, one (owner, folded name, row seq, record id) each; a list gives one
    -- per record id and one with a null id (so that a list without ids still counts).
    IF TG_OP <> 'DELETE' THEN
        IF change_kind = 'tag' THEN
            SELECT jsonb_agg(jsonb_build_object('owner', n.owner, 'key', n.tag_key,
                   'seq', n.seq, 'record_id', n.record_id)) INTO part FROM new_rows n;
        ELSE
            SELECT jsonb_agg(jsonb_build_object('owner', n.owner, 'key', n.name_key,
                   'seq', n.seq, 'record_id', i)) INTO part
            FROM new_rows n, unnest(n.ids || ARRAY[NULL::text]) AS i;
        END IF;
        rows := rows || coalesce(part, '[]');
    END IF;
    IF TG_OP <> 'INSERT' THEN
        IF change_kind = 'tag' THEN
            SELECT jsonb_agg(jsonb_build_object('owner', o.owner, 'key', o.tag_key,
                   'seq', o.seq, 'record_id', o.record_id)) INTO part FROM old_rows o;
        ELSE
            SELECT jsonb_agg(jsonb_build_object('owner', o.owner, 'key', o.name_key,
                   'seq', o.seq, 'record_id', i)) INTO part
            FROM old_rows o, unnest(o.ids || ARRAY[NULL::text]) AS i;
        END IF;
        rows := rows || coalesce(part, '[]');
    END IF;
    -- Only rows of a shared tag or list; ids: those on one side only (added or removed).
    FOR who, ids IN
        WITH r AS (
            SELECT x.* FROM jsonb_to_recordset(rows)
                AS x(owner name, key text, seq bigint, record_id text)
            WHERE EXISTS (
                SELECT 1 FROM workspace_shares s
                WHERE s.owner = x.owner AND s.kind = change_kind AND s.name_key = x.key
            )
        )
        SELECT o.owner, ARRAY(
            SELECT DISTINCT d.record_id FROM (
                SELECT r.seq, r.record_id FROM r
                WHERE r.owner = o.owner AND r.record_id IS NOT NULL
                GROUP BY r.seq, r.record_id HAVING count(*) = 1
            ) d ORDER BY 1)
        FROM (SELECT DISTINCT r.owner FROM r) o
    LOOP
        payload := jsonb_build_object('owner', who, 'kind', change_kind, 'ids', to_jsonb(ids))::text;
        IF octet_length(payload) > 7900 THEN  -- NOTIFY takes under 8000 bytes
            payload := jsonb_build_object('owner', who, 'kind', change_kind, 'ids', NULL,
                                          'count', cardinality(ids))::text;
        END IF;
        PERFORM pg_notify('archive_tui_annotations', payload);
    END LOOP;
    RETURN NULL;
END
$$;

-- Transition tables need one trigger per event.
CREATE TRIGGER notify_shared_insert AFTER INSERT ON workspace_tags
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION archive_tui_notify_shared('tag');
CREATE TRIGGER notify_shared_update AFTER UPDATE ON workspace_tags
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION archive_tui_notify_shared('tag');
CREATE TRIGGER notify_shared_delete AFTER DELETE ON workspace_tags
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION archive_tui_notify_shared('tag');
CREATE TRIGGER notify_shared_insert AFTER INSERT ON workspace_lists
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION archive_tui_notify_shared('list');
CREATE TRIGGER notify_shared_update AFTER UPDATE ON workspace_lists
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION archive_tui_notify_shared('list');
CREATE TRIGGER notify_shared_delete AFTER DELETE ON workspace_lists
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION archive_tui_notify_shared('list');

CREATE FUNCTION archive_tui_notify_share() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path FROM CURRENT
AS $$
BEGIN
    PERFORM pg_notify('archive_tui_annotations', jsonb_build_object(
        'owner', coalesce(NEW.owner, OLD.owner), 'kind', 'share', 'ids', '[]'::jsonb)::text);
    RETURN NULL;
END
$$;

CREATE TRIGGER notify_share AFTER INSERT OR UPDATE OR DELETE ON workspace_shares
    FOR EACH ROW EXECUTE FUNCTION archive_tui_notify_share();
