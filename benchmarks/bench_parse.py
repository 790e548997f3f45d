"""Parse speed and memory of ``logparse.load`` against a naive baseline, in one run.

    python benchmarks/bench_parse.py [--lines 2000000 10000000] [--runs 3] [--no-cold] [--cases plain gzip s3 tail]

Generates (once, seeded, cached in benchmarks/.corpus/) a corpus of mixed lines: START/END/REPORT
with application lines, some INIT/RESTORE lines and XRAY trailers, plain, gzip, as a CloudWatch
export to S3 (``<time> <message>`` per line, gzip; the naive loop matches after the first space) and
as ``aws logs tail`` prints it (``<time> <stream> <message>``; after the second space). Then, for each
file, takes the median of ``--runs`` runs (interleaved: each run of each in turn) of:

  (a) the naive baseline: a Python loop applying one regex per line (over ``gzip.open`` for the
      gzip file);
  (b) ``logparse.load`` with the vectorized path (``SNAPLENS_SCANNER=0``), in a fresh process;
  (s) ``logparse.load`` with the compiled scanner, in a fresh process, its machine code already
      in numba's cache ("warm"). The scanner's one-time load in the process (importing numba,
      loading the cached code, Arrow's first computation) is timed apart, as imports are;
  (c) the floor: reading (and decompressing) the file alone.

Once per run (unless ``--no-cold``) the scanner also runs "first-ever": numba's cache pointed at
an empty directory, so the kernel is compiled, as on a machine that never ran it.

It prints lines/s, the ratios to (a) (of the medians, run by run, and of the fastest run of each:
on a shared VM the slow runs are mostly system time, the kernel clearing pages the host took
back, so the CPU seconds spent in the kernel are printed too), the peak RSS per input line of
each fresh process (VmHWM), and checks that (a), (b) and (s) found the same invocations (request
ids and numbers, hashed).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
CORPUS = HERE / ".corpus"
ROOT = HERE.parent

REPORT_RE = re.compile(
    r"REPORT RequestId: (?P<request_id>\S+)\s+Duration: (?P<duration_ms>[\d.]+) ms\s+"
    r"Billed Duration: (?P<billed_duration_ms>\d+) ms\s+Memory Size: (?P<memory_mb>\d+) MB\s+"
    r"Max Memory Used: (?P<max_memory_mb>\d+) MB"
    r"(?:\s+Init Duration: (?P<init_ms>[\d.]+) ms)?"
    r"(?:\s+Restore Duration: (?P<restore_ms>[\d.]+) ms\s+Billed Restore Duration: (?P<billed_restore_ms>\d+) ms)?"
)
COLUMNS = ("request_id", "duration_ms", "billed_duration_ms", "memory_mb", "max_memory_mb", "init_ms",
           "restore_ms", "billed_restore_ms")


def make_corpus(n_lines: int, seed: int = 7) -> Path:
    """Write the corpus once: ~20% REPORT lines, like a busy real log group."""
    path = CORPUS / f"mixed-{n_lines}.log"
    if path.exists() and path.with_suffix(".log.gz").exists():
        return path
    CORPUS.mkdir(exist_ok=True)
    rng = np.random.default_rng(seed)
    runtime = "Runtime Version: python:3.12.v36\tRuntime Version ARN: arn:aws:lambda:us-east-1::runtime:" + "a" * 64
    with open(path, "w") as plain, gzip.open(path.with_suffix(".log.gz"), "wt", compresslevel=6) as packed:
        out: list[str] = []
        written = n = 0
        while written < n_lines:
            n += 1
            rid = f"{n:08x}-{rng.integers(1 << 16):04x}-4000-8000-{rng.integers(1 << 48):012x}"
            start = rng.random()
            duration = rng.lognormal(3.0, 1.0)
            extra = ""
            if start < 0.02:
                restore = rng.lognormal(6.3, 0.5)
                billed_restore = int(rng.integers(20, 150))
                out += [f"RESTORE_START {runtime}", f"RESTORE_REPORT Restore Duration: {restore:.2f} ms"]
                extra = f"\tRestore Duration: {restore:.2f} ms\tBilled Restore Duration: {billed_restore} ms"
                billed = int(np.ceil(duration)) + billed_restore
            elif start < 0.03:
                init = rng.lognormal(7.5, 0.4)
                out.append(f"INIT_START {runtime}")
                extra = f"\tInit Duration: {init:.2f} ms"
                billed = int(np.ceil(duration + init))
            else:
                billed = int(np.ceil(duration))
            out.append(f"START RequestId: {rid} Version: 3")
            out.append(f"[INFO]\t2026-11-16T10:00:00.000Z\t{rid}\tprocessing order {n}")
            out.append(f"[INFO]\t2026-11-16T10:00:00.001Z\t{rid}\tdone in {duration:.1f} ms")
            out.append(f"END RequestId: {rid}")
            out.append(f"REPORT RequestId: {rid}\tDuration: {duration:.2f} ms\tBilled Duration: {billed} ms\t"
                       f"Memory Size: 1024 MB\tMax Memory Used: {rng.integers(80, 400)} MB{extra}\t")
            if rng.random() < 0.05:
                out.append(f"XRAY TraceId: 1-{n:08x}-{rng.integers(1 << 62):024x}\tSegmentId: {n:016x}\tSampled: true")
            if len(out) >= 100_000 or written + len(out) >= n_lines:
                out = out[:n_lines - written]
                text = "\n".join(out) + "\n"
                plain.write(text)
                packed.write(text)
                written += len(out)
                out = []
    return path


def make_s3_export(plain: Path) -> Path:
    """The same lines as a CloudWatch export to S3 (gzip): ``<time> <message>``, one millisecond
    apart; the XRAY trailer unstamped, as the second line of its REPORT's event."""
    path = CORPUS / plain.name.replace("mixed-", "s3-export-").replace(".log", ".log.gz")
    if path.exists():
        return path
    start = np.datetime64("2026-11-16T09:40:00.000", "ms")
    with open(plain) as source, gzip.open(path, "wt", compresslevel=6) as out:
        for n, line in enumerate(source):
            out.write(line if line.startswith("XRAY ") else f"{start + n}Z {line}")
    return path


def make_tail_copy(plain: Path) -> Path:
    """The same lines as ``aws logs tail`` prints them: ``<time> <stream> <message>``, times in
    microseconds with ``+00:00``, one millisecond apart, each request in one of 16 streams in
    turn; the XRAY trailer bare, as the second line of its REPORT's event."""
    path = CORPUS / plain.name.replace("mixed-", "tail-")
    if path.exists():
        return path
    start = np.datetime64("2026-11-16T09:40:00.000", "us")
    streams = [f"2026/11/16/[{1 + n % 3}]{n:032x}" for n in range(16)]
    stream = streams[0]
    with open(plain) as source, open(path, "w") as out:
        for n, line in enumerate(source):
            if line.startswith("START "):
                stream = streams[n % 16]
            out.write(line if line.startswith("XRAY ") else f"{start + 1000 * n}+00:00 {stream} {line}")
    return path


def open_text(path: Path):
    return gzip.open(path, "rt", encoding="utf-8", errors="replace") if path.suffix == ".gz" else \
        open(path, encoding="utf-8", errors="replace")


def naive(path: Path) -> tuple[float, int, str]:
    """(a): the loop a hurried engineer writes first. Returns its time, the lines and a digest of
    the invocations it found."""
    started = time.perf_counter()
    rows = []
    lines = 0
    prefix_words = 1 if path.name.startswith("s3-export-") else 2 if path.name.startswith("tail-") else 0
    with open_text(path) as handle:
        for line in handle:
            lines += 1
            match = REPORT_RE.match(line.split(" ", prefix_words)[-1] if prefix_words else line)
            if match:
                rows.append(match.groupdict())
    seconds = time.perf_counter() - started
    columns = {column: [row[column] for row in rows] for column in COLUMNS}
    return seconds, lines, digest(columns["request_id"], {column: np.array(
        [np.nan if value is None else float(value) for value in columns[column]]) for column in COLUMNS[1:]})


def digest(request_ids: list[str], numbers: dict[str, np.ndarray]) -> str:
    """The invocations as one hash: request ids in order, every number to 0.01 (NaN: none)."""
    hashed = hashlib.sha256("\n".join(request_ids).encode())
    for column in COLUMNS[1:]:
        hashed.update(np.round(numbers[column].astype(np.float64), 2).tobytes())
    return hashed.hexdigest()


def floor(path: Path) -> float:
    """(c): read (and decompress) the bytes, nothing else."""
    started = time.perf_counter()
    if path.suffix == ".gz":
        with gzip.open(path, "rb") as handle:
            while handle.read(1 << 24):
                pass
    else:
        path.read_bytes()
    return time.perf_counter() - started


# The child imports the parser's modules before the clock starts, as the naive loop has ``re`` and
# ``gzip`` imported: the load is timed alone. The scanner's one-time load is timed apart.
CHILD = """
import json, os, sys, time
started = time.perf_counter()
import logparse, logparse.sources, logparse.xray
from logparse import scanner
imported = time.perf_counter() - started
prepared = 0.0
if os.environ["SNAPLENS_SCANNER"] == "1":
    started = time.perf_counter()
    assert scanner.kernel() is not None
    prepared = time.perf_counter() - started
# The garbage the imports left is collected before the clock starts, as in a process that imported
# them a while ago: else a full collection of the ~200,000 objects they made (about 40 ms) falls in.
import gc, resource
gc.collect()
system = resource.getrusage(resource.RUSAGE_SELF).ru_stime
started, cpu = time.perf_counter(), time.process_time()
tables = logparse.load(sys.argv[1])
seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
system = resource.getrusage(resource.RUSAGE_SELF).ru_stime - system
# Peak RSS from VmHWM: ru_maxrss of a child started by fork + exec reports the parent's RSS at fork
# if that was higher (the parent holding the naive loop's rows), not the child's own peak.
with open("/proc/self/status") as status:
    peak = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))
sys.path.insert(0, sys.argv[2])
from bench_parse import COLUMNS, digest
inv = tables.invocations
found = digest(inv["request_id"].tolist(), {c: inv[c].astype("float64").to_numpy(na_value=float("nan"))
                                           for c in COLUMNS[1:]})
json.dump({"seconds": seconds, "cpu": cpu, "system": system, "imported": imported, "prepared": prepared, "peak": peak,
           "lines": tables.stats.lines, "rejected": tables.stats.rejected, "digest": found}, sys.stdout)
"""


def fresh_load(path: Path, scanning: bool, cache: str | None = None) -> dict:
    """(b) or (s) in a new interpreter, as a user's command runs it."""
    env = {**os.environ, "SNAPLENS_SCANNER": "1" if scanning else "0"}
    if cache is not None:
        env["NUMBA_CACHE_DIR"] = cache
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), str(HERE)], check=True, capture_output=True,
                         text=True, cwd=ROOT, env=env)
    return json.loads(out.stdout)


def bench(path: Path, runs: int) -> dict:
    for _ in range(2):  # warm the page cache
        path.read_bytes()
    naive_runs, vector_runs, scan_runs, floors = [], [], [], []
    digests = set()
    lines = 0
    for _ in range(runs):  # interleaved: a slow spell of a shared machine falls on each alike
        seconds, lines, found = naive(path)
        naive_runs.append(seconds)
        digests.add(("naive", found))
        vector_runs.append(fresh_load(path, False))
        scan_runs.append(fresh_load(path, True))
        floors.append(floor(path))
    naive_s = statistics.median(naive_runs)

    def summary(loads: list[dict]) -> dict:
        seconds = statistics.median(r["seconds"] for r in loads)
        return {"seconds": seconds, "lines_s": lines / seconds, "ratio": naive_s / seconds,
                "ratios": [a / b["seconds"] for a, b in zip(naive_runs, loads, strict=True)],
                "best_ratio": min(naive_runs) / min(r["seconds"] for r in loads),
                "cpu": statistics.median(r["cpu"] for r in loads),
                "system": statistics.median(r["system"] for r in loads),
                "imported": statistics.median(r["imported"] for r in loads),
                "prepared": statistics.median(r["prepared"] for r in loads),
                "bytes_per_line": max(r["peak"] for r in loads) / lines,
                "digests": {r["digest"] for r in loads}, "counted": {r["lines"] for r in loads}}

    vector, scanned = summary(vector_runs), summary(scan_runs)
    return {"file": path.name, "lines": lines, "size_mb": round(path.stat().st_size / 1e6, 1), "naive_s": naive_s,
            "naive_lines_s": lines / naive_s, "floor_lines_s": lines / statistics.median(floors),
            "vector": vector, "scanner": scanned,
            "identical": len({d for _, d in digests} | vector["digests"] | scanned["digests"]) == 1,
            "all_counted": vector["counted"] == scanned["counted"] == {lines}}


def first_ever(path: Path) -> dict:
    """The scanner on a machine that never ran it: numba's cache empty, so the kernel compiles."""
    with tempfile.TemporaryDirectory(prefix="bench-numba-") as cache:
        return fresh_load(path, True, cache)


def show(r: dict) -> None:
    print(f"{r['file']}: {r['lines']:,} lines, {r['size_mb']} MB")
    print(f"  (a) naive regex loop      {r['naive_lines_s'] / 1e6:6.2f} M lines/s   ({r['naive_s']:.2f} s)")
    for label, key in (("(b) load, vectorized path", "vector"), ("(s) load, compiled scanner", "scanner")):
        run = r[key]
        print(f"  {label} {run['lines_s'] / 1e6:6.2f} M lines/s   {run['ratio']:.2f}x the naive loop "
              f"({run['seconds']:.2f} s wall, {run['cpu']:.2f} s CPU of which {run['system']:.2f} s in the kernel); "
              "run by run: " + ", ".join(f"{ratio:.2f}x" for ratio in run["ratios"])
              + f"; fastest of each: {run['best_ratio']:.2f}x")
        print(f"      peak RSS {run['bytes_per_line']:.0f} bytes/line; imports {run['imported']:.2f} s"
              + (f"; scanner load (numba, cached code, Arrow set-up) {run['prepared']:.2f} s" if run["prepared"]
                 else ""))
    print(f"  (c) read{'+gunzip' if r['file'].endswith('.gz') else ''} only"
          f"{'' if r['file'].endswith('.gz') else '       '}       {r['floor_lines_s'] / 1e6:6.2f} M lines/s")
    print(f"  identical invocations (a) = (b) = (s): {r['identical']};  every line counted: {r['all_counted']}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, nargs="+", default=[2_000_000, 10_000_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-cold", action="store_true", help="skip the first-ever run (a compile of ~10-20 s)")
    parser.add_argument("--cases", nargs="+", default=["plain", "gzip", "s3", "tail"],
                        choices=["plain", "gzip", "s3", "tail"])
    args = parser.parse_args()
    ok = True
    for n_lines in args.lines:
        plain = make_corpus(n_lines)
        if not args.no_cold and n_lines == args.lines[0]:
            cold = first_ever(plain)
            print(f"first-ever run ({plain.name}, numba's cache empty): compile and load {cold['prepared']:.1f} s, "
                  f"then the load {cold['seconds']:.2f} s")
        cases = {"plain": plain, "gzip": plain.with_suffix(".log.gz")}
        if "s3" in args.cases:
            cases["s3"] = make_s3_export(plain)
        if "tail" in args.cases:
            cases["tail"] = make_tail_copy(plain)
        for path in (cases[case] for case in args.cases):
            r = bench(path, args.runs)
            show(r)
            ok &= r["identical"] and r["all_counted"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
