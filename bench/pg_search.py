#!/usr/bin/env python3
"""PostgreSQL full-text peer for the search benchmark (what the live register uses).

Loads the records written by `algoreg-bench search --tsv` into a table with a generated
tsvector column (`dutch` configuration) and a GIN index, then runs the same query set: for each
search the top 20 by ts_rank, the total and the facet counts per organisation (three statements,
as a portal page needs them). Prints median and 99th percentile in the same JSON shape.

Usage: pg_search.py --dsn DSN --tsv FILE --queries FILE [--rounds 10] [--load]
"""
import argparse, json, statistics, time
import psycopg
import pg_table

ap = argparse.ArgumentParser()
ap.add_argument("--dsn", required=True)
ap.add_argument("--tsv", required=True)
ap.add_argument("--queries", required=True)
ap.add_argument("--rounds", type=int, default=10)
ap.add_argument("--load", action="store_true")
a = ap.parse_args()

with psycopg.connect(a.dsn, autocommit=True) as conn:
    cur = conn.cursor()
    load_s = 0.0
    if a.load:
        t = time.time()
        pg_table.load(cur, "algo", a.tsv)
        cur.execute("CREATE INDEX algo_tsv ON algo USING GIN (tsv)")
        cur.execute("CREATE INDEX algo_type ON algo (org_type)")
        cur.execute("VACUUM ANALYZE algo")
        load_s = time.time() - t
    cur.execute("SELECT count(*) FROM algo")
    n = cur.fetchone()[0]
    cur.execute("SELECT pg_total_relation_size('algo')")
    size = cur.fetchone()[0]
    queries = json.load(open(a.queries))

    def run(q):
        where, params = [], []
        if q["q"]:
            where.append("tsv @@ plainto_tsquery('dutch', %s)")
            params.append(q["q"])
        if q.get("org_type"):
            where.append("org_type = %s")
            params.append(q["org_type"])
        if q.get("theme"):
            where.append("%s = ANY(string_to_array(themes, ';'))")
            params.append(q["theme"])
        w = " AND ".join(where) or "TRUE"
        if q["q"]:
            cur.execute(f"SELECT id FROM algo WHERE {w} ORDER BY ts_rank(tsv, plainto_tsquery('dutch', %s)) DESC LIMIT 20", params + [q["q"]])
        else:
            cur.execute(f"SELECT id FROM algo WHERE {w} LIMIT 20", params)
        cur.fetchall()
        cur.execute(f"SELECT count(*) FROM algo WHERE {w}", params)
        total = cur.fetchone()[0]
        cur.execute(f"SELECT org_code, count(*) FROM algo WHERE {w} GROUP BY org_code", params)
        cur.fetchall()
        return total

    for q in queries:
        run(q)  # warm-up
    all_t, per = [], []
    for q in queries:
        ts = []
        for _ in range(a.rounds):
            t = time.perf_counter()
            total = run(q)
            ts.append((time.perf_counter() - t) * 1000)
        ts.sort()
        all_t += ts
        per.append({"q": q["q"], "org_type": q.get("org_type"), "theme": q.get("theme"), "total": total, "median_ms": statistics.median(ts), "max_ms": ts[-1]})
    all_t.sort()
    p = lambda s, x: s[min(len(s) - 1, round((len(s) - 1) * x))]
    print(json.dumps({"engine": "PostgreSQL full text (dutch, GIN)", "records": n, "load_seconds": load_s, "table_bytes": size,
                      "searches": len(all_t), "median_ms": p(all_t, 0.5), "p99_ms": p(all_t, 0.99), "queries": per}, indent=2))
