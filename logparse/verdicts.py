"""The per-version summary an SRE reads first, and what its numbers mean in words.

:func:`version_summary` is the serverless-list table (one row per function version), with
:func:`missing_reasons` saying why a cell is empty (the page shows "n/a" and the reason, never a
bare "None" or "$0"); :func:`verdicts` turns the summary and :func:`logparse.cost.compare_options`
into sentences ("SnapStart buys latency, not savings here", "version 9 restores 13% slower than 8").
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pandas as pd

from logparse import lifetimes, metrics
from logparse.series import CHARGES, series_frame, with_series
from logparse.series import maybe as _maybe
from logparse.tables import Tables

# Why a $LATEST row has no SnapStart cost (the page shows it next to "n/a").
LATEST_NO_SNAPSHOT = "$LATEST has no snapshot: SnapStart applies to published versions"

# Fewer restores than this in a version and its restore percentiles are not compared with another's.
MIN_COMPARABLE_RESTORES = 5
# Restore p50s within this fraction of each other read as "alike", not as a change.
SAME_RESTORE_SHARE = 0.10
SUMMARY_COLUMNS = ("series", "function", "version", "invocations", "restore_share", "restore_ms_p50",
                   "restore_ms_p99", "billed_restore_s", "errors", "timeouts", "failed_restores",
                   "snapstart_cost_usd", "hook_headroom_ms")

def version_summary(tables: Tables, costs_long: pd.DataFrame | None = None,
                    hooks: pd.DataFrame | None = None, failed: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per function/version, the serverless-list view: :data:`SUMMARY_COLUMNS`, most
    invocations first.

    ``restore_share`` is restores / invocations; ``billed_restore_s`` the sum of Billed Restore
    Duration; ``snapstart_cost_usd`` cache + restore charges from :func:`cost_long` (``<NA>`` where
    nothing could be priced, and always for ``$LATEST``); ``hook_headroom_ms`` the X-Ray headroom to the 10 s hook limit
    (``<NA>`` without traces). Errors and timeouts are REPORT statuses; failed restores are
    RESTORE_REPORTs whose status is not success.
    """
    per = metrics.by_version(tables.invocations)
    out = series_frame(per)[["series", "function", "version", "invocations"]].copy()
    invocations = per["invocations"].astype("float64")
    out["restore_share"] = (per["restore"].astype("float64") / invocations.where(invocations > 0)).astype("Float64")
    out["restore_ms_p50"] = per["restore_ms_p50"]
    out["restore_ms_p99"] = per["restore_ms_p99"]
    out["billed_restore_s"] = (per["billed_restore_ms_sum"].astype("float64") / 1000.0).astype("Float64")
    if failed is None:
        failed = metrics.failures(tables.invocations, tables.restores)
    counts = (series_frame(failed).groupby(["series", "outcome"], observed=True).size().unstack(fill_value=0)
              if len(failed) else pd.DataFrame())
    for outcome, column in (("errors", "errors"), ("timeouts", "timeouts"), ("failed restores", "failed_restores")):
        found = counts[outcome] if outcome in counts.columns else pd.Series(dtype="int64")
        out[column] = out["series"].map(found).fillna(0).astype("int64")
    if costs_long is not None and len(costs_long):
        snap = costs_long[costs_long["charge"].isin([CHARGES["cache_cost_usd"], CHARGES["restore_cost_usd"]])]
        priced = snap.groupby("series")["cost_usd"].sum(min_count=1)
        out["snapstart_cost_usd"] = out["series"].map(priced).astype("Float64")
    else:
        out["snapstart_cost_usd"] = pd.array([pd.NA] * len(out), dtype="Float64")
    # $LATEST is never snapshotted: a SnapStart cost there is not zero, it does not exist.
    latest = (out["version"] == lifetimes.LATEST).fillna(False).to_numpy(dtype=bool)
    out["snapstart_cost_usd"] = out["snapstart_cost_usd"].mask(latest).astype("Float64")
    if hooks is not None and len(hooks) and "headroom_ms" in hooks.columns:
        headroom = with_series(hooks).set_index("series")["headroom_ms"]
        out["hook_headroom_ms"] = out["series"].map(headroom).astype("Float64")
    else:
        out["hook_headroom_ms"] = pd.array([pd.NA] * len(out), dtype="Float64")
    out = out.sort_values("invocations", ascending=False, kind="stable").reset_index(drop=True)
    return out[list(SUMMARY_COLUMNS)]


def _money(value: float) -> str:
    """Dollars with cents, or four decimals under a cent (never \"$0.00\" for a real charge)."""
    return f"${value:,.2f}" if abs(value) >= 0.01 else f"${value:,.4f}"


def verdicts(summary: pd.DataFrame, comparison: pd.DataFrame) -> pd.DataFrame:
    """What each version's numbers mean, in words: ``series, verdict`` (one sentence per row,
    several rows per version, in :func:`version_summary` order).

    From :func:`logparse.cost.compare_options`: whether SnapStart pays for itself or buys latency
    only, and the traffic above which Provisioned Concurrency is cheaper; from the summary: how the
    version restores compared with the previous version of the same function, and its failures.
    """
    rows: list[tuple[str, str]] = []
    by_option: dict[str, pd.DataFrame] = {}
    if len(comparison):
        frame = with_series(comparison)
        by_option = {str(series): group.set_index("option")
                     for series, group in frame.groupby("series", sort=False)}
    previous = _previous_versions(summary)
    for row in summary.itertuples(index=False):
        series = str(row.series)
        options = by_option.get(series)
        if options is not None:
            rows.extend((series, text) for text in _option_verdicts(options, str(row.version)))
        earlier = previous.get(series)
        if earlier is not None:
            rows.append((series, _restore_change(row, earlier)))
        failures = [plural_words(int(getattr(row, name)), word) for name, word in (
            ("errors", "error"), ("timeouts", "timeout"), ("failed_restores", "failed restore"))
            if getattr(row, name)]
        if failures:
            rows.append((series, ", ".join(failures) + " in this selection"))
    return pd.DataFrame(rows, columns=["series", "verdict"]).astype("string")


def plural_words(n: int, one: str) -> str:
    """``1 error``, ``2 errors``: verdicts read like sentences."""
    return f"{n:,} {one if n == 1 else one + 's'}"


def _option_verdicts(options: pd.DataFrame, version: str) -> list[str]:
    """SnapStart against on-demand, and Provisioned Concurrency's break-even, for one version."""
    out: list[str] = []
    snap = options.loc["snapstart"] if "snapstart" in options.index else None
    demand = options.loc["on-demand"] if "on-demand" in options.index else None
    if snap is not None and demand is not None:
        snap_usd, demand_usd = _maybe(snap["total_cost_usd"]), _maybe(demand["total_cost_usd"])
        colds = int(_maybe(snap["cold_starts"]) or 0)
        prefix = "If published as a version: " if version == lifetimes.LATEST else ""
        if snap_usd is None or demand_usd is None:  # before counting cold starts: undated ones count none
            note = str(snap.get("note") or "").split(";")[0].removeprefix("cannot compare SnapStart with on-demand: ")
            out.append(f"{prefix}SnapStart vs on-demand: n/a ({note or 'a duration is missing'})")
        elif colds == 0:
            out.append(f"{prefix}no cold starts observed: SnapStart only adds its cache charge here")
        else:
            p99 = _maybe(snap["cold_start_p99_ms"])
            p99_demand = _maybe(demand["cold_start_p99_ms"])
            latency = (f"cold starts p99 {p99:,.0f} ms instead of {p99_demand:,.0f} ms"
                       if p99 is not None and p99_demand is not None else "")
            if snap_usd > demand_usd:
                out.append(f"{prefix}SnapStart buys latency, not savings here: "
                           f"{_money(snap_usd - demand_usd)} more than on-demand" + (f", {latency}" if latency else ""))
            else:
                out.append(f"{prefix}SnapStart saves {_money(demand_usd - snap_usd)} against on-demand"
                           + (f" and gives {latency}" if latency else ""))
    rate = _maybe(options["pc_break_even_invocations_per_hour"].iloc[0]) if (
        "pc_break_even_invocations_per_hour" in options.columns) else None
    observed = _maybe(options["observed_invocations_per_hour"].iloc[0]) if (
        "observed_invocations_per_hour" in options.columns) else None
    if rate is not None:
        seen = f" (observed {observed:,.0f}/hour)" if observed is not None else ""
        out.append(f"Provisioned Concurrency becomes cheaper above {rate:,.0f} invocations/hour{seen}")
    elif observed is not None:
        out.append("Provisioned Concurrency never costs less at this traffic shape")
    return out


def _previous_versions(summary: pd.DataFrame) -> dict[str, Any]:
    """For each version with enough restores, the previous version of its function that has too."""
    enough = summary[summary["restore_share"].fillna(0).astype(float) * summary["invocations"]
                     >= MIN_COMPARABLE_RESTORES]
    enough = enough[enough["restore_ms_p50"].notna().to_numpy(dtype=bool) & (enough["version"] != lifetimes.LATEST)]
    out: dict[str, Any] = {}  # series -> the earlier version's summary row (a named tuple)
    for _, group in metrics.sort_versions(enough).groupby("function", sort=False):
        for earlier, later in pairwise(group.itertuples(index=False)):
            out[str(later.series)] = earlier
    return out


def _restore_change(row: Any, earlier: Any) -> str:
    """How ``row`` restores compared with ``earlier`` (summary rows), in words."""
    now, before = float(row.restore_ms_p50), float(earlier.restore_ms_p50)
    change = now / before - 1.0 if before else 0.0
    detail = f"p50 {now:,.0f} ms vs {before:,.0f} ms"
    if abs(change) < SAME_RESTORE_SHARE:
        return f"version {row.version} restores like version {earlier.version} ({detail})"
    word = "slower" if change > 0 else "faster"
    return f"version {row.version} restores {abs(change):.0%} {word} than version {earlier.version} ({detail})"


# Why a summary cell is empty, per column, when the row itself gives no better reason.
MISSING = {
    "restore_share": "no invocations",
    "restore_ms_p50": "no restores from a snapshot in this selection",
    "restore_ms_p99": "no restores from a snapshot in this selection",
    "billed_restore_s": "no Billed Restore Duration in these lines",
    "snapstart_cost_usd": "nothing to price in this selection",
    "hook_headroom_ms": "no X-Ray traces of its restores loaded",
}


def missing_reasons(summary: pd.DataFrame, cost_note: str | None = None) -> pd.DataFrame:
    """Why each empty cell of :func:`version_summary` is empty: ``series, column, reason``, one row
    per empty cell, in summary order. ``cost_note`` (:func:`logparse.views.cost_unavailable`) is the
    selection's reason when no cost could be computed at all; ``$LATEST`` has its own."""
    rows: list[tuple[str, str, str]] = []
    for column, default in MISSING.items():
        if column not in summary.columns:
            continue
        empty = summary[column].isna().to_numpy(dtype=bool)
        for series, version in summary.loc[empty, ["series", "version"]].itertuples(index=False, name=None):
            reason = default
            if version == lifetimes.LATEST and column == "snapstart_cost_usd":
                reason = LATEST_NO_SNAPSHOT
            elif version == lifetimes.LATEST and column.startswith("restore_ms"):
                reason = "$LATEST never restores from a snapshot"
            elif column == "snapstart_cost_usd" and cost_note:
                reason = cost_note
            rows.append((str(series), column, reason))
    return pd.DataFrame(rows, columns=["series", "column", "reason"]).astype("string")
