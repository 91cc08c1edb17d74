-- 020_search: find a child by name (prefix or similar spelling, whatever the
-- case and accents) or date of birth, and a person by name or e-mail
-- (issue 16, part 5).  pg_trgm and unaccent ship with PostgreSQL (contrib)
-- and are trusted extensions: a database owner may create them.
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;

-- A name folded for matching: lower case, accents removed ("Zoë" -> "zoe").
-- unaccent() itself is only STABLE (its dictionary could change); naming the
-- dictionary makes the result depend on its argument alone, so the folded
-- name can be indexed.
CREATE FUNCTION pb_fold(t text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS
$$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, t)) $$;

CREATE FUNCTION pb_full_name(given text, family text) RETURNS text LANGUAGE sql
    IMMUTABLE STRICT PARALLEL SAFE AS
$$ SELECT pb_fold(given || ' ' || family) $$;

CREATE INDEX children_name_search ON children
    USING gin (pb_full_name(given_name, family_name) gin_trgm_ops);
CREATE INDEX children_by_dob ON children (la, date_of_birth, id);
CREATE INDEX people_name_search ON people
    USING gin (pb_full_name(given_name, family_name) gin_trgm_ops);
CREATE INDEX people_by_email ON people (la, lower(email), id) WHERE email IS NOT NULL;
