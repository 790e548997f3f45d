"""Speed of the deploy gate's bootstrap and of the 30-day projection, against baselines in the same run.

    python benchmarks/bench_gate.py [--restores 10000] [--resamples 2000] [--runs 3]

1. ``gate.bootstrap_quantile`` (p99 of each resample from two order statistics found by
   ``np.partition`` on index rows) vs the obvious vectorized way: the same index draws, values
   gathered and ``np.percentile(axis=1)`` per chunk. Both give identical numbers (checked here).
2. ``projection.project`` on the 1,000,000-invocation month of ``bench_metrics.py`` vs
   ``cost.compare_options`` on the same tables (which it builds on), as a ratio.

Prints the median of ``--runs`` runs of each and the ratio.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_metrics import synthetic

from logparse import cost, gate, pricetable, projection


def naive_bootstrap(values: np.ndarray, q: float, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """The baseline: gather every resample's values and take np.percentile along the rows."""
    ordered = np.sort(values)
    rows = max(1, gate.CHUNK_ELEMENTS // ordered.size)
    out = np.empty(resamples)
    for start in range(0, resamples, rows):
        count = min(rows, resamples - start)
        idx = rng.integers(0, ordered.size, size=(count, ordered.size))
        out[start:start + count] = np.percentile(ordered[idx], q * 100, axis=1)
    return out


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--restores", type=int, default=10_000)
    parser.add_argument("--resamples", type=int, default=2000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    values = np.random.default_rng(1).lognormal(6.2, 0.4, args.restores)
    fast, slow = [], []
    for _ in range(args.runs):
        t_fast, a = timed(lambda: gate.bootstrap_quantile(values, 0.99, args.resamples, np.random.default_rng(5)))
        t_slow, b = timed(lambda: naive_bootstrap(values, 0.99, args.resamples, np.random.default_rng(5)))
        assert np.allclose(a, b), "the two bootstraps disagree"
        fast.append(t_fast)
        slow.append(t_slow)
    f, s = statistics.median(fast), statistics.median(slow)
    print(f"bootstrap p99, {args.restores:,} restores x {args.resamples:,} resamples: "
          f"{f:.2f} s vs gather + np.percentile {s:.2f} s ({s / f:.1f}x)")

    tables = synthetic(args.rows, 20, 30)
    prices = pricetable.load_prices().lookup()
    compare, project = [], []
    for _ in range(args.runs):
        t_compare, options = timed(lambda: cost.compare_options(tables, prices))
        t_project, _ = timed(lambda options=options: projection.project(tables, prices, options=options))
        compare.append(t_compare)
        project.append(t_project)
    c, p = statistics.median(compare), statistics.median(project)
    print(f"projection of {args.rows:,} invocations, 20 versions: {p:.2f} s "
          f"(compare_options alone {c:.2f} s: {p / c:.2f}x of it)")


if __name__ == "__main__":
    main()
