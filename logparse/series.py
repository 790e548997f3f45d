"""How a person names a function version and a charge: ``function:version`` labels and bill words.

Shared by :mod:`logparse.views`, :mod:`logparse.verdicts` and :mod:`logparse.history`, so every
table and chart of the dashboard names a version the same way (and so gives it the same colour).
"""

from __future__ import annotations

import pandas as pd

# Cost components of cost.cost_over_time, named the way a bill names them.
CHARGES = {
    "cache_cost_usd": "cache",
    "restore_cost_usd": "restore",
    "billed_restore_cost_usd": "billed restore duration",
}


def series_label(function: pd.Series, version: pd.Series) -> pd.Series:
    """``function:version``, the name a person uses for one published version."""
    return function.astype("string").fillna("unknown") + ":" + version.astype("string").fillna("unknown")


def series_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (with ``function`` and ``version`` columns) plus its ``series`` label."""
    return frame.assign(series=series_label(frame["function"], frame["version"]))


def with_series(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` plus a ``series`` (function:version) column, for per-version charts; a frame
    without those columns (or rows) is returned as it is."""
    if not len(frame) or not {"function", "version"} <= set(frame.columns):
        return frame
    return series_frame(frame)


def maybe(value: object) -> float | None:
    """A number as a float, or None for a missing one (``None``, ``<NA>``, NaN, NaT)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    number = float(value)  # type: ignore[arg-type]  # a pandas/numpy scalar: float() says if it is not one
    return None if number != number else number
