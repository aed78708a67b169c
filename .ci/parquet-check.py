"""Reads koe's Parquet with pyarrow and with DuckDB and counts complaints (negative
theme mentions: a record's theme whose sentiment label is `neg`) per theme per month;
both must equal the counts computed from koe's JSON lines of the same input.

    python .ci/parquet-check.py analysed.parquet analysed.jsonl
"""

import collections
import json
import sys

import duckdb
import pyarrow.compute as pc
import pyarrow.parquet as pq

parquet_path, jsonl_path = sys.argv[1], sys.argv[2]


def from_json_lines(path):
    counts = collections.Counter()
    ids = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            ids.append(r["id"])
            if "date" not in r:
                continue
            for t in r["themes"]:
                if t["sentiment"]["label"] == "neg":
                    counts[(t["id"], r["date"][:7])] += 1
    return ids, counts


def with_pyarrow(path):
    table = pq.read_table(path, columns=["id", "date", "themes", "theme_labels"])
    table = table.filter(pc.is_valid(table["date"]))
    # One row per (record, theme): the parallel lists flattened, the date repeated.
    parents = pc.list_parent_indices(table["themes"])
    themes = pc.list_flatten(table["themes"])
    labels = pc.list_flatten(table["theme_labels"])
    months = pc.strftime(pc.take(table["date"], parents), format="%Y-%m")
    neg = pc.equal(labels, "neg")
    counts = collections.Counter()
    for theme, month in zip(
        pc.filter(themes, neg).to_pylist(), pc.filter(months, neg).to_pylist()
    ):
        counts[(theme, month)] += 1
    ids = pq.read_table(path, columns=["id"])["id"].to_pylist()
    return ids, counts


def with_duckdb(path):
    con = duckdb.connect()
    rows = con.execute(
        """
        SELECT theme, strftime(date, '%Y-%m') AS month, count(*) AS complaints
        FROM (
            SELECT date, unnest(themes) AS theme, unnest(theme_labels) AS label
            FROM read_parquet(?)
        )
        WHERE label = 'neg' AND date IS NOT NULL
        GROUP BY theme, month
        ORDER BY theme, month
        """,
        [path],
    ).fetchall()
    ids = [r[0] for r in con.execute("SELECT id FROM read_parquet(?)", [path]).fetchall()]
    return ids, collections.Counter({(t, m): n for t, m, n in rows})


want_ids, want = from_json_lines(jsonl_path)
ok = True
for name, (ids, got) in [
    ("pyarrow", with_pyarrow(parquet_path)),
    ("duckdb", with_duckdb(parquet_path)),
]:
    if ids != want_ids:
        print(f"parquet-check: {name}: ids differ from the JSON lines "
              f"({len(ids)} vs {len(want_ids)} records)")
        ok = False
    if got != want:
        print(f"parquet-check: {name}: complaints per theme per month differ:")
        for key in sorted(set(got) | set(want)):
            if got.get(key) != want.get(key):
                print(f"  {key}: {name} {got.get(key)}, JSON lines {want.get(key)}")
        ok = False
    else:
        print(f"parquet-check: {name}: {len(ids)} records, "
              f"{sum(got.values())} complaints in {len(got)} theme-months, as in the JSON lines")
if sum(want.values()) == 0 or len({m for _, m in want}) < 2:
    print("parquet-check: the fixture gives too few complaints or months to test anything")
    ok = False
if ok:
    top = sorted(want.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    print("parquet-check: top complaints: "
          + ", ".join(f"{t} {m}: {n}" for (t, m), n in top))
sys.exit(0 if ok else 1)
