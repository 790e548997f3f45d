"""How long the dashboard's per-widget-change aggregation takes on 1,000,000 invocations.

    python benchmarks/bench_dashboard.py [--invocations 1000000] [--runs 5]

Every filter change in the dashboard lists the sidebar's choices (functions, versions, time range)
and runs :func:`logparse.views.build` (select, bucket, percentiles, costs, option comparison, ECDF,
init vs restore, hooks) on the parsed tables; that is what is timed here. Parsing is cached by
content and benchmarked elsewhere (bench_parse.py); drawing gets frames of a few thousand rows.
The interactivity budget is 2 s per widget change. Three cases: the whole load, one function, and
one version over the last week (a narrow selection still scans every row).
The tables are synthetic but shaped like a month of two busy SnapStart functions: three published
versions each, ~0.5 % restores, a few on-demand inits, X-Ray traces on 5 % of restores.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from logparse import pricetable, views
from logparse.tables import INITS, INVOCATIONS, RESTORES, Tables, classify_start, conform

BUDGET_S = 2.0
FUNCTIONS = ("orders-api", "thumbnailer")
VERSIONS = ("1", "2", "3")


def synthetic_tables(n: int, seed: int = 7, days: int = 30) -> Tables:
    """``n`` invocations over ``days`` days ending 2026-11-01, plus their restores and snapshot inits."""
    rng = np.random.default_rng(seed)
    end = pd.Timestamp("2026-11-01", tz="UTC")
    start = end - pd.Timedelta(days=days)
    offsets = np.sort(rng.integers(0, days * 86_400_000_000_000, n))
    timestamp = pd.to_datetime(start.value + offsets, utc=True)
    function = rng.choice(FUNCTIONS, n, p=[0.7, 0.3])
    # Later versions take over as they are published: version index grows with time.
    version = np.minimum((offsets / offsets.max() * 3 + rng.normal(0, 0.2, n)).astype(int).clip(0), 2)
    version = np.asarray(VERSIONS)[version]
    kind = rng.choice(np.array(["warm", "restore", "init"]), n, p=[0.994, 0.005, 0.001])
    restore = kind == "restore"
    init = kind == "init"
    duration = rng.lognormal(np.log(40), 0.6, n)
    restore_ms = np.where(restore, rng.lognormal(np.log(650), 0.35, n), np.nan)
    billed_restore = np.where(restore, np.ceil(rng.lognormal(np.log(90), 0.4, n)), np.nan)
    init_ms = np.where(init, rng.lognormal(np.log(4200), 0.25, n), np.nan)
    billed = np.ceil(duration) + np.nan_to_num(billed_restore)
    traced = restore & (rng.random(n) < 0.05)
    invocations = pd.DataFrame({
        "timestamp": timestamp,
        "function": function,
        "version": version,
        "log_stream": "2026/10/01/[" + pd.Series(version) + "]" + pd.Series(rng.integers(0, 500, n)).astype(str),
        "request_id": pd.Series(np.arange(n)).astype(str),
        "duration_ms": duration,
        "billed_duration_ms": billed,
        "memory_mb": np.where(function == FUNCTIONS[0], 512, 1024),
        "max_memory_mb": 180,
        "init_ms": init_ms,
        "restore_ms": restore_ms,
        "billed_restore_ms": billed_restore,
        "status": "success",
        "trace_id": np.where(traced, "1-trace", None),
        "xray_restore_ms": np.where(traced, restore_ms * 0.97, np.nan),
        "source": "synthetic",
        "line": np.arange(n),
    })
    invocations = conform(invocations, INVOCATIONS)
    invocations["start_kind"] = classify_start(invocations["init_ms"], invocations["restore_ms"])
    restores = conform(invocations.loc[restore, ["timestamp", "function", "version", "restore_ms"]]
                       .assign(status="success", source="synthetic"), RESTORES)
    published = invocations.groupby(["function", "version"], as_index=False)["timestamp"].min()
    inits = conform(published.assign(timestamp=published["timestamp"] - pd.Timedelta(minutes=5),
                                     init_kind="snapshot", status="success", source="synthetic",
                                     init_ms=rng.lognormal(np.log(4500), 0.2, len(published))), INITS)
    return Tables(invocations=invocations, inits=inits, restores=restores)


def widget_change(tables: Tables, selection: views.Selection, prices: pricetable.Prices) -> views.Views:
    """What dashboard.py computes on a rerun after a filter change."""
    views.functions(tables)
    views.versions(tables, selection.functions)
    views.time_range(tables)
    return views.build(tables, selection, prices)


def timed(fn, runs: int) -> list[float]:
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - started)
    return seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invocations", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    tables = synthetic_tables(args.invocations)
    print(f"synthetic tables: {len(tables.invocations):,} invocations, {len(tables.restores):,} restores "
          f"({time.perf_counter() - started:.1f} s to build)")
    prices = pricetable.load_prices().lookup("us-east-1", "x86_64")
    _, last = views.time_range(tables)
    cases = {
        "whole load": views.Selection(),
        "one function": views.Selection(functions=(FUNCTIONS[0],)),
        "one version, last 7 days": views.Selection(functions=(FUNCTIONS[0],), versions=("3",),
                                                     start=last - pd.Timedelta(days=7)),
    }
    widget_change(tables, cases["whole load"], prices)  # warm-up: imports, first allocations
    worst = 0.0
    print(f"per widget change (sidebar choices + views.build), median of {args.runs} runs "
          f"(budget {BUDGET_S:.1f} s):")
    for name, selection in cases.items():
        seconds = timed(lambda s=selection: widget_change(tables, s, prices), args.runs)
        median = statistics.median(seconds)
        worst = max(worst, median)
        print(f"  {name:<26} {median:6.3f} s  (min {min(seconds):.3f}, max {max(seconds):.3f})")
    verdict = "within" if worst <= BUDGET_S else "OVER"
    print(f"worst median {worst:.3f} s: {verdict} the {BUDGET_S:.1f} s budget ({worst / BUDGET_S:.0%} of it)")
    return 0 if worst <= BUDGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
