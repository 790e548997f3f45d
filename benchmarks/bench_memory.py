"""Peak memory of ``logparse.load`` per input line, for every envelope, in one run.

    python benchmarks/bench_memory.py [--lines 2000000] [--files 400]

Generates (once, seeded, cached in benchmarks/.corpus/) the same mixed lines bench_parse.py uses
(START/END/REPORT with application lines, some INIT/RESTORE lines and XRAY trailers) wrapped as
a user has them:

  plain    the lines as copied from the console;
  gzip     the same, gzip;
  s3       a CloudWatch export to S3: ``<ISO timestamp> <message>`` per line, gzip;
  json     ``aws logs filter-log-events`` output (pretty-printed, one event per line);
  folder   the S3 export cut into ``--files`` objects in an export's folder layout.

Each case runs in a fresh interpreter that imports logparse, then loads the input; the peak RSS
(VmHWM) is taken after the load. The baseline, in the same run, is the same process loading a
ten-line file: the interpreter, the libraries and the fixed buffers. Printed per case: peak RSS,
bytes per input line (peak / lines) and the part that grows with the input ((peak - baseline) /
lines), and the rows kept.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from bench_parse import CORPUS, make_corpus  # noqa: E402  (the same lines as the speed benchmark)

STREAM = "2026/11/16/[3]0123456789abcdef0123456789abcdef"
GROUP = "/aws/lambda/orders-api"

CHILD = """
import json, sys
import logparse, logparse.sources, logparse.xray
tables = logparse.load(sys.argv[1])
with open("/proc/self/status") as status:
    peak = next(int(l.split()[1]) * 1024 for l in status if l.startswith("VmHWM:"))
json.dump({"peak": peak, "lines": tables.stats.lines, "rejected": tables.stats.rejected,
           "invocations": len(tables.invocations)}, sys.stdout)
"""


def stamped(lines: list[str], seed: int = 11) -> list[str]:
    """A timestamp per line, a few milliseconds apart, as CloudWatch stores them."""
    rng = np.random.default_rng(seed)
    ms = 1_794_822_000_000 + np.cumsum(rng.integers(0, 4, len(lines)))
    return [f"{stamp}Z {line}" for stamp, line in zip(
        np.datetime_as_string(ms.astype("datetime64[ms]"), unit="ms"), lines, strict=True)]


def make_cases(n_lines: int, n_files: int, wanted: set[str]) -> dict[str, Path]:
    """Every envelope of the same lines (those wanted), each written once."""
    plain = make_corpus(n_lines)
    cases = {"plain": plain, "gzip": plain.with_suffix(".log.gz")}
    base = CORPUS / f"envelopes-{n_lines}"
    s3 = base / "s3" / "aws" / "lambda" / "orders-api" / "task" / STREAM.replace("/", "-") / "000000.gz"
    folder = base / "folder" / "aws" / "lambda" / "orders-api" / "task"
    events = base / "filter-log-events.json"
    cases.update({"s3": s3, "json": events, "folder": folder})
    if all(cases[name].exists() for name in wanted):
        return cases
    lines = plain.read_text().splitlines()
    text = stamped(lines)
    if "s3" in wanted and not s3.exists():
        s3.parent.mkdir(parents=True, exist_ok=True)
        with gzip.open(s3, "wt", compresslevel=6) as handle:
            handle.write("\n".join(text) + "\n")
    if "folder" in wanted and not folder.exists():
        # Cut between events, as CloudWatch cuts an export: an XRAY trailer stays with its REPORT.
        cuts = [0]
        for cut in np.linspace(0, len(text), n_files + 1).astype(int)[1:-1]:
            while cut < len(text) and lines[cut].startswith("XRAY "):
                cut += 1
            cuts.append(max(cut, cuts[-1]))
        cuts.append(len(text))
        for i, (low, high) in enumerate(itertools.pairwise(cuts)):
            path = folder / f"{STREAM.replace('/', '-')}-{i:04d}" / "000000.gz"
            path.parent.mkdir(parents=True, exist_ok=True)
            with gzip.open(path, "wt", compresslevel=6) as handle:
                handle.write("\n".join(text[low:high]) + "\n")
    if "json" in wanted and not events.exists():
        events.parent.mkdir(parents=True, exist_ok=True)
        ms = 1_794_822_000_000 + np.arange(len(lines)) * 2
        with open(events, "w") as handle:  # written as the AWS CLI prints it, without building it whole
            handle.write('{\n    "events": [\n')
            for i, (stamp, line) in enumerate(zip(ms.tolist(), lines, strict=True)):
                event = {"logStreamName": STREAM, "timestamp": stamp, "message": line + "\n",
                         "ingestionTime": stamp + 500, "eventId": f"{i:056d}"}
                body = json.dumps(event, indent=4).replace("\n", "\n        ")
                handle.write(("        " if i == 0 else ",\n        ") + body)
            handle.write(f'\n    ],\n    "searchedLogStreams": [],\n    "logGroupName": "{GROUP}"\n}}\n')
    return cases


def measure(path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(path)], check=True, capture_output=True, text=True,
                         cwd=ROOT)
    return json.loads(out.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=2_000_000)
    parser.add_argument("--files", type=int, default=400, help="objects of the folder case")
    parser.add_argument("--cases", default="plain,gzip,s3,json,folder")
    args = parser.parse_args()
    wanted = args.cases.split(",")
    cases = make_cases(args.lines, args.files, set(wanted))
    tiny = CORPUS / "ten-lines.log"
    tiny.write_text("\n".join(make_corpus(args.lines).read_text().splitlines()[:10]) + "\n")
    baseline = measure(tiny)["peak"]
    print(f"baseline (imports, a ten-line file): peak RSS {baseline / 1e6:.0f} MB")
    ok = True
    for name in wanted:
        path = cases[name]
        size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size
        r = measure(path)
        per_line, growth = r["peak"] / r["lines"], (r["peak"] - baseline) / r["lines"]
        print(f"{name:7s} {r['lines']:>11,} lines {size / 1e6:8.1f} MB on disk: peak RSS {r['peak'] / 1e6:6.0f} MB "
              f"= {per_line:4.0f} bytes/line ({growth:4.0f} above the baseline); "
              f"{r['invocations']:,} invocations, {r['rejected']} rejected")
        ok &= per_line < 400 and r["rejected"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
