"""koe.Analyzer.analyze, koe.tokenize and koe.sentiment against the CLI."""

import json

import pytest

import koe
from conftest import FIXTURES, koe_analyze, run_koe

# What a record's source gives; the rest of a line is the analysis.
RECORD_FIELDS = {"id", "source", "rating", "date", "segments", "segments_raw", "support", "warnings"}


def analysis_part(d: dict) -> dict:
    return {k: v for k, v in d.items() if k not in RECORD_FIELDS}


@pytest.mark.parametrize(
    "fixture", ["ingest/plain_lines.txt", "ingest/nps_survey_ja.csv", "ingest/nps_survey_ko.csv", "ingest/mojibake.csv"]
)
def test_analyze_equals_koe_analyze(analyzer, fixture):
    cli = koe_analyze(FIXTURES / fixture)
    assert len(cli) >= 10
    ours = analyzer.analyze([d["text"] for d in cli])
    assert len(ours) == len(cli)
    for i, (a, b) in enumerate(zip(ours, cli)):
        assert a["schema"] == koe.ANALYSIS_SCHEMA == b["schema"]
        assert a["id"] == str(i)
        assert analysis_part(a) == analysis_part(b), f"record {i}: {b['text']}"


def test_ids_and_empty_input(analyzer):
    out = analyzer.analyze(["良い", "bad"], ids=["a", "b"])
    assert [d["id"] for d in out] == ["a", "b"]
    assert analyzer.analyze([]) == []
    with pytest.raises(ValueError, match="ids"):
        analyzer.analyze(["x", "y"], ids=["only one"])


@pytest.mark.parametrize(
    "bad, index, error, words",
    [
        (None, 2, ValueError, "None"),
        (42, 1, TypeError, "int"),
        (b"bytes", 0, TypeError, "bytes"),
        ("ok \ud800 not", 3, ValueError, "surrogate"),
    ],
)
def test_bad_input_names_the_record(analyzer, bad, index, error, words):
    texts = ["fine", "also fine", "still fine", "and this"]
    texts[index] = bad
    with pytest.raises(error, match=f"record {index}.*{words}"):
        analyzer.analyze(texts)
    with pytest.raises(TypeError):
        analyzer.analyze("one string, not a list")


def test_bad_options_raise():
    with pytest.raises(ValueError, match="lang"):
        koe.Analyzer(lang="fr")
    with pytest.raises(ValueError, match="domain"):
        koe.Analyzer(domain="spaceships")
    with pytest.raises(ValueError):
        koe.Analyzer(taxonomy="/nonexistent/taxonomy.toml")
    with pytest.raises(ValueError, match="threads"):
        koe.Analyzer(threads=0)


def test_tokenize_equals_koe_tokenize(tmp_path):
    text = "配送が遅くて困りました。返金は早かったです"
    cli = json.loads(run_koe("tokenize", "--format", "json", str(write(tmp_path, text))))
    ours = koe.tokenize(text)
    assert [t["lemma"] for t in ours] == [t["lemma"] for t in cli["tokens"]]
    assert [(t["start"], t["end"], t["pos"]) for t in ours] == [
        (t["start"], t["end"], t["pos"]) for t in cli["tokens"]
    ]
    assert ours[0]["surface"] == "配送"
    with pytest.raises(ValueError, match="surrogate"):
        koe.tokenize("\udfff")


def test_sentiment_equals_koe_sentiment(tmp_path):
    for text in ["배송이 너무 느려요", "The support team was wonderful", "最悪でした"]:
        cli = json.loads(run_koe("sentiment", "--format", "json", str(write(tmp_path, text))))
        ours = koe.sentiment(text)
        cli.pop("line")
        assert ours == cli
    assert koe.sentiment("最悪でした")["label"] == "neg"
    with pytest.raises(ValueError, match="None"):
        koe.sentiment(None)
    with pytest.raises(TypeError):
        koe.sentiment(42)


def write(tmp_path, text):
    p = tmp_path / "in.txt"
    p.write_text(text + "\n", encoding="utf-8")
    return p
