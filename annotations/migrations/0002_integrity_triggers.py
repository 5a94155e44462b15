"""Rules the database itself enforces, beyond what CHECK constraints on one row can say.

- article text (and its sha256) never changes after import;
- a span lies inside its article's text and its quote, prefix and suffix equal the text at its offsets;
- audit events are append-only; agreement snapshots are never overwritten;
- a published release never changes and is never deleted;
- a claim's embedding has the dimension recorded beside it.
"""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION factcheck_article_text_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'article % text is immutable', OLD.id USING ERRCODE = 'check_violation';
END $$;
CREATE TRIGGER article_text_immutable BEFORE UPDATE ON annotations_article
    FOR EACH ROW WHEN (OLD.text IS DISTINCT FROM NEW.text OR OLD.sha256 IS DISTINCT FROM NEW.sha256)
    EXECUTE FUNCTION factcheck_article_text_immutable();

CREATE FUNCTION factcheck_span_matches_article() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    body text;
    prefix_start integer;
BEGIN
    IF NEW.start < 0 OR NEW.start >= NEW."end" THEN
        RAISE EXCEPTION 'span needs 0 <= start < end, got [%, %)', NEW.start, NEW."end"
            USING ERRCODE = 'check_violation';
    END IF;
    SELECT text INTO body FROM annotations_article WHERE id = NEW.article_id;
    IF NEW."end" > char_length(body) THEN
        RAISE EXCEPTION 'span end % is past the article length %', NEW."end", char_length(body)
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.quote IS DISTINCT FROM substr(body, NEW.start + 1, NEW."end" - NEW.start) THEN
        RAISE EXCEPTION 'span quote does not equal the article text at [%, %)', NEW.start, NEW."end"
            USING ERRCODE = 'check_violation';
    END IF;
    prefix_start := greatest(NEW.start - 32, 0);
    IF NEW.prefix IS DISTINCT FROM substr(body, prefix_start + 1, NEW.start - prefix_start)
       OR NEW.suffix IS DISTINCT FROM substr(body, NEW."end" + 1, 32) THEN
        RAISE EXCEPTION 'span prefix/suffix do not equal the 32 characters around [%, %)', NEW.start, NEW."end"
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER span_matches_article BEFORE INSERT OR UPDATE OF article_id, start, "end", quote, prefix, suffix
    ON annotations_span FOR EACH ROW EXECUTE FUNCTION factcheck_span_matches_article();

CREATE FUNCTION factcheck_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are append-only (% refused)', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'check_violation';
END $$;
CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON annotations_auditevent
    FOR EACH ROW EXECUTE FUNCTION factcheck_refuse_change();
CREATE TRIGGER agreement_snapshot_never_overwritten BEFORE UPDATE ON annotations_agreementsnapshot
    FOR EACH ROW EXECUTE FUNCTION factcheck_refuse_change();
CREATE TRIGGER release_published_immutable BEFORE UPDATE OR DELETE ON annotations_datasetrelease
    FOR EACH ROW WHEN (OLD.status = 'published') EXECUTE FUNCTION factcheck_refuse_change();

ALTER TABLE annotations_canonicalclaim ADD CONSTRAINT claim_embedding_dimensions_match
    CHECK (embedding IS NULL OR vector_dims(embedding) = embedding_dimensions);
"""

BACKWARD = r"""
ALTER TABLE annotations_canonicalclaim DROP CONSTRAINT claim_embedding_dimensions_match;
DROP TRIGGER release_published_immutable ON annotations_datasetrelease;
DROP TRIGGER agreement_snapshot_never_overwritten ON annotations_agreementsnapshot;
DROP TRIGGER audit_event_append_only ON annotations_auditevent;
DROP FUNCTION factcheck_refuse_change();
DROP TRIGGER span_matches_article ON annotations_span;
DROP FUNCTION factcheck_span_matches_article();
DROP TRIGGER article_text_immutable ON annotations_article;
DROP FUNCTION factcheck_article_text_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("annotations", "0001_initial")]
    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
