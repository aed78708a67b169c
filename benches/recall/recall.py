#!/usr/bin/env python3
"""Recall of `koe search` against plain substring search, for single-noun queries.

For each language (ja, ko, en) the script takes the first N reviews of
../shared/corpus/<lang>.txt, indexes them with `koe index`, picks noun queries from
`koe tokenize` (the most frequent nouns plus a seeded random draw of rarer ones, in
their dictionary form), and runs every query two ways:

  * substring: the records whose text contains the query (ja/ko: plain substring;
    en: case-insensitive, on word boundaries, so "app" does not count "happy");
  * koe: `koe search QUERY --format json` with a limit above any total.

recall = |koe ∩ substring| / |substring|, summed over the queries of a language.
"extra" = records koe finds that substring search misses (inflected or normalised
forms: batteries for battery, full-width or half-width spellings); the script shows
the surfaces that matched there.

Usage: benches/recall/recall.py [--koe target/release/koe] [--corpus ../shared/corpus]
                                [--records 20000] [--queries 60] [--work DIR]
Exit status 1 when a language's recall is under --min (default 0.99).
"""

import argparse
import collections
import json
import os
import random
import re
import subprocess
import sys
import tempfile


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


def sample(corpus, lang, n, work):
    src = os.path.join(corpus, f"{lang}.txt")
    path = os.path.join(work, f"{lang}.txt")
    lines = []
    with open(src, encoding="utf-8", errors="replace") as f:
        for line in f:
            lines.append(line.rstrip("\n"))
            if len(lines) >= n:
                break
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return path, lines


def nouns(koe, path, lang, k, seed):
    """Noun queries: dictionary forms that occur verbatim, by document frequency."""
    out = run([koe, "tokenize", "--lang", lang, "--format", "json", path]).stdout
    df = collections.Counter()
    for line in out.splitlines():
        rec = json.loads(line)
        seen = set()
        for t in rec["tokens"]:
            if t["pos"] != "NOUN" or t.get("stop"):
                continue
            lemma = t["lemma"]
            if lemma != t["surface"].lower() or not re.search(r"\w", lemma):
                continue
            if any(c.isdigit() for c in lemma):
                continue
            if len(lemma) < (3 if lang == "en" else 2):
                continue
            seen.add(lemma)
        df.update(seen)
    ranked = [w for w, c in df.most_common() if c >= 3]
    top = ranked[: k // 2]
    rest = ranked[k // 2 :]
    rng = random.Random(seed)
    rng.shuffle(rest)
    return top + rest[: k - len(top)]


def substring_ids(lines, path, lang, q):
    if lang == "en":
        pat = re.compile(r"(?<![A-Za-z0-9])" + re.escape(q) + r"(?![A-Za-z0-9])", re.I)
        hit = lambda s: pat.search(s) is not None
    else:
        hit = lambda s: q in s
    return {f"{path}:{i + 1}" for i, s in enumerate(lines) if hit(s)}


def koe_ids(koe, index, q, lines_by_id):
    out = run([koe, "search", q, "--index", index, "--limit", "1000000", "--format", "json"])
    res = json.loads(out.stdout)
    ids, surfaces = set(), {}
    for h in res["hits"]:
        ids.add(h["id"])
        text = lines_by_id.get(h["id"], "").encode("utf-8")
        surfaces[h["id"]] = [text[s:e].decode("utf-8", "replace") for s, e in h["matches"]]
    return ids, surfaces


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--koe", default=os.path.join(root, "target/release/koe"))
    ap.add_argument("--corpus", default=os.path.join(root, "../shared/corpus"))
    ap.add_argument("--records", type=int, default=20000)
    ap.add_argument("--queries", type=int, default=60)
    ap.add_argument("--langs", default="ja,ko,en")
    ap.add_argument("--min", type=float, default=0.99)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--work", default=None)
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()
    work = args.work or tempfile.mkdtemp(prefix="koe-recall-")
    os.makedirs(work, exist_ok=True)
    ok = True
    print("| lang | queries | substring hits | koe hits | found of substring | recall | extra (koe only) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    details = []
    for lang in args.langs.split(","):
        path, lines = sample(args.corpus, lang, args.records, work)
        lines_by_id = {f"{path}:{i + 1}": s for i, s in enumerate(lines)}
        index = os.path.join(work, f"idx-{lang}")
        run([args.koe, "index", path, "--index", index, "--rebuild"])
        qs = nouns(args.koe, path, lang, args.queries, args.seed)
        tot_sub = tot_koe = tot_both = tot_extra = 0
        extra_forms = collections.Counter()
        misses = []
        for q in qs:
            sub = substring_ids(lines, path, lang, q)
            got, surf = koe_ids(args.koe, index, q, lines_by_id)
            both = len(sub & got)
            extra = got - sub
            tot_sub += len(sub)
            tot_koe += len(got)
            tot_both += both
            tot_extra += len(extra)
            for i in extra:
                for s in surf.get(i, []):
                    extra_forms[(q, s)] += 1
            if both < len(sub):
                missed = sorted(sub - got)
                misses.append((q, len(sub) - both, len(sub), [lines_by_id[m] for m in missed[:3]]))
        recall = tot_both / tot_sub if tot_sub else 1.0
        ok &= recall >= args.min
        print(f"| {lang} | {len(qs)} | {tot_sub} | {tot_koe} | {tot_both} | {recall:.4f} | {tot_extra} |")
        details.append((lang, qs, misses, extra_forms))
    print()
    for lang, qs, misses, extra_forms in details:
        print(f"## {lang}")
        print("queries: " + " ".join(qs))
        forms = [f"{q}→{s} ({n})" for (q, s), n in extra_forms.most_common(15)]
        print("extra forms found: " + (", ".join(forms) if forms else "none"))
        misses.sort(key=lambda m: -m[1])
        for q, n, of, examples in misses[: (20 if args.verbose else 8)]:
            print(f"missed {q}: {n} of {of}")
            if args.verbose:
                for e in examples:
                    print(f"    {e[:160]}")
        print()
    print(f"work dir: {work}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
