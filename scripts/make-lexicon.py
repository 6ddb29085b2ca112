#!/usr/bin/env python3
"""Writes crates/search/data/lexicon.txt: the words of the real register (titles and goals of the
1,530 records in ../shared) that the decompounder may split compounds into. A word is kept when it has
4 to 20 letters and occurs in at least 2 records. Run from the repository's root:
    python3 scripts/make-lexicon.py
The list holds single words only (facts about the register's vocabulary), no text of the records."""
import json, re, sys, unicodedata, collections, pathlib

src = pathlib.Path("../shared/anchors/algoritmeregister-data/schellevis-daily-scrape/algoritmes.json")
data = json.loads(src.read_text(encoding="utf-8"))
records = data["algoritmes"] if isinstance(data, dict) else data

def fold(s):
    s = unicodedata.normalize("NFKD", s.lower())
    return "".join(c for c in s if not unicodedata.combining(c))

seen = collections.Counter()
for r in records:
    text = fold(" ".join(str(r.get(k) or "") for k in ("title", "doel", "juridische_basis")))
    words = set(w for w in re.split(r"[^0-9a-z]+", text) if 4 <= len(w) <= 20 and not w.isdigit())
    seen.update(words)
kept = sorted(w for w, n in seen.items() if n >= 2)
out = pathlib.Path("crates/search/data/lexicon.txt")
out.write_text("# Words of the register, for splitting compounds (scripts/make-lexicon.py).\n" + "\n".join(kept) + "\n", encoding="utf-8")
print(f"{len(kept)} words", file=sys.stderr)
