#!/usr/bin/env python3
"""koe on Spark: the Ray job's pattern with `mapInArrow` (local[N] master by default).

usage: spark_run.py --parts DIR --out DIR [--master local[2]] [--koe target/release/koe]
                    [--text text --rating nps --date date --id id --segments channel]

Each Python worker analyses its Arrow batches with one koe.Analyzer (dictionaries loaded
once per worker process, threads=1), the enriched rows are written as Parquet, every
partition returns its pickled koe.Report, and the driver merges them. With --koe the
merged report is compared with `koe report` on the same files as ray_run.py does (exit
1 when they differ). Needs pyspark, a Java 17 runtime, the koe wheel and pyarrow in the
Python that runs it (it sets PYSPARK_PYTHON to itself).
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

os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

import pyarrow as pa  # noqa: E402

from ray_run import comparable  # noqa: E402  (same comparison as the Ray job)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parts", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--koe")
    ap.add_argument("--text", default="text")
    ap.add_argument("--rating", default="nps")
    ap.add_argument("--date", default="date")
    ap.add_argument("--id", default="id")
    ap.add_argument("--segments", default="channel")
    a = ap.parse_args()
    files = sorted(glob.glob(os.path.join(os.path.abspath(a.parts), "*.parquet")))
    if not files:
        sys.exit(f"spark_run: no Parquet files in {a.parts}")
    columns = {"text": a.text, "rating": a.rating, "date": a.date, "id": a.id,
               "segments": [s for s in a.segments.split(",") if s]}

    import koe
    from pyspark.sql import SparkSession

    # koe's output schema, from a one-row sample of the input.
    import pyarrow.parquet as pq

    sample = pq.read_table(files[0]).slice(0, 1)
    out_schema = koe.Analyzer(threads=1).analyze_arrow(sample, full=True, **columns).schema

    spark = (SparkSession.builder.master(a.master).appName("koe")
             .config("spark.ui.enabled", "false")
             .config("spark.ui.showConsoleProgress", "false")
             .config("spark.sql.execution.arrow.maxRecordsPerBatch", "1024")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    try:
        from pyspark.sql.pandas.types import from_arrow_schema

        df = spark.read.parquet(*files)

        def analyse(batches):
            import koe as k

            analyzer = k.Analyzer(threads=1)
            for b in batches:
                yield from analyzer.analyze_arrow(b, full=True, **columns).to_batches()

        t0 = time.monotonic()
        enriched = df.mapInArrow(analyse, from_arrow_schema(out_schema))
        enriched.write.mode("overwrite").parquet(os.path.join(a.out, "enriched"))
        analysed = time.monotonic() - t0

        def report(batches):
            import koe as k

            r = k.Report(k.Analyzer(threads=1))
            for b in batches:
                r.add(pa.Table.from_batches([b]))
            yield pa.RecordBatch.from_pydict({"partial": [pickle.dumps(r)]})

        back = spark.read.parquet(os.path.join(a.out, "enriched"))
        rows = back.mapInArrow(report, "partial binary").collect()
        parts = [pickle.loads(r["partial"]) for r in rows]
        merged = functools.reduce(lambda x, y: (x.merge(y), x)[1], parts)
        records = merged.records
    finally:
        spark.stop()
    with open(os.path.join(a.out, "report.json"), "w", encoding="utf-8") as f:
        f.write(merged.to_json())
    print(f"spark {a.master}: {records} records analysed and written in {analysed:.1f} s "
          f"= {records / analysed:,.0f} records/s; {len(parts)} partial reports merged", file=sys.stderr)
    if a.koe:
        cmd = [a.koe, "report", "-q", "--format", "json", "--discover", "0", "--domain", "all",
               "--rating", a.rating, "--rejects", os.devnull, *files]
        reference = json.loads(subprocess.run(cmd, check=True, capture_output=True).stdout)
        same = comparable(json.loads(merged.to_json())) == comparable(reference)
        print(f"spark: merged report {'equals' if same else 'DIFFERS FROM'} koe report", file=sys.stderr)
        sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
