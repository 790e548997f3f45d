"""Every SnapStart version in an account, what its snapshot cache costs, and which ones nobody uses
(``python -m logparse fleet``).

A published version with SnapStart on is charged for its cache every second it exists, invoked or
not, so forgotten versions are a standing cost. For each region: ``lambda:ListFunctions``, then per
function ``ListVersionsByFunction`` and ``ListAliases`` (all paginated) and one ``FilterLogEvents``
over the idle window on the function's log group, filtered server-side to REPORT lines, whose stream
names (``YYYY/MM/DD/[<version>]...``) say which version each invocation ran on. Functions are
scanned by a small thread pool sharing one client per service and region: botocore's adaptive retry
mode rate-limits that client as a whole, which keeps the pool within the API limits.

It never deletes anything: idle versions come with the ``aws lambda delete-function`` command that
would remove each, for a person to run.
"""

from __future__ import annotations

import re
import shlex
import sys
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from logparse import aws, insights, pricetable
from logparse.tables import FLOAT, INT, TEXT, TIME

# A month of cache, as the README's worked example counts it (1 GB for 30 days = $3.90).
MONTH = pd.Timedelta(days=30)
DEFAULT_IDLE_DAYS = 14
WORKERS = 4  # Lambda's control-plane APIs allow about 15 calls/s per account and region
# REPORT lines only (text and JSON log formats): one per invocation, and never the snapshot
# creation at publish, which runs INIT_START/INIT_REPORT in a stream that serves no request.
INVOCATION_FILTER = '?"REPORT RequestId" ?"platform.report"'
STREAM_VERSION = re.compile(r"\[([^\]]+)\]")

# SnapStart prices by runtime family: Python (3.12+) and .NET (8+) pay for cache and restores,
# Java pays nothing for SnapStart itself; other runtimes cannot use it.
PRICED, FREE, UNSUPPORTED = "priced", "free (Java)", "unsupported runtime"
RUNTIME = re.compile(r"^(python|dotnet|java)(\d+)(?:\.(\d+))?")
MINIMUM = {"python": (3, 12), "dotnet": (8, 0)}

COLUMNS: dict[str, str] = {
    "region": TEXT, "function": TEXT, "version": TEXT, "runtime": TEXT, "snapstart_pricing": TEXT,
    "memory_mb": INT, "architecture": TEXT, "created": TIME, "aliases": TEXT, "last_invocation": TIME,
    "logs_read": "boolean", "idle": "boolean", "monthly_cache_usd": FLOAT, "delete_command": TEXT,
}


def snapstart_pricing(runtime: str | None) -> str:
    """Whether SnapStart on this runtime is :data:`PRICED`, :data:`FREE` or :data:`UNSUPPORTED`."""
    match = RUNTIME.match(runtime or "")
    if not match:
        return UNSUPPORTED
    family, major, minor = match.group(1), int(match.group(2)), int(match.group(3) or 0)
    if family == "java":
        return FREE
    return PRICED if (major, minor) >= MINIMUM[family] else UNSUPPORTED


def monthly_cache_usd(memory_mb: float, prices: pricetable.Prices) -> float:
    """What a version's cache costs in :data:`MONTH`: memory GB x seconds x the cache price."""
    return memory_mb / pricetable.MB_PER_GB * MONTH.total_seconds() * prices.cache_gb_s


def delete_command(function: str, version: str, region: str) -> str:
    """The AWS CLI command that removes one published version (quoted for a POSIX shell)."""
    return (f"aws lambda delete-function --function-name {shlex.quote(function)} "
            f"--qualifier {shlex.quote(version)} --region {shlex.quote(region)}")


@dataclass(frozen=True)
class Unreadable:
    """A function (or a whole region, function ``*``) the caller may not read, and why."""

    region: str
    function: str
    problem: str


@dataclass
class FleetReport:
    """The scan's result: one row per SnapStart version (:data:`COLUMNS`) and what was unreadable."""

    versions: pd.DataFrame
    regions: list[str]
    idle_days: int
    since: pd.Timestamp
    until: pd.Timestamp
    functions: int = 0
    unreadable: list[Unreadable] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def idle(self) -> pd.DataFrame:
        return self.versions[self.versions["idle"].fillna(False).to_numpy(dtype=bool)]

    @property
    def idle_monthly_usd(self) -> float:
        return float(self.idle["monthly_cache_usd"].fillna(0).sum())

    def delete_commands(self) -> list[str]:
        return list(self.idle["delete_command"])

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (times ISO-8601 UTC, missing values null)."""
        rows = self.versions.astype(object).where(self.versions.notna(), None)
        for name in ("created", "last_invocation"):
            rows[name] = [t.isoformat() if t is not None else None for t in rows[name]]
        return {
            "regions": self.regions, "idle_days": self.idle_days,
            "since": self.since.isoformat(), "until": self.until.isoformat(),
            "functions": self.functions, "snapstart_versions": len(self.versions),
            "idle_versions": len(self.idle), "idle_monthly_cache_usd": round(self.idle_monthly_usd, 6),
            "delete_commands": self.delete_commands(),
            "unreadable": [u.__dict__ for u in self.unreadable],
            "versions": rows.to_dict(orient="records"),
            "notes": self.notes,
        }


def scan(regions: Iterable[str | None], *, prefix: str = "", idle_days: int = DEFAULT_IDLE_DAYS,
         now: pd.Timestamp | None = None, prices: pricetable.PriceTable | None = None,
         session: Callable[[str | None], Any] = lambda region: aws.session(region=region),
         workers: int = WORKERS, progress: bool = False, insights: bool = False) -> FleetReport:
    """Scan ``regions`` (``None``: the session's region) for SnapStart versions of functions whose
    name starts with ``prefix``. A version is idle when it is older than ``idle_days``, no
    invocation of it was logged in the last ``idle_days`` and no alias points at it. With
    ``insights``, last invocations come from one Logs Insights query per function."""
    now = pd.Timestamp.now(tz="UTC") if now is None else pd.Timestamp(now)
    since = now - pd.Timedelta(days=idle_days)
    prices = prices or pricetable.load_prices()
    regions = list(regions)
    for wanted in regions:
        if wanted:  # a region the user named must be priced: fail before any call, naming the known ones
            table_lookup(prices, wanted, pricetable.DEFAULT_ARCH, from_user=True)
    frames, unreadable, names, functions = [], [], [], 0
    for wanted in regions:
        sess = session(wanted)
        region = wanted or sess.region_name
        if not region:
            raise aws.AwsError("lambda:ListFunctions", "no AWS region configured",
                               "pass --region or set AWS_REGION")
        names.append(region)
        lam, logs = aws.client("lambda", sess), aws.client("logs", sess)
        try:
            configs = [c for page in aws.pages(lam, "list_functions") for c in page.get("Functions", [])
                       if c.get("FunctionName", "").startswith(prefix)]
        except aws.AwsError as err:
            unreadable.append(Unreadable(region, "*", str(err)))
            continue
        functions += len(configs)
        rows, problems = _scan_region(region, configs, lam, logs, since, now, workers, progress, insights)
        unreadable += problems
        blind = sorted({row["function"] for row in rows if not row["logs_read"]})
        unreadable += [Unreadable(region, f, "logs:FilterLogEvents: log group not readable; last invocation "
                                  "unknown, so its versions are never called idle") for f in blind]
        frames.append(price_versions(pd.DataFrame(rows), region, prices, idle_days, now, from_user=bool(wanted)))
    versions = pd.concat(frames, ignore_index=True) if frames else _empty()
    if len(versions):
        versions = versions.sort_values(["region", "function", "created", "version"], ignore_index=True)
    notes = [f"idle: older than {idle_days} days, no REPORT line in the last {idle_days} days and no alias",
             f"monthly cache: memory GB x {MONTH.days} days x the region's cache price; "
             "Java SnapStart has no cache or restore charge",
             "nothing was deleted: run the delete commands yourself after checking them"]
    return FleetReport(versions, names, idle_days, since, now, functions, unreadable, notes)


def _scan_region(region: str, configs: list[dict[str, Any]], lam: Any, logs: Any, since: pd.Timestamp,
                 until: pd.Timestamp, workers: int, progress: bool,
                 insights: bool = False) -> tuple[list[dict[str, Any]], list[Unreadable]]:
    """Every function of one region on a thread pool; failures per function, never for the region."""
    rows: list[dict[str, Any]] = []
    problems: list[Unreadable] = []
    bar = _bar(progress, len(configs), region)
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        futures = {pool.submit(function_versions, c, lam, logs, since, until, insights): c["FunctionName"]
                   for c in configs}
        for future in as_completed(futures):
            try:
                rows += future.result()
            except aws.AwsError as err:
                problems.append(Unreadable(region, futures[future], str(err)))
            if bar is not None:
                bar.update(1)
    if bar is not None:
        bar.close()
    return rows, sorted(problems, key=lambda u: u.function)


def function_versions(config: dict[str, Any], lam: Any, logs: Any, since: pd.Timestamp,
                      until: pd.Timestamp, insights: bool = False) -> list[dict[str, Any]]:
    """The SnapStart published versions of one function, with aliases and last invocation.

    A log group the caller may not read leaves ``last_invocation`` unknown (and the version is
    then never called idle); a missing log group means no invocation was ever logged.
    """
    name = config["FunctionName"]
    versions = [v for page in aws.pages(lam, "list_versions_by_function", FunctionName=name)
                for v in page.get("Versions", [])]
    snap = [v for v in versions if v.get("Version", "$LATEST") != "$LATEST"
            and (v.get("SnapStart") or {}).get("ApplyOn") == "PublishedVersions"]
    if not snap:
        return []
    aliases = alias_map(a for page in aws.pages(lam, "list_aliases", FunctionName=name)
                        for a in page.get("Aliases", []))
    group = (config.get("LoggingConfig") or {}).get("LogGroup") or aws.log_group(name)
    last: dict[str, pd.Timestamp] = {}
    known = True
    try:
        last = (last_invocations_insights if insights else last_invocations)(logs, group, since, until)
    except aws.AwsError as err:
        # No log group: nothing was ever logged. Any other failure: we cannot tell.
        known = "not found" in err.problem
    rows = []
    for v in snap:
        version = v["Version"]
        rows.append({
            "function": name, "version": version, "runtime": v.get("Runtime"),
            "memory_mb": v.get("MemorySize"), "architecture": (v.get("Architectures") or ["x86_64"])[0],
            # A published version is immutable: LastModified is when it was published.
            "created": pd.to_datetime(v.get("LastModified"), utc=True, format="ISO8601"),
            "aliases": ",".join(sorted(aliases.get(version, []))),
            "last_invocation": last.get(version) if known else pd.NaT,
            "logs_read": known,
        })
    return rows


def alias_map(aliases: Iterable[dict[str, Any]]) -> dict[str, list[str]]:
    """Version -> names of the aliases routing to it: ``FunctionVersion`` and the extra versions of
    a weighted alias (``RoutingConfig.AdditionalVersionWeights``), which also keep a version live."""
    out: dict[str, list[str]] = {}
    for alias in aliases:
        targets = [alias.get("FunctionVersion"),
                   *((alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {})]
        for version in targets:
            if version:
                out.setdefault(str(version), []).append(alias.get("Name", "?"))
    return out


def last_invocations(logs: Any, group: str, since: pd.Timestamp, until: pd.Timestamp) -> dict[str, pd.Timestamp]:
    """Version -> time of its last REPORT in ``[since, until]``: one paginated FilterLogEvents,
    REPORT lines only, the version read from each event's stream name."""
    latest: dict[str, int] = {}
    params = {"logGroupName": group, "startTime": int(since.timestamp() * 1000),
              "endTime": int(until.timestamp() * 1000), "filterPattern": INVOCATION_FILTER}
    for page in aws.pages(logs, "filter_log_events", **params):
        for event in page.get("events", []):
            if not is_invocation(event.get("message") or ""):
                continue
            match = STREAM_VERSION.search(event.get("logStreamName") or "")
            if match and event.get("timestamp", 0) > latest.get(match.group(1), -1):
                latest[match.group(1)] = event["timestamp"]
    return {version: pd.Timestamp(ms, unit="ms", tz="UTC") for version, ms in latest.items()}


# Logs Insights variant for log groups too big to scan: the server keeps the max per version.
LAST_INVOCATION_QUERY = """\
filter @type = "REPORT" or type = "platform.report"
| parse @logStream "[*]" as version
| stats max(@timestamp) as last_invocation by version"""
INSIGHTS_DEADLINE_S = 15 * 60


def last_invocations_insights(logs: Any, group: str, since: pd.Timestamp, until: pd.Timestamp, *,
                              sleep: Callable[[float], None] = time.sleep,
                              deadline_s: float = INSIGHTS_DEADLINE_S) -> dict[str, pd.Timestamp]:
    """:func:`last_invocations` computed by one Logs Insights query instead of downloading every
    REPORT line: for groups with millions of invocations in the window. Polls with back-off."""
    query_id = aws.call(logs, "start_query", logGroupName=group, startTime=int(since.timestamp()),
                        endTime=int(until.timestamp()), queryString=LAST_INVOCATION_QUERY,
                        limit=10_000)["queryId"]
    delay, started = 0.5, time.monotonic()
    try:
        while True:
            sleep(delay)
            result = aws.call(logs, "get_query_results", queryId=query_id)
            status = result.get("status")
            if status not in ("Scheduled", "Running", "Unknown", None):
                break  # ended, one way or another: nothing left to stop
            if time.monotonic() - started > deadline_s:
                raise aws.AwsError("logs:GetQueryResults", f"query still running after {deadline_s:.0f} s",
                                   "retry later or lower --idle-days")
            delay = min(delay * 1.5, 5.0)
    except BaseException:
        # A query given up on would go on scanning (billed) and holding one of the account's
        # concurrent queries for up to an hour.
        insights.stop_queries(aws.session(region=logs.meta.region_name), [query_id])
        raise
    if status != "Complete":
        raise aws.AwsError("logs:GetQueryResults", f"query {query_id} ended {status}", "retry later")
    out = {}
    for row in result.get("results", []):
        cells = {cell.get("field"): cell.get("value") for cell in row}
        if cells.get("version") and cells.get("last_invocation"):
            out[cells["version"]] = pd.Timestamp(cells["last_invocation"], tz="UTC")
    return out


def is_invocation(message: str) -> bool:
    """The filter pattern again, on our side: CloudWatch's term matching is looser than a prefix
    test, and emulators may ignore ``?`` patterns altogether."""
    return message.startswith("REPORT RequestId") or '"platform.report"' in message


def table_lookup(table: pricetable.PriceTable, region: str, arch: str, *, from_user: bool) -> pricetable.Prices:
    """``PriceTable.lookup`` as the rest of SnapLens calls it: a region the user named and the table
    lacks is a usage error (:class:`pricetable.UnknownRegion`); one from the environment falls back to
    us-east-1 with a warning and a flag in the prices."""
    return table.lookup(region, arch, fallback=not from_user)


def price_versions(frame: pd.DataFrame, region: str, table: pricetable.PriceTable, idle_days: int,
                   now: pd.Timestamp, *, from_user: bool = True) -> pd.DataFrame:
    """Rows of :func:`function_versions` -> :data:`COLUMNS`: pricing class, monthly cache USD at the
    region's price (:func:`table_lookup`), idleness and the delete command of each version."""
    if frame.empty:
        return _empty()
    frame["region"] = region
    frame["snapstart_pricing"] = [snapstart_pricing(r) for r in frame["runtime"]]
    lookups = {arch: table_lookup(table, region, arch, from_user=from_user)
               for arch in frame["architecture"].unique()}
    frame["monthly_cache_usd"] = [
        monthly_cache_usd(m, lookups[a]) if p == PRICED else 0.0
        for m, a, p in zip(frame["memory_mb"], frame["architecture"], frame["snapstart_pricing"], strict=True)]
    window = pd.Timedelta(days=idle_days)
    frame["idle"] = (frame["logs_read"] & frame["last_invocation"].isna() & (frame["aliases"] == "")
                     & (frame["created"] <= now - window))
    frame["delete_command"] = [delete_command(f, v, region) for f, v in zip(frame["function"], frame["version"],
                                                                            strict=True)]
    frame["last_invocation"] = pd.to_datetime(frame["last_invocation"], utc=True)
    return frame[list(COLUMNS)].astype(COLUMNS)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=dtype) for name, dtype in COLUMNS.items()})


def _bar(enabled: bool, total: int, region: str) -> Any:
    """A tqdm bar over functions on an interactive stderr only."""
    if not (enabled and sys.stderr.isatty()):
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc=f"fleet {region}", unit=" functions", file=sys.stderr, leave=False)


def write_outputs(report: FleetReport, out_dir: Any) -> dict[str, int]:
    """``fleet.csv`` (every SnapStart version) and ``delete-idle-versions.sh`` (the commands, for a
    person to review and run), each replaced atomically; rows written per file."""
    from pathlib import Path

    from logparse import export

    out = Path(out_dir)
    export.write_atomic(out / "fleet.csv", export.csv_bytes(report.versions))
    script = ["#!/bin/sh", "# Idle SnapStart versions found by `python -m logparse fleet` on "
              f"{report.until:%Y-%m-%dT%H:%M:%SZ}: review before running. Nothing was deleted.",
              f"# Monthly cache they cost: ${report.idle_monthly_usd:,.2f}", *report.delete_commands()]
    export.write_atomic(out / "delete-idle-versions.sh", ("\n".join(script) + "\n").encode("utf-8"))
    return {"fleet.csv": len(report.versions), "delete-idle-versions.sh": len(report.idle)}


def format_report(report: FleetReport) -> str:
    """The scan for people: versions, idle total, the delete commands, what could not be read."""
    out = []
    if len(report.versions):
        shown = report.versions.drop(columns=["delete_command"]).copy()
        for name in ("created", "last_invocation"):
            shown[name] = shown[name].dt.strftime("%Y-%m-%d %H:%M")
        out.append(shown.to_string(index=False, na_rep="-", float_format=lambda v: f"{v:,.2f}"))
    else:
        out.append("no SnapStart published versions found")
    out.append(f"\n{report.functions} function(s) in {', '.join(report.regions) or 'no region'}; "
               f"{len(report.versions)} SnapStart version(s); {len(report.idle)} idle, "
               f"${report.idle_monthly_usd:,.2f} of cache per month")
    out.extend(report.delete_commands())
    out.extend(f"unreadable: {u.region} {u.function}: {u.problem}" for u in report.unreadable)
    out.extend(f"note: {note}" for note in report.notes)
    return "\n".join(out)
