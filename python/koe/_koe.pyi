"""Type stubs of the extension module ``koe._koe`` (Rust, PyO3). Offsets in every
result are UTF-8 byte offsets into the text, as in ``koe analyze``'s JSON."""

from __future__ import annotations

from os import PathLike
from typing import Any, Sequence, Union

_Path = Union[str, PathLike[str]]

__version__: str
ANALYSIS_SCHEMA: str
"""The schema tag of ``Analyzer.analyze``'s dicts (``koe.analysis/2``)."""
PARTIAL_SCHEMA: str
"""The schema tag of a partial report (``koe.partial/1``)."""

class Analyzer:
    """Analyses customer feedback: language, sentences, sentiment with its evidence,
    themes of the taxonomy with their sentiment and mentions, keyphrases, churn
    signals. The dictionaries and koe's lexicons load once per process and are shared
    by every Analyzer and thread."""

    def __init__(
        self,
        taxonomy: _Path | Sequence[_Path] | None = None,
        lexicon: _Path | Sequence[_Path] | None = None,
        lang: str = "auto",
        domain: str = "all",
        threads: int | None = None,
    ) -> None:
        """``taxonomy``/``lexicon``: extra files, as ``--taxonomy``/``--lexicon``;
        ``lang``: ``auto``, ``ja``, ``ko`` or ``en``; ``domain``: the taxonomy's domain
        packs (``all``, ``none`` or names separated by commas: support, ecommerce, apps,
        hotels, restaurants, movies); ``threads``: analysis threads (None: one per core,
        shared by every Analyzer; 1: only the calling thread, for one process per core
        as in Ray or Spark). Raises ValueError for an unknown value or a bad file."""

    def analyze(self, texts: Sequence[str], ids: Sequence[str] | None = None) -> list[dict[str, Any]]:
        """One dict per text in the ``koe.analysis`` schema, exactly what ``koe
        analyze`` writes per record (``id``: ``ids[i]``, else ``str(i)``). Raises
        ValueError (None, a lone surrogate such as ``"\\ud800"``) or TypeError (not a
        str) naming the record index; the GIL is released while it runs."""

    def analyze_arrow(
        self,
        data: Any,
        text: str | Sequence[str] = "text",
        rating: str | None = None,
        date: str | None = None,
        id: str | None = None,
        segments: Sequence[str] = (),
        scale: str | None = None,
        full: bool = False,
    ) -> Any:
        """A pyarrow Table of flat columns (one row per input row, in order) for a
        pyarrow Table or RecordBatch, a polars DataFrame (anything with
        ``__arrow_c_stream__``) or a pandas DataFrame. Columns: ``text`` (one or several,
        joined by a line break), ``rating`` (numbers, or strings such as ``4/5``;
        ``scale``: stars5, ten, nps or percent, else inferred as ``koe analyze`` does),
        ``date`` (Arrow dates or timestamps, or strings), ``id``, ``segments``. Read in
        place through the Arrow C data interface, analysed without the GIL in chunks of
        1024 rows. A null text raises ValueError naming the row. ``full=True`` adds the
        text and the nested ``sentences``, ``evidence`` and ``mentions`` columns (the
        columns of ``koe analyze --format parquet``; what ``Report.add`` reads)."""

    @property
    def domains(self) -> list[str]:
        """The domain packs of the taxonomy in use."""

    @property
    def themes(self) -> list[str]:
        """The ids of the taxonomy's themes."""

class Report:
    """A report over analysed records, as ``koe report`` makes it (without theme
    discovery: as ``koe report --discover 0``). Reports of parts of the data merge
    into the report of all of it; a Report pickles as its partial state
    (``koe.partial/1``), so Ray and Spark can ship it."""

    def __init__(
        self,
        analyzer: Analyzer | None = None,
        period: str = "month",
        segment: str | None = None,
        csat_top: int = 2,
        title: str = "Customer feedback report",
        labels: str = "auto",
    ) -> None:
        """``analyzer``: whose taxonomy the report counts (default ``Analyzer()``);
        ``period``: ``month`` or ``week``; ``segment``: a segment column to break the
        figures down by (``lang``: the language); ``csat_top``: CSAT's top boxes of a
        1–5 scale; ``labels``: ``auto``, ``en``, ``ja`` or ``ko``."""

    def add(self, analyses: Sequence[dict[str, Any]] | Any) -> None:
        """Adds analysed records: dicts in the ``koe.analysis`` schema (from
        ``Analyzer.analyze``, or ``koe analyze`` lines read with ``json.loads``), or
        Arrow data of ``Analyzer.analyze_arrow(..., full=True)`` (or ``koe analyze
        --format parquet``). Adds nothing when a record is not one (ValueError naming
        the record)."""

    def merge(self, other: Report) -> None:
        """Adds the records of another report (same taxonomy and settings). Commutative
        and associative: merged parts equal the report of the whole input."""

    @property
    def records(self) -> int:
        """Records added so far."""

    def to_json(self) -> str:
        """The report JSON (``koe.report/1``), as ``koe report --format json``."""

    def to_dict(self) -> dict[str, Any]:
        """The report JSON as a dict."""

    def to_html(self) -> str:
        """One self-contained HTML page, as ``koe report --format html``."""

    def to_markdown(self) -> str:
        """Markdown, as ``koe report --format md``."""

    def to_partial_json(self) -> str:
        """The partial report as ``koe report --partial`` writes it (for ``koe report
        merge``)."""

def tokenize(text: str, lang: str = "auto") -> list[dict[str, Any]]:
    """Tokens with ``surface``, ``norm``, ``lemma``, ``pos``, ``tag``, ``start``,
    ``end``, ``stop`` and ``negator``, as ``koe tokenize --format json``."""

def sentiment(text: str, lang: str = "auto") -> dict[str, Any]:
    """``lang``, ``score`` (−1..1), ``label`` (pos, neu, neg), ``confidence``,
    ``sentences`` and ``evidence``, as ``koe sentiment --format json``."""
