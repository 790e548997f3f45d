"""Speed of metrics and costs over a month of busy traffic, in one run.

    python benchmarks/bench_metrics.py [--rows 1000000] [--versions 20] [--days 30] [--runs 3]

Builds (seeded, in memory) an invocations table of ``--rows`` REPORTs spread over ``--versions``
SnapStart versions of 4 functions across ``--days`` days (about 2% restores, 0.5% on-demand
inits, a snapshot INIT_REPORT per version), then times, as the dashboard and ``export`` run them:

  metrics.by_version, metrics.over_time (auto bucket), cost.cost_by_version,
  cost.cost_over_time (auto bucket), cost.compare_options

Every run starts from freshly built string columns (nothing memoized from the previous run).
Prints the median of ``--runs`` runs per step and in total, in wall seconds and input rows/s, and
the process CPU seconds (less disturbed when other work shares the machine; the steps are
single-threaded, so on an idle machine wall ~= CPU). Target: the total under 1 s for 1,000,000
rows on the 2-core reference machine.
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

from logparse import cost, metrics, pricetable
from logparse.tables import INITS, INVOCATIONS, Tables, conform

START = pd.Timestamp("2026-10-01T00:00:00Z")


def synthetic(rows: int, versions: int, days: int, seed: int = 6) -> Tables:
    """Seeded synthetic traffic with the tables' exact dtypes."""
    rng = np.random.default_rng(seed)
    functions = np.array([f"fn-{i}" for i in range(4)])
    version_of = rng.integers(0, versions, rows)
    span_ns = pd.Timedelta(days=days).value
    # Versions are published one after another: version v serves from v/versions of the span on.
    publish_ns = (np.arange(versions) * span_ns // (versions + 1)).astype(np.int64)
    offset = publish_ns[version_of] + (rng.random(rows) * (span_ns - publish_ns[version_of])).astype(np.int64)
    kind = rng.choice(np.array(["warm", "restore", "init"]), rows, p=[0.975, 0.02, 0.005])
    duration = rng.gamma(2.0, 40.0, rows).round(2)
    restore = np.where(kind == "restore", rng.normal(700, 120, rows).clip(200).round(2), np.nan)
    billed_restore = np.where(kind == "restore", rng.normal(90, 20, rows).clip(10).round(), np.nan)
    init = np.where(kind == "init", rng.normal(4500, 600, rows).clip(1000).round(2), np.nan)
    billed = np.ceil(duration) + np.nan_to_num(billed_restore)
    memory = np.array([256, 512, 1024, 2048])[version_of % 4]
    invocations = pd.DataFrame({
        "timestamp": pd.to_datetime(START.value + offset, utc=True),
        "function": pd.array(functions[version_of % 4], dtype="string"),
        "version": pd.array((version_of // 4 + 1).astype(str), dtype="string"),
        "duration_ms": duration, "billed_duration_ms": billed, "memory_mb": memory,
        "init_ms": init, "restore_ms": restore, "billed_restore_ms": billed_restore,
        "start_kind": pd.array(kind, dtype="string"),
    })
    inits = pd.DataFrame({
        "timestamp": pd.to_datetime(START.value + publish_ns, utc=True),
        "function": functions[np.arange(versions) % 4], "version": (np.arange(versions) // 4 + 1).astype(str),
        "init_kind": "snapshot", "init_ms": 3000.0,
    })
    return Tables(invocations=conform(invocations, INVOCATIONS), inits=conform(inits, INITS))


def fresh(tables: Tables) -> Tables:
    """The same tables with newly built string columns, so the per-array factorization memo
    (metrics.factorize) starts cold in every run, as it does in a new process."""
    inv = tables.invocations.copy()
    for name in ("function", "version", "start_kind"):
        inv[name] = pd.array(inv[name].to_numpy(dtype=object), dtype="string")
    return Tables(invocations=inv, inits=tables.inits, restores=tables.restores)


def steps(tables: Tables, prices: pricetable.Prices) -> dict[str, callable]:
    inv = tables.invocations
    return {
        "metrics.by_version": lambda: metrics.by_version(inv),
        "metrics.over_time": lambda: metrics.over_time(inv),
        "cost.cost_by_version": lambda: cost.cost_by_version(tables, prices),
        "cost.cost_over_time": lambda: cost.cost_over_time(tables, prices),
        "cost.compare_options": lambda: cost.compare_options(tables, prices),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--versions", type=int, default=20)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    tables = synthetic(args.rows, args.versions, args.days)
    prices = pricetable.load_prices().lookup("us-east-1", "x86_64")
    timings: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    for _ in range(args.runs + 1):  # the first run warms imports and caches; not counted
        for name, step in steps(fresh(tables), prices).items():
            began, began_cpu = time.perf_counter(), time.process_time()
            result = step()
            timings.setdefault(name, []).append(time.perf_counter() - began)
            cpu.setdefault(name, []).append(time.process_time() - began_cpu)
            assert len(result)
    for per_step in (timings, cpu):
        per_step["total"] = [sum(run) for run in zip(*per_step.values(), strict=True)]
    print(f"{args.rows:,} invocations, {args.versions} versions, {args.days} days; "
          f"median of {args.runs} runs (after 1 warm-up)")
    print(f"  {'step':<22} {'wall s':>8} {'rows/s':>14} {'CPU s':>8}")
    for name, runs in timings.items():
        seconds = statistics.median(runs[1:])
        target = "  (target < 1 s)" if name == "total" else ""
        print(f"  {name:<22} {seconds:8.3f} {args.rows / seconds:>14,.0f} {statistics.median(cpu[name][1:]):8.3f}"
              f"{target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
