"""Command line: gather options, call the library, print. No parsing or pricing logic here.

    python -m logparse summary PATH... [--json] [--function F] [--since T] [--until T]
    python -m logparse export  PATH... --out DIR [--since T] [--until T] [--bucket 1h] [--state FILE]
    python -m logparse fetch   --function F [--region R] [--since 24h] [--insights] [--xray] --out DIR
    python -m logparse prices  [--region R] [--arch x86_64|arm64] [--json]
    python -m logparse prices  --update [--offers-url URL] [--prices FILE] [--region R]
    python -m logparse check   PATH... --function F --baseline V1 --candidate V2 [--live --since 24h]
    python -m logparse fleet   [--region R ...] [--function-prefix P] [--idle-days 14] [--insights] [--json]
                               [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import pandas as pd

from logparse import gate, load, paths, pricetable, report
from logparse.errors import SnapLensError, UsageError, one_line, shown
from logparse.metrics import sorted_versions
from logparse.reading import DEFAULT_LIMITS, Limits, parse_size, size_text
from logparse.state import State
from logparse.tables import Tables, select
from logparse.timeutil import TimeError, bucket_arg, parse_time_arg, window

DEFAULT_REGION, DEFAULT_ARCH = pricetable.DEFAULT_REGION, pricetable.DEFAULT_ARCH
LARGE_INPUT_BYTES = 50_000_000


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad command line is one line (what is wrong, where to look), exit 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {shown(message)} (see {self.prog} --help)\n")


class _OneLineLog(logging.Handler):
    """The library's warnings as ``warning: <message>`` lines, escaped like every other message
    (Python's last-resort handler would print them raw)."""

    def emit(self, record: logging.LogRecord) -> None:
        print(f"{record.levelname.lower()}: {shown(record.getMessage())}", file=sys.stderr)


_LOG_LINES = _OneLineLog(logging.WARNING)


def _time_text(text: str) -> str:
    """A time option checked when the command line is read (kept as text: relative times are
    resolved against the moment the command runs)."""
    try:
        parse_time_arg(text)
    except TimeError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return text


def _bucket_text(text: str) -> str:
    try:
        return bucket_arg(text)
    except TimeError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def _path(text: str) -> Path:
    """A path option: an empty one would silently mean the current folder."""
    if not text.strip():
        raise argparse.ArgumentTypeError("an empty path")
    return Path(text)


def _add_input_options(parser: argparse.ArgumentParser) -> None:
    """Options every command that reads logs shares, declared once."""
    parser.add_argument("paths", nargs="+", metavar="PATH",
                        help="file, folder, glob or - (stdin); any supported envelope, gzip or not")
    parser.add_argument("--function", help="only this function (also names it where logs do not)")
    parser.add_argument("--version", dest="fn_version", metavar="VERSION",
                        help="version to assume where the logs do not say")
    parser.add_argument("--since", type=_time_text, help="start time: ISO-8601 or relative (24h, 7d, 30m)")
    parser.add_argument("--until", type=_time_text, help="end time: ISO-8601 or relative (24h, 7d, 30m)")
    _add_limit_options(parser)
    _add_price_options(parser)


def _size(text: str) -> int:
    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _days(text: str) -> int:
    """A whole number of days above 0 (0 days would call every version idle)."""
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a whole number of days above 0: {text!r}")
    return int(text)


def _ratio(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value >= 1:
        raise argparse.ArgumentTypeError(f"not a ratio of at least 1: {text!r}")
    return value


def _add_limit_options(parser: argparse.ArgumentParser) -> None:
    """What one input may cost (README: Limits); the defaults never trip on real CloudWatch data."""
    group = parser.add_argument_group("limits per input (sizes take K, M, G suffixes)")
    d = DEFAULT_LIMITS
    group.add_argument("--max-line-bytes", type=_size, default=d.max_line_bytes, metavar="SIZE",
                       help=f"a longer line is a reject with its length (default {size_text(d.max_line_bytes)})")
    group.add_argument("--max-inflate-ratio", type=_ratio, default=d.max_inflate_ratio, metavar="N",
                       help=f"gzip inflating more than N times its size ends that input, as a gzip bomb "
                            f"(default {d.max_inflate_ratio:g})")
    group.add_argument("--max-inflated-bytes", type=_size, default=d.max_inflated_bytes, metavar="SIZE",
                       help=f"gzip inflating beyond SIZE ends that input (default {size_text(d.max_inflated_bytes)})")
    group.add_argument("--max-document-bytes", type=_size, default=d.max_document_bytes, metavar="SIZE",
                       help="largest JSON / X-Ray / Logs Insights document read whole "
                            f"(default {size_text(d.max_document_bytes)})")


def _limits(args: argparse.Namespace) -> Limits:
    return Limits(max_line_bytes=args.max_line_bytes, max_inflate_ratio=args.max_inflate_ratio,
                  max_inflated_bytes=args.max_inflated_bytes, max_document_bytes=args.max_document_bytes)


def _add_price_options(parser: argparse.ArgumentParser, *, tiered: bool = True) -> None:
    parser.add_argument("--region", default=None,
                        help=f"AWS region for prices (default {DEFAULT_REGION}); `prices` lists the known ones")
    parser.add_argument("--arch", choices=("x86_64", "arm64"), default=None,
                        help=f"function architecture for prices (default {DEFAULT_ARCH})")
    parser.add_argument("--prices", metavar="FILE", help="a price table CSV that overrides the built-in one")
    if tiered:
        parser.add_argument("--tiered", action="store_true",
                            help="price duration through AWS's monthly GB-s tiers (default: first tier)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="python -m logparse",
        description="SnapLens: Lambda SnapStart restore latency, billed restore time and cache cost "
                    "from CloudWatch logs and X-Ray traces.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    summary = commands.add_parser("summary", help="per function/version restore, init and cost summary",
                                  description="Summarize restore/init latency and cost per function and version.")
    _add_input_options(summary)
    summary.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    summary.set_defaults(handler=cmd_summary)

    export = commands.add_parser("export", help="write the tables, metrics and costs as CSV files",
                                 description="Write invocations/inits/restores/spans/rejects/metrics/costs CSVs "
                                             "atomically; re-running adds no duplicate rows.")
    _add_input_options(export)
    export.add_argument("--out", required=True, type=_path,
                        help="output folder (the CSVs of the last run in OUT/current/, see the README)")
    export.add_argument("--bucket", type=_bucket_text,
                        help="time bucket for metrics/costs (e.g. 5min, 1h, 1D; default: 1h, "
                             "fixed so that appending runs agree)")
    export.add_argument("--state", type=_path, help="watermark file for incremental cron runs")
    export.set_defaults(handler=cmd_export)

    fetch = commands.add_parser("fetch", help="fetch logs (and traces) from AWS, then export CSVs",
                                description="Fetch platform lines from CloudWatch Logs (standard boto3 "
                                            "credentials) and write the same CSVs as export.")
    fetch.add_argument("--function", required=True, help="Lambda function name")
    fetch.add_argument("--since", default="24h", type=_time_text,
                       help="start time: ISO-8601 or relative (default 24h)")
    fetch.add_argument("--until", type=_time_text, help="end time (default now)")
    fetch.add_argument("--insights", action="store_true",
                       help="aggregate server-side with CloudWatch Logs Insights instead of downloading lines")
    fetch.add_argument("--xray", action="store_true", help="also fetch X-Ray traces")
    fetch.add_argument("--out", required=True, type=_path,
                       help="output folder (the CSVs of the last run in OUT/current/, see the README)")
    fetch.add_argument("--bucket", type=_bucket_text, help="time bucket for metrics/costs (default: 1h)")
    fetch.add_argument("--state", type=_path, help="watermark file for incremental cron runs")
    _add_price_options(fetch)
    fetch.set_defaults(handler=cmd_fetch)

    prices = commands.add_parser("prices", help="show the price table in use",
                                 description="Show the SnapStart, duration, request and Provisioned "
                                             "Concurrency prices with their sources.")
    _add_price_options(prices, tiered=False)
    prices.add_argument("--json", action="store_true", help="print JSON")
    prices.add_argument("--update", action="store_true",
                        help="fetch every region's prices from the public AWS Price List into the user's "
                             "cache (or --prices FILE; only --region R if given)")
    prices.add_argument("--offers-url", metavar="URL",
                        help="base URL of the AWSLambda price list (a mirror); default "
                             "https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AWSLambda/current/")
    prices.set_defaults(handler=cmd_prices)

    check = commands.add_parser(
        "check", help="deploy gate: does a candidate version's restore latency regress?",
        description="Compare the candidate version's restore p99 and billed restore p50 with the "
                    "baseline's. Exit 0 within the allowed regression, 1 regressed, 3 not enough "
                    "restores to judge.")
    check.add_argument("paths", nargs="*", metavar="PATH",
                       help="file, folder, glob or - (stdin); or none with --live")
    check.add_argument("--function", required=True, help="Lambda function name")
    check.add_argument("--baseline", required=True, metavar="V1", help="the version deployed now")
    check.add_argument("--candidate", required=True, metavar="V2", help="the version to judge")
    check.add_argument("--max-p99-regression", type=_percent, default=gate.DEFAULT_MAX_REGRESSION,
                       metavar="PCT", help="allowed increase of restore p99 and billed restore p50, "
                                           "in per cent (default 20%%)")
    check.add_argument("--min-restores", type=int, default=gate.DEFAULT_MIN_RESTORES, metavar="N",
                       help=f"fewer restores on either side: exit 3 (default {gate.DEFAULT_MIN_RESTORES})")
    check.add_argument("--live", action="store_true",
                       help="fetch the function's platform lines from CloudWatch Logs, as fetch does")
    check.add_argument("--since", type=_time_text,
                       help="start time: ISO-8601 or relative (default with --live: 24h)")
    check.add_argument("--until", type=_time_text, help="end time (default now)")
    check.add_argument("--region", help="AWS region for --live (default: AWS_REGION)")
    check.add_argument("--json", action="store_true",
                       help="print the comparison with bootstrap confidence intervals as JSON")
    _add_limit_options(check)
    check.set_defaults(handler=cmd_check)

    fleet = commands.add_parser(
        "fleet", help="every SnapStart version, its monthly cache cost, and the idle ones",
        description="List the published SnapStart versions of every function (Lambda API), their "
                    "aliases, last logged invocation and monthly cache cost; print the commands that "
                    "would delete the idle ones. Never deletes anything.")
    fleet.add_argument("--region", action="append", dest="regions", metavar="R",
                       help="region to scan; repeat for several (default: AWS_REGION)")
    fleet.add_argument("--function-prefix", default="", metavar="P", help="only functions whose name starts so")
    fleet.add_argument("--idle-days", type=_days, default=14, metavar="N",
                       help="idle: no invocation in this many days and no alias (default 14)")
    fleet.add_argument("--json", action="store_true",
                       help="print one JSON line (the default when stdout is not a terminal)")
    fleet.add_argument("--out", type=Path, help="also write fleet.csv and delete-idle-versions.sh here")
    fleet.add_argument("--insights", action="store_true",
                       help="find last invocations with one Logs Insights query per function "
                            "(for log groups too big to scan)")
    fleet.add_argument("--prices", metavar="FILE", help="a price table CSV that overrides the built-in one")
    fleet.set_defaults(handler=cmd_fleet)
    return parser


def _percent(text: str) -> float:
    """``20%`` or ``20`` -> 0.2: the regression allowance is always written in per cent."""
    try:
        value = float(text.strip().removesuffix("%"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a percentage: {text!r} (e.g. 20%)") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"a regression allowance cannot be negative: {text!r}")
    return value / 100


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: every expected failure is one line on stderr and an exit code."""
    args = build_parser().parse_args(argv)
    warnings.formatwarning = lambda message, *_, **__: f"warning: {shown(message)}\n"
    library_log = logging.getLogger("logparse")
    if _LOG_LINES not in library_log.handlers:
        library_log.addHandler(_LOG_LINES)
    try:
        status: int = args.handler(args)
        return status
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except MemoryError as exc:
        # Inputs are read in bounded blocks; what grows is the rows kept, for every input together.
        detail = f" ({exc})" if str(exc) else ""
        print(f"error: out of memory{detail}: the rows of all inputs are held together; read fewer inputs "
              "at once, or raise the memory limit (ulimit -v)", file=sys.stderr)
        return 1
    except SnapLensError as exc:  # every error a user can fix; anything else is a bug, shown as one
        print(one_line(exc), file=sys.stderr)  # message and hint, once, on one line
        return exc.exit_code


def _load_selected(args: argparse.Namespace) -> tuple[Tables, int]:
    """The selected tables and the exit code they call for (after printing why it is not 0)."""
    since, until = _time_range(args.since, args.until)
    # Walking the folders twice costs little next to reading them; only a terminal shows a bar.
    large = sys.stderr.isatty() and paths.total_bytes(args.paths) > LARGE_INPUT_BYTES
    loaded = load(*args.paths, function=args.function, version=args.fn_version, progress=large,
                  limits=_limits(args))
    code = _report_unreadable(loaded)
    tables = select(loaded, functions=args.function, since=since, until=until)
    empty = report.nothing_usable(loaded, tables, args.function, since, until)
    if empty is not None and not (code and loaded.stats.files == 0):  # not when every input failed
        print(one_line(empty), file=sys.stderr)
    return tables, 1 if code or empty is not None else 0


def _time_range(since_text: str | None, until_text: str | None) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """``--since`` and ``--until`` (both read against one "now"); a range that ends before it starts
    would select nothing and look like an empty input, so it is a usage error."""
    now = pd.Timestamp.now(tz="UTC")
    since = parse_time_arg(since_text, now)
    until = now if until_text == "now" else parse_time_arg(until_text, now)
    if since is not None and until is not None and since >= until:
        raise UsageError(f"--since {since_text} is not before --until {until_text or 'now'}",
                         "give the start of the time range as --since")
    return since, until


def _report_unreadable(tables: Tables) -> int:
    """One line per input that could not be read at all (line is empty for those); 1 if any."""
    problems = tables.rejects[tables.rejects["line"].isna()]
    for row in problems.itertuples():
        print(f"error: {shown(row.source)}: {shown(row.reason)}", file=sys.stderr)
    return 1 if len(problems) else 0


def _prices(args: argparse.Namespace) -> pricetable.Prices:
    # None (not the defaults) when the user said nothing, so the prices know they are assumed.
    # Called before any input is read: an unknown --region is a usage error, not a late surprise.
    _check_price_file(args.prices)
    return pricetable.load_prices(args.prices).lookup(args.region, args.arch)


def _check_price_file(path: str | None) -> None:
    """A --prices FILE to read that is not there is a mistyped option, not a broken price table."""
    if path is not None and not os.path.isfile(path):
        raise UsageError(f"--prices {path}: no such file",
                         "give the path of a price table CSV, or leave --prices out for the built-in one")


def _tiered(args: argparse.Namespace, prices: pricetable.Prices, tables: Tables) -> pricetable.Prices:
    """With --tiered, the duration price through the monthly tiers of the loaded traffic."""
    return pricetable.apply_duration_tiers(prices, tables.invocations) if args.tiered else prices


def cmd_summary(args: argparse.Namespace) -> int:
    prices = _prices(args)
    tables, code = _load_selected(args)
    result = report.summary(tables, _tiered(args, prices, tables))
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    else:
        print(_format_summary(result))
    return code


def _format_summary(result: dict[str, Any]) -> str:
    """A fixed-width table for people; scripts use --json."""
    rows = [{
        "function": f["function"], "version": f["version"], "invocations": f["invocations"],
        "warm": f["warm"], "init": f["init"], "restore": f["restore"],
        "restore p50 ms": f["restore_ms"]["p50"], "restore p99 ms": f["restore_ms"]["p99"],
        "restore max ms": f["restore_ms"]["max"], "billed restore s": f["billed_restore_ms_sum"] / 1000,
        "init p50 ms": f["init_ms"]["p50"],
        "hooks max ms": (f.get("after_restore_hooks") or {}).get("hook_ms_max"),
        "cost USD": f.get("total_cost_usd"),
    } for f in result["functions"]]
    lines = result["lines"]
    table = pd.DataFrame(rows)
    for column in table.columns[2:]:  # None (a figure that cannot be given) as NaN, shown n/a
        table[column] = pd.to_numeric(table[column], errors="coerce")
    out = [table.to_string(index=False, na_rep="n/a", float_format=lambda v: f"{v:,.2f}")
           if rows else "no invocations found"]
    out.append(f"\nlines: {lines['lines']:,} read, {lines['parsed']:,} parsed, {lines['skipped']:,} skipped "
               f"(application/blank), {lines['rejected']:,} rejected; {lines['files']} file(s)")
    if lines.get("duplicates"):
        out.append(f"{lines['duplicates']:,} duplicate rows dropped (the same event read twice)")
    cheapest = [f"{c['function']}:{c['version']} {c['option']}" for c in result.get("comparison", []) if c["cheapest"]]
    if cheapest:
        out.append("cheapest for the observed traffic: " + ", ".join(cheapest))
    for p in result.get("projection", []):
        if p["cheapest"] and p["projected_cost_usd"] is not None:
            out.append(f"next {p['days']} days, {p['function']}:{p['version']}: {p['option']} "
                       f"${p['projected_cost_usd']:,.2f} (${p['low_cost_usd']:,.2f}-${p['high_cost_usd']:,.2f})")
    for r in result.get("repatches", []):
        out.append(f"runtime re-patch {r['function']}:{r['version']} at {r['timestamp']}: "
                   f"{r['from_runtime_version']} -> {r['to_runtime_version']}, restore p99 "
                   f"{_ms(r['restore_ms_p99_before'])} -> {_ms(r['restore_ms_p99_after'])}")
    out.extend(f"note: {note}" for note in result.get("notes", []))
    return "\n".join(out)


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f} ms"


def cmd_export(args: argparse.Namespace) -> int:
    from logparse import export

    prices = _prices(args)
    state = State.load(args.state) if args.state else None  # refused before reading the input
    tables, code = _load_selected(args)
    written = export.run_export(tables, args.out, bucket=args.bucket, prices=_tiered(args, prices, tables),
                                state=state)
    _print_written(written, args.out)
    return code


def cmd_fetch(args: argparse.Namespace) -> int:
    """Fetch one function's data and export the CSVs; one JSON line on stdout (what was fetched and
    the rows written per CSV) so cron logs stay machine-readable. With ``--insights`` the metrics
    come from Logs Insights and no lines are downloaded (the log tables get no rows)."""
    from logparse import aws, export, insights

    _time_range(args.since, args.until or "now")  # fetch's --until defaults to now
    prices = _prices(args)
    since, until = window(args.since or "24h", args.until)
    sess = aws.session(region=args.region)
    if args.region is None and sess.region_name:  # AWS_REGION / the profile's region applies
        prices = _region_prices(sess.region_name, args, prices)
    state = State.load(args.state) if args.state else None
    if args.insights:
        key = f"insights:{aws.log_group(args.function)}"
        start = state.since(key, since) if state else since
        metrics = insights.insights_metrics(args.function, start, until, args.bucket or export.DEFAULT_BUCKET, sess)
        if state:
            state.advance_to(key, until)
        tables = Tables(versions=aws.versions_if_allowed(args.function, sess))
        written = export.run_export(tables, args.out, bucket=args.bucket, prices=prices, state=state,
                                    metrics=metrics)
    else:
        tables = aws.fetch_tables(args.function, since, until, session=sess, state=state, xray=args.xray,
                                  progress=sys.stderr.isatty())
        written = export.run_export(tables, args.out, bucket=args.bucket, prices=_tiered(args, prices, tables),
                                    state=state)
    print(json.dumps({
        "function": args.function, "since": since.isoformat(), "until": until.isoformat(),
        "insights": bool(args.insights), "lines": tables.stats.lines,
        "rejected": tables.stats.rejected, "written": written,
    }, separators=(",", ":"), ensure_ascii=False))
    return 0


def _region_prices(region: str, args: argparse.Namespace, fallback: Any) -> Any:
    """Prices of the session's region when ``--region`` was not given; the CLI's own prices are a
    fine fallback: a fetch never fails over this."""
    try:
        return pricetable.load_prices(args.prices).lookup(region, args.arch or DEFAULT_ARCH, fallback=True)
    except Exception:
        return fallback


def cmd_prices(args: argparse.Namespace) -> int:
    if args.update:
        from logparse import pricelist

        result = pricelist.update(args.prices, args.offers_url, [args.region] if args.region else None)
        for line in result.describe():
            print(line, file=sys.stderr if line.startswith("warning:") else sys.stdout)
        return 0
    if args.offers_url:
        from logparse import pricelist

        raise pricelist.OptionError("--offers-url only applies with --update")
    _check_price_file(args.prices)
    frame = pricetable.load_prices(args.prices).listing(args.region, args.arch)
    if args.json:
        print(frame.to_json(orient="records", indent=2, double_precision=15))
    else:
        print(frame.to_string(index=False, float_format=lambda v: f"{v:.10g}"))
        if frame["source"].str.contains(pricetable.SHARED_NOTE, regex=False).any():
            print("note: SnapStart cache and restore prices have no ARM twin in the AWS Price List: "
                  "both architectures use them")
    return 0


def _print_written(written: dict[str, int], out: Path) -> None:
    for name, rows in written.items():
        print(f"{shown(out / name)}.csv: {rows} new rows", file=sys.stderr)


def cmd_check(args: argparse.Namespace) -> int:
    if bool(args.paths) == bool(args.live):
        print("error: give PATH... or --live (not both)", file=sys.stderr)
        return 2
    try:
        if args.live:
            tables = _fetch_live(args.function, args.since or "24h", args.until, args.region)
        else:
            large = sys.stderr.isatty() and paths.total_bytes(args.paths) > LARGE_INPUT_BYTES
            loaded = load(*args.paths, function=args.function, progress=large, limits=_limits(args))
            if _report_unreadable(loaded):
                return GATE_ERROR  # part of the evidence is missing: no verdict on the rest
            since, until = _time_range(args.since, args.until)
            tables = select(loaded, since=since, until=until)
        _check_present(tables, args.function, (args.baseline, args.candidate))
    except SnapLensError as err:
        print(one_line(err), file=sys.stderr)
        return GATE_ERROR
    result = gate.compare(tables, args.function, args.baseline, args.candidate,
                          max_regression=args.max_p99_regression, min_restores=args.min_restores)
    if args.json:
        print(json.dumps(result.as_dict(), indent=2))
    else:
        print(result.message)
        for note in result.notes:
            print(f"note: {note}")
    return result.exit_code


# ``check``'s exit code when it cannot judge at all (1 and 3 are verdicts a pipeline acts on).
GATE_ERROR = 2


def _check_present(tables: Tables, function: str, versions: tuple[str, ...]) -> None:
    """A function or version the input never mentions is a typo, not a lack of evidence: say what
    the input holds instead."""
    invocations = tables.invocations
    functions = sorted(invocations["function"].dropna().unique())
    if function not in functions:
        held = ", ".join(functions) or "no invocation at all"
        raise UsageError(f"no invocation of {function} in the input: it holds {held}",
                         "give one of them as --function")
    of_function = invocations.loc[invocations["function"] == function, "version"]
    held_versions = sorted_versions(list(of_function.dropna().unique()))
    for version in versions:
        if version not in held_versions:
            raise UsageError(f"{function} has no version {version} in the input: it holds versions "
                             + ", ".join(held_versions), "give one of them as --baseline / --candidate")


def _fetch_live(function: str, since: str, until: str | None, region: str | None) -> Tables:
    """The function's platform lines over the window, through fetch's own code path."""
    from logparse import aws

    start, end = window(since, until)
    return aws.fetch_tables(function, start, end, session=aws.session(region=region), versions=False,
                            progress=sys.stderr.isatty())


def cmd_fleet(args: argparse.Namespace) -> int:
    from logparse import fleet

    report = fleet.scan(args.regions or [None], prefix=args.function_prefix, idle_days=args.idle_days,
                        prices=pricetable.load_prices(args.prices), progress=True, insights=args.insights)
    if args.out:
        fleet.write_outputs(report, args.out)
    if args.json or not sys.stdout.isatty():
        print(json.dumps(report.as_dict(), separators=(",", ":")))
    else:
        print(fleet.format_report(report))
    for problem in report.unreadable:
        print(f"warning: cannot read {problem.region} {problem.function}: {problem.problem}", file=sys.stderr)
    read_nothing = report.unreadable and all(u.function == "*" for u in report.unreadable) and not report.functions
    return 1 if read_nothing else 0
