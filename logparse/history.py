"""The dashboard's deploy-history views (issue 15): the regression gate between consecutive
versions, runtime re-patches, and the 30-day projection per option, each with the reason when
there is nothing to show.

The logic lives in :mod:`logparse.gate`, :mod:`logparse.repatch` and :mod:`logparse.projection`;
this module only labels their frames for the page (``series``, person-readable verdicts) and says
why a view is empty, in the user's terms.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from logparse import gate, lifetimes, pricetable, projection, repatch
from logparse.series import with_series
from logparse.tables import Tables
from logparse.verdicts import LATEST_NO_SNAPSHOT


@dataclass(frozen=True)
class Shown:
    """A frame for the page and, when it is empty (or partly so), why, in words."""

    frame: pd.DataFrame
    empty_reason: str | None = None


def _restored(tables: Tables) -> pd.DataFrame:
    inv = tables.invocations
    return inv.loc[inv["restore_ms"].notna().to_numpy(dtype=bool), ["function", "version"]].dropna()


def regressions(tables: Tables, *, max_regression: float = gate.DEFAULT_MAX_REGRESSION,
                min_restores: int = gate.DEFAULT_MIN_RESTORES) -> Shown:
    """:func:`logparse.gate.consecutive`: each version against the previous one of its function,
    judged as ``python -m logparse check`` would (restore p99, billed restore p50)."""
    frame = gate.consecutive(tables, max_regression=max_regression, min_restores=min_restores)
    if len(frame):
        return Shown(frame)
    restored = _restored(tables).drop_duplicates()
    if not len(tables.invocations):
        return Shown(frame, "no invocations in this selection")
    if not len(restored):
        return Shown(frame, "no restores from a snapshot in this selection: the gate compares restore "
                            "latency, so it needs SnapStart versions that restored")
    return Shown(frame, "no function has two versions that restored in this selection: a comparison "
                        "needs a version and the one before it (widen the time range or pick more versions)")


def runtime_versions(tables: Tables) -> tuple[Shown, Shown]:
    """The runtime-version timeline (:func:`logparse.repatch.runtime_timeline`) and its re-patches
    (:func:`logparse.repatch.repatches`), each with the reason when empty."""
    timeline = repatch.runtime_timeline(tables)
    found = repatch.repatches(tables, timeline)
    if not len(timeline):
        why = ("no INIT_START or RESTORE_START line with a Runtime Version and a time in this selection: "
               "console copies without times, or logs without those lines, cannot show runtime versions")
        return Shown(timeline, why), Shown(found, why)
    if not len(found):
        return Shown(with_series(timeline)), Shown(found, "every version ran one runtime version "
                                                         "throughout this selection")
    return Shown(with_series(timeline)), Shown(with_series(found))


def projections(tables: Tables, prices: pricetable.Prices, days: int = projection.DAYS) -> Shown:
    """:func:`logparse.projection.project` of the selection: the next ``days`` per version and
    option, with its range. ``$LATEST``'s SnapStart row has no cost (no snapshot)."""
    inv = tables.invocations
    if not len(inv):
        return Shown(_empty_projection(), "no invocations in this selection to project from")
    if inv["timestamp"].isna().all():
        return Shown(_empty_projection(), "these lines carry no time: a projection needs the traffic per hour")
    frame = with_series(projection.project(tables, prices, days=days))
    if not len(frame):
        return Shown(frame, "nothing could be priced in this selection")
    latest = ((frame["version"] == lifetimes.LATEST) & (frame["option"] == "snapstart")).fillna(False)
    return Shown(frame, LATEST_NO_SNAPSHOT if bool(latest.any()) else None)


def _empty_projection() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in projection.COLUMNS.items()})
