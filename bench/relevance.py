#!/usr/bin/env python3
"""Relevance of algoreg's search against the live register's own ranking, on the same records.

Reads the judged queries (bench/relevance/judgements.json), algoreg's rankings and the indexed records
(both written by `algoreg-bench relevance`). The live register's ranking is recomputed on a real
PostgreSQL: the records' text in a tsvector (Dutch configuration; name weighted A, description and
organisation B, the rest C) and, per query, `websearch_to_tsquery('dutch', q)` ordered by `ts_rank`.
Prints nDCG@10 and recall@20 of both, per kind of query and in all, as a Markdown table and JSON.

Usage: relevance.py --dsn DSN --judgements FILE --algoreg FILE --tsv FILE
"""
import argparse, json, math, collections
import psycopg
import pg_table

ap = argparse.ArgumentParser()
ap.add_argument("--dsn", required=True)
ap.add_argument("--judgements", required=True)
ap.add_argument("--algoreg", required=True)
ap.add_argument("--tsv", required=True)
a = ap.parse_args()

judged = json.load(open(a.judgements))["queries"]
ours = json.load(open(a.algoreg))

with psycopg.connect(a.dsn, autocommit=True) as conn:
    cur = conn.cursor()
    pg_table.load(cur, "relevance_algo", a.tsv)
    theirs = {}
    for q in judged:
        cur.execute("""SELECT id FROM relevance_algo WHERE tsv @@ websearch_to_tsquery('dutch', %s)
                       ORDER BY ts_rank(tsv, websearch_to_tsquery('dutch', %s)) DESC, id LIMIT 20""", (q["query"], q["query"]))
        theirs[q["query"]] = [r[0] for r in cur.fetchall()]
    cur.execute("DROP TABLE relevance_algo")

def ndcg10(ranking, grades):
    dcg = sum((2 ** grades.get(d, 0) - 1) / math.log2(i + 2) for i, d in enumerate(ranking[:10]))
    ideal = sorted(grades.values(), reverse=True)[:10]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0

def recall20(ranking, grades):
    rel = {d for d, g in grades.items() if g > 0}
    return len(rel & set(ranking[:20])) / len(rel) if rel else 0.0

rows = collections.defaultdict(lambda: {"n": 0, "algoreg": [0.0, 0.0], "live": [0.0, 0.0]})
for q in judged:
    grades = {k: int(v) for k, v in q["relevant"].items()}
    for kind in (q.get("kind", "other"), "all"):
        r = rows[kind]
        r["n"] += 1
        for name, ranking in (("algoreg", ours.get(q["query"], [])), ("live", theirs[q["query"]])):
            r[name][0] += ndcg10(ranking, grades)
            r[name][1] += recall20(ranking, grades)

print("| queries | n | nDCG@10 algoreg | nDCG@10 live register | recall@20 algoreg | recall@20 live register |")
print("|---|---:|---:|---:|---:|---:|")
out = {}
for kind in sorted(rows, key=lambda k: (k == "all", k)):
    r = rows[kind]
    n = r["n"]
    vals = [r["algoreg"][0] / n, r["live"][0] / n, r["algoreg"][1] / n, r["live"][1] / n]
    out[kind] = {"n": n, "ndcg10_algoreg": vals[0], "ndcg10_live": vals[1], "recall20_algoreg": vals[2], "recall20_live": vals[3]}
    label = f"**{kind}**" if kind == "all" else kind
    print(f"| {label} | {n} | {vals[0]:.3f} | {vals[1]:.3f} | {vals[2]:.3f} | {vals[3]:.3f} |")
print(json.dumps(out))
