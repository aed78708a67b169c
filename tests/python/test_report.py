"""koe.Report: add, merge and pickle give the report of the whole input, equal to
`koe report --format json` on the same fixtures."""

import json
import os
import pickle
import random

import pyarrow as pa
import pytest

import koe
from conftest import FIXTURES, koe_analyze, run_koe

INPUTS = [FIXTURES / "ingest/appstore_reviews.csv", FIXTURES / "ingest/nps_survey_ja.csv"]


def comparable(report: dict) -> dict:
    """The report without what names the run (its inputs)."""
    report = dict(report)
    report.pop("inputs")
    return report


def merged_comparable(report: dict) -> dict:
    """What a merge gives exactly (src/report/partial.rs): all but the choice among
    quotes tied in rank, which one pass makes by arrival and a merge by record id, so
    each theme's quotes are compared by their ranks (sentiments)."""
    report = comparable(report)
    report["themes"] = [
        dict(t, quotes=sorted(q["sentiment"] for q in t["quotes"])) for t in report["themes"]
    ]
    return report


@pytest.fixture(scope="module")
def analyses():
    out = []
    for path in INPUTS:
        out.extend(koe_analyze(path))
    return out


@pytest.fixture(scope="module")
def cli_report():
    args = ["report", "-q", "--format", "json", "--discover", "0", "--domain", "all"]
    return json.loads(run_koe(*args, "--rejects", os.devnull, *map(str, INPUTS)))


def test_report_equals_koe_report(analyzer, analyses, cli_report):
    r = koe.Report(analyzer)
    r.add(analyses)
    assert r.records == len(analyses) == cli_report["totals"]["records"]
    assert comparable(json.loads(r.to_json())) == comparable(cli_report)
    assert r.to_dict()["schema"] == "koe.report/1"
    html, md = r.to_html(), r.to_markdown()
    assert html.startswith("<!DOCTYPE html>") and "</html>" in html
    # The default title in the data's language (mostly Japanese here), and no input
    # named: the records came from Python.
    assert md.startswith("# 顧客の声レポート\n\n120 件、日付なし 0 件。"), md[:200]
    en = koe.Report(analyzer, labels="en")
    en.add(analyses)
    assert en.to_markdown().startswith("# Customer feedback report\n\n120 records; 0 undated.")


@pytest.mark.parametrize("parts", [2, 7])
def test_merged_and_pickled_parts_equal_the_whole(analyzer, analyses, cli_report, parts):
    rng = random.Random(parts)
    order = list(analyses)
    rng.shuffle(order)
    reports = []
    for k in range(parts):
        r = koe.Report(analyzer)
        r.add(order[k::parts])
        # Shipped to another process and back (what Ray and Spark do).
        reports.append(pickle.loads(pickle.dumps(r)))
    rng.shuffle(reports)
    merged = reports[0]
    for r in reports[1:]:
        merged.merge(r)
    assert merged.records == len(analyses)
    assert merged_comparable(json.loads(merged.to_json())) == merged_comparable(cli_report)


def test_report_of_arrow_analyses_equals_koe_report(analyzer, cli_report):
    # The Ray / Spark path: input columns → analyze_arrow(full=True) → Report.add.
    r = koe.Report(analyzer)
    for path in INPUTS:
        rows = koe_analyze(path)
        table = pa.table(
            {
                "text": [d["text"] for d in rows],
                "rating": [d["rating"]["value"] if "rating" in d else None for d in rows],
                "date": [d.get("date") for d in rows],
                "id": [d["id"] for d in rows],
            }
        )
        scale = next(d["rating"]["scale"] for d in rows if "rating" in d)
        # In two halves, as two batches of a stream would come.
        half = table.num_rows // 2
        for part in (table.slice(0, half), table.slice(half)):
            r.add(analyzer.analyze_arrow(part, rating="rating", date="date", id="id", scale=scale, full=True))
    assert comparable(json.loads(r.to_json())) == comparable(cli_report)
    with pytest.raises(ValueError, match="full=True"):
        r.add(analyzer.analyze_arrow(pa.table({"text": ["no nested columns"]})))


def test_partial_json_merges_with_koe_report_merge(analyzer, analyses, tmp_path, cli_report):
    r = koe.Report(analyzer)
    r.add(analyses)
    part = tmp_path / "part.json"
    part.write_text(r.to_partial_json(), encoding="utf-8")
    merged = json.loads(run_koe("report", "merge", "-q", "--format", "json", str(part)))
    assert comparable(merged) == comparable(cli_report)


def test_bad_additions_add_nothing(analyzer, analyses):
    r = koe.Report(analyzer)
    bad = [dict(analyses[0]), {"text": "no analysis"}]
    with pytest.raises(ValueError, match="record 1"):
        r.add(bad)
    assert r.records == 0
    other_taxonomy = dict(analyses[0], themes=[dict(id="no.such.theme", sentiment=dict(score=0, label="neu"))])
    with pytest.raises(ValueError, match="no.such.theme"):
        r.add([other_taxonomy])
    with pytest.raises(ValueError):
        r.merge(koe.Report(koe.Analyzer(domain="none")))
    with pytest.raises(ValueError):
        r.merge(r)
    with pytest.raises(ValueError, match="period"):
        koe.Report(analyzer, period="fortnight")
