"""koe (声): sentiment, themes and survey metrics for Japanese, Korean and English
customer feedback, in Python.

The Rust library of the `koe` command, built with PyO3: the same analysis, the same
``koe.analysis`` JSON and the same reports as ``koe analyze`` and ``koe report``.

    >>> import koe
    >>> analyzer = koe.Analyzer()
    >>> [a["sentiment"]["label"] for a in analyzer.analyze(["配送が遅くて最悪です"])]
    ['neg']

``Analyzer.analyze_arrow`` takes a pyarrow Table or RecordBatch, a polars DataFrame
or a pandas DataFrame and returns a pyarrow Table of flat columns.
"""

from __future__ import annotations

from typing import Any

from . import _koe
from ._koe import (
    ANALYSIS_SCHEMA,
    PARTIAL_SCHEMA,
    Report,
    __version__,
    sentiment,
    tokenize,
)

__all__ = [
    "ANALYSIS_SCHEMA",
    "PARTIAL_SCHEMA",
    "Analyzer",
    "Report",
    "__version__",
    "sentiment",
    "tokenize",
]


def _arrow_input(data: Any) -> Any:
    """pandas DataFrames become pyarrow Tables; Arrow data (pyarrow, polars, anything
    with ``__arrow_c_stream__`` or ``__arrow_c_array__``) is passed on as it is."""
    if hasattr(data, "__arrow_c_stream__") or hasattr(data, "__arrow_c_array__"):
        return data
    module = type(data).__module__ or ""
    if module.startswith("pandas"):
        import pyarrow as pa

        return pa.Table.from_pandas(data, preserve_index=False)
    return data


class Analyzer(_koe.Analyzer):
    __doc__ = _koe.Analyzer.__doc__

    def analyze_arrow(
        self,
        data: Any,
        text: str | list[str] = "text",
        rating: str | None = None,
        date: str | None = None,
        id: str | None = None,
        segments: list[str] | tuple[str, ...] = (),
        scale: str | None = None,
        full: bool = False,
    ) -> Any:
        """Analyses Arrow data (a pyarrow Table or RecordBatch, a polars or pandas
        DataFrame): the ``text`` column(s), and optionally ``rating``, ``date``, ``id``
        and ``segments`` → a pyarrow Table of flat columns (``full=True``: also the text
        and the nested sentences, evidence and mentions, what ``Report.add`` reads).
        The input is read through the Arrow C data interface in place; the analysis
        runs without the GIL."""
        return super().analyze_arrow(
            _arrow_input(data),
            text=text,
            rating=rating,
            date=date,
            id=id,
            segments=list(segments),
            scale=scale,
            full=full,
        )
