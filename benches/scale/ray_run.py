#!/usr/bin/env python3
"""koe on Ray Data: a directory of Parquet files in, enriched Parquet and one report out.

    read_parquet(DIR) -> map_batches(KoeAnalyzer)  (one actor per worker; each loads the
                         dictionaries once and analyses on its own thread)
                      -> write_parquet(OUT/N)       (the flat analysis + nested columns)
                      -> map_batches(KoePartial)    (one partial report per block, pickled)
                      -> merged on the driver       (koe.Report.merge: exact, see README)

usage: ray_run.py --parts DIR --out DIR [--workers 1,2] [--koe target/release/koe]
                  [--text text --rating nps --date date --id id --segments channel]

For each worker count N it starts a local Ray cluster with N CPUs, runs the job, prints
records/s and writes OUT/N/report.json. With --koe it also runs `koe report` on the same
files in one process and exits 1 unless every merged report equals it: every count,
metric, test and quote rank (the `inputs` field, which names the run, aside; of quotes
tied in rank, other records may be shown, as src/report/partial.rs documents).
Needs: the koe wheel (maturin build), ray[data], pyarrow.
"""
import argparse
import functools
import glob
import json
import os
import pickle
import subprocess
import sys
import time

import pyarrow as pa


class KoeAnalyzer:
    """A Ray actor: one koe.Analyzer per worker process, analysing on the worker's own
    thread (threads=1: Ray gives each worker one CPU)."""

    def __init__(self, columns):
        import koe

        self.columns = columns
        self.analyzer = koe.Analyzer(threads=1, domain="all")

    def __call__(self, batch: pa.Table) -> pa.Table:
        return self.analyzer.analyze_arrow(batch, full=True, **self.columns)


class KoePartial:
    """A Ray actor: the partial report of each block of analysed records, pickled (the
    versioned koe.partial state)."""

    def __init__(self):
        import koe

        self.koe = koe
        self.analyzer = koe.Analyzer(threads=1, domain="all")

    def __call__(self, batch: pa.Table) -> pa.Table:
        r = self.koe.Report(self.analyzer)
        r.add(batch)
        return pa.table({"records": [r.records], "partial": [pickle.dumps(r)]})


def comparable(report):
    """The report without what names the run (`inputs`), each theme's quotes reduced to
    their ranks (sentiments): of quotes tied in rank, one pass keeps the first to arrive
    and a merge the lowest record id (src/report/partial.rs), so tied quotes may be other
    records of the same rank."""
    report = json.loads(json.dumps(report))
    report.pop("inputs", None)
    for theme in report.get("themes", []):
        if "quotes" in theme:
            theme["quotes"] = sorted(q["sentiment"] for q in theme["quotes"])
    return report


def run(n, a, columns, files):
    import ray

    # N CPU slots for the N analysers, one more for Ray Data's reads and writes (cheap
    # I/O tasks that would otherwise wait behind the actors forever).
    ray.init(num_cpus=n + 1, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        import ray.data

        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = False
        import pyarrow.fs

        ds = ray.data.read_parquet(files, filesystem=pyarrow.fs.LocalFileSystem())
        # Blocks of batch-size rows, so every worker gets some (a small dump is read as one).
        ds = ds.repartition(target_num_rows_per_block=a.batch_size)
        t0 = time.monotonic()
        enriched = ds.map_batches(
            KoeAnalyzer,
            fn_constructor_kwargs={"columns": columns},
            batch_format="pyarrow",
            batch_size=a.batch_size,
            compute=ray.data.ActorPoolStrategy(size=n),
            num_cpus=1,
        ).materialize()
        analysed = time.monotonic() - t0
        records = enriched.count()
        out = os.path.join(a.out, str(n))
        enriched.write_parquet(os.path.join(out, "enriched"), filesystem=pyarrow.fs.LocalFileSystem())
        rows = enriched.map_batches(
            KoePartial,
            batch_format="pyarrow",
            batch_size=a.batch_size,
            compute=ray.data.ActorPoolStrategy(size=n),
            num_cpus=1,
        ).take_all()
        parts = [pickle.loads(r["partial"]) for r in rows]
        report = functools.reduce(lambda x, y: (x.merge(y), x)[1], parts)
        total = time.monotonic() - t0
    finally:
        ray.shutdown()
    with open(os.path.join(out, "report.json"), "w", encoding="utf-8") as f:
        f.write(report.to_json())
    print(
        f"ray: {n} worker(s): {records} records analysed in {analysed:.1f} s = "
        f"{records / analysed:,.0f} records/s; with Parquet output and {len(parts)} partial "
        f"reports merged: {total:.1f} s",
        file=sys.stderr,
    )
    return records / analysed, report


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parts", required=True, help="directory of Parquet files")
    ap.add_argument("--out", required=True, help="output directory (OUT/N per worker count)")
    ap.add_argument("--workers", default="1,2", help="worker counts to run, e.g. 1,2")
    ap.add_argument("--koe", help="koe binary: compare with `koe report` on the same files")
    ap.add_argument("--text", default="text")
    ap.add_argument("--rating", default="nps")
    ap.add_argument("--date", default="date")
    ap.add_argument("--id", default="id")
    ap.add_argument("--segments", default="channel", help="comma-separated segment columns")
    ap.add_argument("--batch-size", type=int, default=1024)
    a = ap.parse_args()
    files = sorted(glob.glob(os.path.join(a.parts, "*.parquet")))
    if not files:
        sys.exit(f"ray_run: no Parquet files in {a.parts}")
    columns = {
        "text": a.text,
        "rating": a.rating or None,
        "date": a.date or None,
        "id": a.id or None,
        "segments": [s for s in a.segments.split(",") if s],
    }
    os.makedirs(a.out, exist_ok=True)
    reference = None
    if a.koe:
        t0 = time.monotonic()
        cmd = [a.koe, "report", "-q", "--format", "json", "--discover", "0", "--domain", "all",
               "--rating", a.rating, "--rejects", os.devnull, *files]
        reference = json.loads(subprocess.run(cmd, check=True, capture_output=True).stdout)
        print(f"koe report (one process, all cores): {time.monotonic() - t0:.1f} s", file=sys.stderr)
    speeds = {}
    ok = True
    for n in [int(x) for x in a.workers.split(",") if x]:
        speeds[n], report = run(n, a, columns, files)
        if reference is not None:
            same = comparable(json.loads(report.to_json())) == comparable(reference)
            ok &= same
            print(f"ray: {n} worker(s): merged report {'equals' if same else 'DIFFERS FROM'} koe report",
                  file=sys.stderr)
    if 1 in speeds and len(speeds) > 1:
        for n, s in sorted(speeds.items()):
            print(f"ray: {n} worker(s) ÷ 1: {s / speeds[1]:.2f}×", file=sys.stderr)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
