"""The ``summary`` result: one JSON-ready dict per the DESIGN.md contract, built from the tables.

Lives in the library so the CLI, the dashboard and tests all read the same numbers.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from logparse import cost, metrics, pricetable, projection, repatch
from logparse.errors import SnapLensError
from logparse.tables import Tables


def _number(value: Any) -> float | int | None:
    """JSON-safe scalar: pandas <NA>/NaN become None, numpy numbers plain Python."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):
        value = value.item()
    return round(value, 6) if isinstance(value, float) else value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: times ISO-8601 UTC, missing values None."""
    out: list[dict[str, Any]] = []
    for row in frame.to_dict(orient="records"):
        out.append({str(k): v.isoformat() if isinstance(v, pd.Timestamp) else _number(v) if not isinstance(v, str)
                    else v for k, v in row.items()})
    return out


def _quantiles(row: pd.Series, prefix: str, keys: tuple[str, ...]) -> dict[str, float | None]:
    return {key: _number(row.get(f"{prefix}_{key}")) for key in keys}


COMPARISON_COLUMNS = ("function", "version", "option", "total_cost_usd", "cold_starts", "cold_start_p50_ms",
                      "cold_start_p99_ms", "pc_concurrency", "cheapest", "note")


def _comparison(options: pd.DataFrame) -> list[dict[str, Any]]:
    """SnapStart vs on-demand vs Provisioned Concurrency for the observed traffic, per version."""
    if options.empty:
        return []
    return [{column: _number(row[column]) for column in COMPARISON_COLUMNS if column in options.columns}
            for _, row in options.iterrows()]  # three rows per version


HOOK_COLUMNS = ("restores_traced", "hook_ms_p50", "hook_ms_p99", "hook_ms_max", "failures", "failed_restores",
                "worst_ms", "headroom_ms", "limit_share", "worst_trace_id", "measured_from")


def _hooks(tables: Tables) -> dict[tuple[str, str], dict[str, Any]]:
    """After-restore hooks per version, from X-Ray and from the restore failures of the logs
    (None where no restore was traced and none failed)."""
    from logparse import hooks

    frame = hooks.hook_analysis(tables.spans, tables.invocations, tables.restores)
    return {(row["function"], row["version"]): {c: _number(row[c]) for c in HOOK_COLUMNS if c in frame.columns}
            for _, row in frame.iterrows()}


def summary(tables: Tables, prices: pricetable.Prices) -> dict[str, Any]:
    """Per function/version counts, restore/init percentiles, billed restore time and cost."""
    per_version = metrics.by_version(tables.invocations)
    costs = cost.cost_by_version(tables, prices, versions=tables.versions if len(tables.versions) else None)
    if len(costs):
        per_version = per_version.merge(costs, on=["function", "version"], how="left",
                                        suffixes=("", "_cost"))
    functions = []
    for _, row in per_version.iterrows():  # one row per function/version: a handful
        entry: dict[str, Any] = {
            "function": row["function"],
            "version": row["version"],
            "invocations": _number(row["invocations"]),
            "warm": _number(row["warm"]),
            "init": _number(row["init"]),
            "restore": _number(row["restore"]),
            "cold_start_rate": _number(row.get("cold_start_rate")),
            "restore_ms": _quantiles(row, "restore_ms", metrics.STATS),
            "billed_restore_ms_sum": _number(row["billed_restore_ms_sum"]) or 0.0,
            "init_ms": _quantiles(row, "init_ms", metrics.STATS),
            "memory_mb": _number(row.get("memory_mb")),
        }
        entry.update({name: _number(row.get(name)) for name in cost.COST_COLUMNS})
        functions.append(entry)
    notes = list(prices.notes())
    notes.extend(note for note in (costs.attrs.get("assumptions", []) if len(costs) else []) if note not in notes)
    if len(costs):
        unknown = costs[costs["snapstart"] & costs["cached_seconds"].isna().to_numpy(dtype=bool)]
        notes.extend(f"cost n/a for {row.function}:{row.version}: its lines carry no time, so how long its "
                     "snapshot was cached is unknown (logs with timestamps, or a live fetch, tell)"
                     for row in unknown.itertuples())
    untimed = metrics.untimed_rows(tables)
    if untimed:
        notes.append(metrics.UNTIMED_NOTE.format(n=f"{untimed:,}")
                     + " (counted here, left out of time buckets such as metrics.csv)")
    if (tables.invocations["function"] == "unknown").any():
        notes.append("some invocations have no function name (the input carries no log group): "
                     "pass --function NAME")
    result = {
        "functions": functions,
        "lines": tables.stats.as_dict(),
        "rejects": len(tables.rejects),
        "region": prices.region,
        "architecture": prices.arch,
        "notes": notes,
    }
    versions = tables.versions if len(tables.versions) else None
    options = cost.compare_options(tables, prices, versions=versions)
    result["comparison"] = _comparison(options)
    projected = projection.project(tables, prices, versions, options=options)
    result["projection"] = _records(projected)
    if len(projected):
        notes.extend(projection.NOTES)
    hooks = _hooks(tables)
    for entry in functions:
        entry["after_restore_hooks"] = hooks.get((entry["function"], entry["version"]))
    timeline = repatch.runtime_timeline(tables)
    result["runtime_versions"] = _records(timeline)
    result["repatches"] = _records(repatch.repatches(tables, timeline))
    if tables.xray_join:
        result["xray"] = dict(tables.xray_join)
    return result


EVENT_TABLES = ("invocations", "inits", "restores", "spans")


def nothing_usable(loaded: Tables, selected: Tables, function: str | None = None,
                   since: pd.Timestamp | None = None, until: pd.Timestamp | None = None) -> SnapLensError | None:
    """Why ``selected`` holds no event, as an error to print (None when it holds some).

    The README promises exit 1 when nothing usable was found: random bytes, application output
    only, a ``--function`` or time range that matches nothing all read "successfully" and would
    otherwise end in an empty table and exit 0.
    """
    if any(len(getattr(selected, name)) for name in EVENT_TABLES):
        return None
    if any(len(getattr(loaded, name)) for name in EVENT_TABLES):
        found = sorted({str(f) for name in ("invocations", "inits", "restores")
                        for f in getattr(loaded, name)["function"].dropna()})
        if function and function not in found:
            return SnapLensError(f"no events of function {function!r} in the input",
                                 f"functions found: {', '.join(found[:10]) or 'none named'}; check --function")
        stamps = pd.concat([loaded.invocations["timestamp"], loaded.inits["timestamp"],
                            loaded.restores["timestamp"], loaded.spans["start"]]).dropna()
        span = f"the input runs from {stamps.min():%Y-%m-%dT%H:%M:%SZ} to {stamps.max():%Y-%m-%dT%H:%M:%SZ}" \
            if len(stamps) else "the input has no timestamps"
        return SnapLensError("no events in the selected time range", f"{span}; widen --since / --until")
    stats = loaded.stats
    if stats.lines == 0:
        return SnapLensError("nothing usable found: the input is empty",
                             "give a file, folder or glob of CloudWatch log exports")
    if stats.parsed:
        return SnapLensError(f"nothing usable found: the {stats.parsed:,} platform lines read hold no "
                             "REPORT, INIT_* or RESTORE_* record",
                             "REPORT lines carry the invocations: give the whole log, not a filtered part")
    return SnapLensError(
        f"nothing usable found: {stats.lines:,} lines read, none a Lambda platform line "
        f"({stats.skipped:,} application or blank, {stats.rejected:,} rejected)",
        "give CloudWatch logs of a Lambda function or X-Ray traces; 'What it reads' in the README "
        "lists the formats")
