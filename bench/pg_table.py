"""The PostgreSQL peer's table of records, as both benchmarks load it: the records' text in a tsvector
(Dutch configuration; name weighted A, description and organisation B, the rest C), loaded from the TSV
that `algoreg-bench` writes."""

COLUMNS = "id, org_code, org_type, org_name, name, description, body, themes, category, status"


def load(cur, table, tsv_path):
    """Creates `table` afresh and copies the TSV file into it."""
    cur.execute(f"DROP TABLE IF EXISTS {table}")
    cur.execute(f"""CREATE TABLE {table} (id text PRIMARY KEY, org_code text, org_type text, org_name text, name text,
        description text, body text, themes text, category text, status text,
        tsv tsvector GENERATED ALWAYS AS (
          setweight(to_tsvector('dutch', coalesce(name,'')), 'A') ||
          setweight(to_tsvector('dutch', coalesce(description,'') || ' ' || coalesce(org_name,'')), 'B') ||
          setweight(to_tsvector('dutch', coalesce(body,'')), 'C')) STORED)""")
    with open(tsv_path, "rb") as f, cur.copy(f"COPY {table} ({COLUMNS}) FROM STDIN") as copy:
        while chunk := f.read(1 << 20):
            copy.write(chunk)
