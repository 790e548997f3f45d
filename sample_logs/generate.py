#!/usr/bin/env python3
"""Write SnapLens' sample data: one simulated week of Lambda logs and X-Ray traces.

    python sample_logs/generate.py [--out DIR]

The week is 2026-11-16T00:00Z (a Monday) to 2026-11-23T00:00Z. Four functions in one account
(123456789012, us-east-1) are simulated request by request: arrivals, execution environments that
are restored from a SnapStart snapshot (or initialised on demand), reused while warm and reclaimed,
version publishes and alias shifts. The result is written in the envelopes users actually have
(``aws logs tail`` text, a CloudWatch export to S3, ``aws logs filter-log-events`` JSON and
``aws xray batch-get-traces`` JSON) together with ``README.md``, whose counts and line numbers are
computed here so they can never drift from the data.

Everything is seeded and free of wall-clock time: the same numpy version writes the same bytes
(``tests/test_sample_logs.py`` checks it). The scenario is data in ``generator/scenario.py``
(``FUNCTIONS``, ``PLANTS``): edit it and re-run. ``generator/`` holds the simulation, the damage planted
in lines, the X-Ray traces, one writer per envelope and the README.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Iterable
from pathlib import Path

import numpy as np

sys.dont_write_bytecode = True  # no __pycache__ beside the sample data the loader reads
sys.path.insert(0, str(Path(__file__).resolve().parent))

from generator.readme import write_readme  # noqa: E402
from generator.scenario import FUNCTIONS, OUTPUT_DIRS, SEED  # noqa: E402
from generator.simulation import Capture, Json, simulate  # noqa: E402
from generator.traces import TraceBuilder  # noqa: E402
from generator.writers import write_filter_log_events, write_s3_export, write_tail, write_xray  # noqa: E402


def generate(out: Path) -> dict[str, Capture]:
    """Simulate every function and write all envelopes, traces and the README into ``out``."""
    for name in OUTPUT_DIRS:
        shutil.rmtree(out / name, ignore_errors=True)
    captures: dict[str, Capture] = {}
    files: dict[str, Path] = {}
    traces: list[tuple[int, Json]] = []
    shuffled = 0
    for index, fn in enumerate(FUNCTIONS):
        rng = np.random.default_rng([SEED, index])
        capture = simulate(fn, rng)
        captures[fn.name] = capture
        builder = TraceBuilder(fn, np.random.default_rng([SEED, index, 1]))
        traces += [(i.arrival, builder.build(i)) for i in capture.invocations if i.trace_id]
        envelope_rng = np.random.default_rng([SEED, index, 2])
        if fn.envelope == "tail":
            files[fn.name] = write_tail(capture, out)
        elif fn.envelope == "s3":
            shuffled = write_s3_export(capture, out, envelope_rng)
            files[fn.name] = out / "s3-export" / "aws" / "lambda" / fn.name
        else:
            files[fn.name] = write_filter_log_events(capture, out, envelope_rng)
    traces.sort(key=lambda pair: (pair[0], pair[1]["Id"]))
    write_xray([trace for _, trace in traces], out)
    write_readme(captures, files, len(traces), shuffled, out)
    return captures


def summary(captures: Iterable[Capture]) -> str:
    lines = []
    for capture in captures:
        invs = capture.invocations
        kinds = {k: sum(i.start_kind == k for i in invs) for k in ("warm", "restore", "init")}
        lines.append(f"{capture.function.name:16} {len(invs):6} invocations  {kinds}  "
                     f"{sum(bool(i.trace_id) for i in invs)} traces  {len(capture.streams)} streams")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent,
                        help="folder to write into (default: this script's folder)")
    args = parser.parse_args(argv)
    captures = generate(args.out)
    print(summary(captures.values()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
