"""SnapLens dashboard: restore latency, billed restore time and cache cost of Lambda SnapStart.

    streamlit run dashboard.py

A thin face over :mod:`logparse`: the sidebar gathers input (a source and filters), the library
parses and aggregates (:func:`logparse.load`, :func:`logparse.views.build`), and this file draws
the result. No parsing, percentile or pricing logic lives here.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import boto3
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.runtime.uploaded_file_manager import UploadedFile

import logparse
from logparse import cost, metrics, views
from logparse.tables import Tables

HERE = Path(__file__).resolve().parent
SAMPLE_DIR = HERE / "sample_logs"
PREVIEW_ROWS = 1_000
MB = 1024 * 1024

SAMPLE, UPLOAD, FOLDER, AWS = "Sample data", "Upload files", "Local folder or glob", "Live AWS"
# The theme's categorical colours (.streamlit/config.toml), given to plotly so that one version keeps
# one colour in every chart.
PALETTE = ("#1C7ED6", "#D9480F", "#2B8A3E", "#7048E8", "#E67700", "#0B7285", "#C2255C", "#5C940D")
START_KIND_COLORS = {"warm": "#ADB5BD", "init": "#D9480F", "restore": "#1C7ED6"}
PHASE_COLORS = {"init": "#D9480F", "restore": "#1C7ED6"}
OPTION_COLORS = {"snapstart": "#1C7ED6", "on-demand": "#D9480F", "provisioned-concurrency": "#7048E8"}
CHARGE_COLORS = {"cache": "#0B7285", "restore": "#1C7ED6", "billed restore duration": "#E67700"}
COMPARISON_COLUMNS = ("series", "option", "total_cost_usd", "cache_cost_usd", "restore_cost_usd",
                      "duration_cost_usd", "request_cost_usd", "provisioned_cost_usd", "cold_starts",
                      "cold_start_p50_ms", "cold_start_p99_ms", "pc_concurrency", "cheapest", "note")
HOOK_COLUMNS = ("series", "restores_traced", "hook_ms_p50", "hook_ms_p99", "hook_ms_max", "failures",
                "failed_restores", "worst_ms", "headroom_ms", "limit_share", "worst_trace_id", "measured_from")
# What each hook figure is measured from (logparse.xray.hook_analysis), shown as column help.
HOOK_HELP = {
    "hook_ms_p50": "Sum of the hook subsegments under each traced Restore subsegment, 50th percentile; "
                   "empty where no hooks were traced (runtime load is never shown as hook time)",
    "hook_ms_p99": "As hook_ms_p50, 99th percentile",
    "hook_ms_max": "As hook_ms_p50, slowest restore",
    "failures": "Traced restores with an error or fault, restore REPORTs with status error/timeout, "
                "and failed RESTORE_REPORTs",
    "failed_restores": "Restores that failed or hit the 10 s limit (Restore Duration >= 10,000 ms, "
                       "SnapStartTimeoutException, a failed RESTORE_REPORT): headroom is 0 where any did",
    "worst_ms": "Slowest traced restore's time toward the limit: hook subsegments, else an upper bound "
                "(Restore subsegment minus the unbilled snapshot restore, else the whole Restore "
                "subsegment); 10,000 where the logs show the limit was hit",
    "headroom_ms": "10,000 ms - worst_ms; at most 0 where a restore failed",
    "measured_from": "What this row's figures are measured from",
}
MONEY_COLUMNS = {name: st.column_config.NumberColumn(format="$%.4f") for name in COMPARISON_COLUMNS
                 if name.endswith("_usd")}
# What hover boxes, legends and axes call the tables' columns: a person's words with units.
LABELS = {
    "bucket_start": "bucket start (UTC)", "series": "version", "statistic": "statistic",
    "restore_ms": "restore (ms)", "billed_restore_ms": "billed restore (ms, sum per bucket)",
    "start_kind": "start", "share": "share of invocations", "invocations": "invocations",
    "cost_usd": "cost (USD per bucket)", "charge": "charge", "cumulative_cost_usd": "cumulative cost (USD)",
    "total_cost_usd": "total cost (USD)", "option": "option", "cold_starts": "cold starts",
    "cold_start_p50_ms": "cold start p50 (ms)", "cold_start_p99_ms": "cold start p99 (ms)",
    "cheapest": "cheapest", "duration_ms": "duration (ms)", "fraction": "share of starts within",
    "samples": "samples", "phase": "phase", "outcome": "outcome", "count": "count",
    "latency_ms_p50": "p50 (ms)", "latency_ms_p99": "p99 (ms)",
}
SUMMARY_CONFIG = {
    "series": st.column_config.TextColumn("version", pinned=True),
    "function": None, "version": None,  # in the series name already
    "invocations": st.column_config.NumberColumn("invocations", format="%d"),
    "restore_share": st.column_config.NumberColumn("restore share", format="percent"),
    "restore_ms_p50": st.column_config.NumberColumn("restore p50", format="%.0f ms"),
    "restore_ms_p99": st.column_config.NumberColumn("restore p99", format="%.0f ms"),
    "billed_restore_s": st.column_config.NumberColumn("billed restore", format="%.1f s"),
    "errors": st.column_config.NumberColumn("errors", format="%d"),
    "timeouts": st.column_config.NumberColumn("timeouts", format="%d"),
    "failed_restores": st.column_config.NumberColumn("failed restores", format="%d"),
    "snapstart_cost_usd": st.column_config.NumberColumn(
        "SnapStart cost", format="$%.3g", help="cache + restore charges in the selection ($LATEST has no snapshot)"),
    "hook_headroom_ms": st.column_config.NumberColumn(
        "hook headroom", format="%.0f ms",
        help="10 s after-restore hook limit minus the slowest traced restore (none where a restore failed)"),
}
PRICE_FIELDS = {
    "cache_gb_s": "SnapStart cache, per GB-second", "restore_gb": "SnapStart restore, per GB restored",
    "duration_gb_s": "Duration, per GB-second", "request": "Requests, per request",
    "pc_gb_s": "Provisioned Concurrency, per GB-second", "pc_duration_gb_s": "PC duration, per GB-second",
}
AWS_MISSING = ("No AWS credentials found for a live fetch. To provide them: set `AWS_PROFILE` (with its region), "
               "or `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`, in the environment that starts the dashboard "
               "(or run `aws sso login` for the profile), then reload this page. The region comes from the "
               "**Region** box below, else `AWS_DEFAULT_REGION` or the profile.")


def md(text: object) -> str:
    """Text shown as Markdown, with ``$`` escaped: Streamlit reads ``$...$`` as maths, and
    ``$LATEST`` is a version name."""
    return str(text).replace("$", "\\$")


@dataclass(frozen=True)
class Loaded:
    """One loaded source: its tables, how to name it, and a key that changes when its content does."""

    tables: Tables
    label: str
    key: str
    region: str | None = None  # where a live fetch came from: the prices to use
    inputs: tuple[str, ...] = ()  # the paths given: CSV sources are shown relative to them


# --------------------------------------------------------------------------- loading (cached)


@st.cache_data(show_spinner="Reading log files…", max_entries=8)
def load_paths(paths: tuple[str, ...], fingerprint: str, function: str | None, version: str | None) -> Tables:
    """Parse files, folders or globs. ``fingerprint`` (paths, sizes, mtimes) keys the cache."""
    del fingerprint  # only a cache key: an edited file has a new fingerprint and is read again
    return logparse.load(*paths, function=function, version=version)


@st.cache_data(show_spinner="Reading uploaded files…", max_entries=8)
def load_uploads(_files: tuple[tuple[str, bytes], ...], digest: str,
                 function: str | None, version: str | None) -> Tables:
    """Parse uploaded files in memory (nothing is written to disk). ``digest`` of the bytes keys the cache."""
    del digest
    buffers = []
    for name, data in _files:
        buffer = io.BytesIO(data)
        buffer.name = name  # the library names rejects and sources after it
        buffers.append(buffer)
    return logparse.load(*buffers, function=function, version=version)


@st.cache_data(show_spinner="Fetching from CloudWatch Logs and X-Ray…", ttl=300, max_entries=4)
def load_aws(function: str, region: str | None, since: str, xray: bool) -> Tables:
    """Fetch a function's platform lines (and traces, and its versions) from AWS; cached for 5 minutes."""
    from logparse import aws
    from logparse.timeutil import parse_time_arg

    now = pd.Timestamp.now(tz="UTC")
    start = parse_time_arg(since, now=now)
    return aws.fetch_tables(function, start.to_pydatetime(), now.to_pydatetime(),
                            session=aws.session(region=region), xray=xray)


@st.cache_data(show_spinner=False)
def load_prices() -> cost.PriceTable:
    return cost.load_prices()


def aws_credentials_found() -> bool:
    """Offer the live source only when the standard boto3 credential chain finds credentials.

    Asked once per browser session: off EC2 the chain may wait on the instance metadata service.
    """
    if "aws_credentials_found" not in st.session_state:
        try:
            found = boto3.Session().get_credentials() is not None
        except Exception:  # a broken profile file means "no credentials" here, not a crash
            found = False
        st.session_state["aws_credentials_found"] = found
    return bool(st.session_state["aws_credentials_found"])


@st.cache_resource(show_spinner="Aggregating…", max_entries=4, ttl=1800)
def build_views(_tables: Tables, key: str, selection: views.Selection, bucket: str | None,
                region: str, arch: str, overrides: tuple[tuple[str, float], ...] = ()) -> views.Views:
    """The per-filter aggregation, shared (read-only) across reruns with the same filters."""
    del key  # identifies _tables, which is too large to hash on every rerun
    prices = load_prices().lookup(region, arch)
    if overrides:
        prices = prices.with_overrides(**dict(overrides))
    return views.build(_tables, selection, prices, bucket=bucket)


def files_fingerprint(paths: Sequence[str]) -> str:
    """Digest of every file's path, size and mtime under ``paths`` (folders and globs expanded)."""
    entries = []
    for text in paths:
        path = Path(text)
        if path.is_dir():
            found = path.rglob("*")
        elif path.exists():
            found = iter([path])
        else:
            found = Path().glob(text) if not path.is_absolute() else Path("/").glob(text.lstrip("/"))
        for file in found:
            if file.is_file():
                stat = file.stat()
                entries.append(f"{file}\0{stat.st_size}\0{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(sorted(entries)).encode()).hexdigest()


def bytes_digest(files: Sequence[tuple[str, bytes]], known: Sequence[str | None] = ()) -> str:
    """Digest of the names and contents of ``files``; ``known`` holds already computed per-file digests."""
    digest = hashlib.sha256()
    for i, (name, data) in enumerate(files):
        content = known[i] if i < len(known) and known[i] else hashlib.sha256(data).hexdigest()
        digest.update(f"{name}\0{content}\n".encode())
    return digest.hexdigest()


def upload_digest(file: UploadedFile) -> str:
    """Content digest of one upload, computed once per upload: a 200 MB file must not be hashed on
    every widget change."""
    memo: dict[str, str] = st.session_state.setdefault("upload_digests", {})
    if file.file_id not in memo:
        memo[file.file_id] = hashlib.sha256(file.getvalue()).hexdigest()
    return memo[file.file_id]


# --------------------------------------------------------------------------- sidebar: source


def upload_limit_mb() -> int:
    """Megabytes one upload may hold (``server.maxUploadSize``); also checked for all files together."""
    return int(st.session_state.get("upload_limit_mb") or st.get_option("server.maxUploadSize"))


def choose_source(uploads: Sequence[tuple[str, bytes]] | None = None) -> Loaded | None:
    """The sidebar's source picker; returns the loaded source or None (after saying why)."""
    sidebar = st.sidebar
    sidebar.header("Source")
    if uploads is not None:  # tests and embedding: bytes given directly, no widget
        return from_uploads(list(uploads), None, None)
    kind = sidebar.radio("Read from", [SAMPLE, UPLOAD, FOLDER, AWS], key="source", label_visibility="collapsed",
                         help="Live AWS uses the standard credential chain of the machine running the dashboard")
    with sidebar.expander("Inputs without a log group"):
        st.caption("Plain-text copies carry no log group or stream: name them here.")
        function = st.text_input("Function name", key="default_function").strip() or None
        version = st.text_input("Version", key="default_version").strip() or None
    if kind == SAMPLE:
        return from_paths([str(SAMPLE_DIR)], "sample data (sample_logs/)", function, version)
    if kind == FOLDER:
        text = sidebar.text_input("Folder, file or glob", key="folder",
                                  placeholder="/var/log/lambda or exports/**/*.gz").strip()
        if not text:
            st.info("Enter a local folder, file or glob in the sidebar to read it.")
            return None
        return from_paths([str(Path(text).expanduser())], text, function, version)
    if kind == UPLOAD:
        return choose_uploads(function, version)
    return choose_aws()


def from_paths(paths: list[str], label: str, function: str | None, version: str | None) -> Loaded:
    fingerprint = files_fingerprint(paths)
    tables = load_paths(tuple(paths), fingerprint, function, version)
    return Loaded(tables, label, f"paths:{fingerprint}:{function}:{version}", inputs=tuple(paths))


def from_uploads(files: list[tuple[str, bytes]], function: str | None, version: str | None,
                 known_digests: Sequence[str | None] = ()) -> Loaded | None:
    limit_mb = upload_limit_mb()
    total = sum(len(data) for _, data in files)
    if total > limit_mb * MB:
        st.error(f"The uploaded files add up to {total / MB:,.0f} MB; the dashboard reads at most "
                 f"{limit_mb} MB at once. Upload fewer files, or point the **{FOLDER}** source at them "
                 "(or use `python -m logparse export`), which read from disk without this limit.")
        return None
    digest = bytes_digest(files, known_digests)
    tables = load_uploads(tuple(files), digest, function, version)
    names = ", ".join(name for name, _ in files[:3]) + (" …" if len(files) > 3 else "")
    return Loaded(tables, f"{len(files)} uploaded file(s): {names}", f"upload:{digest}:{function}:{version}")


def choose_uploads(function: str | None, version: str | None) -> Loaded | None:
    limit_mb = upload_limit_mb()
    uploaded = st.sidebar.file_uploader(
        "Log or trace files", accept_multiple_files=True, key="uploads", max_upload_size=limit_mb,
        help="Any supported input: console copies, `aws logs tail`/`sam logs` output, CloudWatch "
             "S3 exports (.gz), filter-log-events JSON, subscription payloads, Logs Insights CSV/JSON, "
             f"X-Ray batch-get-traces JSON. Up to {limit_mb} MB in total; read in memory only.")
    if not uploaded:
        st.info("Upload one or more log or trace files in the sidebar.")
        return None
    return from_uploads([(file.name, file.getvalue()) for file in uploaded], function, version,
                        [upload_digest(file) for file in uploaded])


def choose_aws() -> Loaded | None:
    sidebar = st.sidebar
    if not aws_credentials_found():
        st.warning(AWS_MISSING)
        return None
    function = sidebar.text_input("Function name", key="aws_function").strip()
    region = sidebar.text_input("Region", key="aws_region", placeholder="from AWS_REGION / profile").strip()
    since = sidebar.selectbox("Since", ["1h", "6h", "24h", "3d", "7d", "14d"], index=2, key="aws_since")
    xray = sidebar.checkbox("Include X-Ray traces", value=True, key="aws_xray")
    if not function:
        st.info("Enter the Lambda function name to fetch its logs from CloudWatch.")
        return None
    try:
        tables = load_aws(function, region or None, since, xray)
    except Exception as exc:  # boto3 raises many kinds; all mean "could not fetch", shown as such
        problem, hint = views.aws_problem(exc)
        st.error(md(f"Could not fetch logs of `{function}` from AWS: {problem}. To fix: {hint}."))
        return None
    # A fetch is cached for 5 minutes, then fetched again under the same arguments: key the
    # aggregates on what came back too, so they never outlive the data they were built from.
    fetched = f"{tables.stats.bytes}:{len(tables.invocations)}:{tables.invocations['timestamp'].max()}"
    return Loaded(tables, f"AWS: {function} (last {since})",
                  f"aws:{function}:{region}:{since}:{xray}:{fetched}", region=region or boto3.Session().region_name)


# --------------------------------------------------------------------------- load report


def plural(n: int, one: str, many: str | None = None) -> str:
    """``1 line``, ``2 lines``: messages read like sentences."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def report_load(loaded: Loaded) -> bool:
    """Say what was read and what was not. False when nothing usable was loaded."""
    tables, stats = loaded.tables, loaded.tables.stats
    rejected = plural(len(tables.rejects), "line or record", "lines or records")
    found = ", ".join([plural(len(tables.invocations), "invocation"), plural(len(tables.restores), "restore"),
                       plural(len(tables.inits), "init"), plural(len(tables.spans), "X-Ray span")])
    read = f"{plural(stats.lines, 'line')} in {plural(stats.files, 'file')}"
    why = "; ".join(f"{row.reason} ({row.lines:,})" for row in views.reject_reasons(tables.rejects).itertuples())
    if stats.files == 0 and not len(tables.invocations):
        detail = f" ({why})" if why else ""
        st.error(f"Nothing could be read from {loaded.label}{detail}. Check the path or files and try again.")
        show_rejects(tables.rejects)
        return False
    if not any(len(frame) for frame in (tables.invocations, tables.restores, tables.inits, tables.spans)):
        if len(tables.rejects):
            st.error(f"Nothing usable in {loaded.label}: {read} read, {rejected} rejected ({why}), "
                     f"{plural(stats.skipped, 'line')} skipped as application or other lines. "
                     "The rejected lines are listed below.")
            show_rejects(tables.rejects)
        else:
            st.warning(f"No Lambda platform lines (START / REPORT / INIT_* / RESTORE_*) in {loaded.label}: "
                       f"{read} read, all application or other lines. Is this a Lambda log group or an "
                       "export of one?")
        return False
    if len(tables.rejects):
        st.warning(f"{rejected} of {loaded.label} could not be parsed ({why}). Still loaded: {found} "
                   f"from {plural(stats.files, 'file')}; the rejected lines are in the **Rejects** table of the "
                   "**Rows and downloads** tab.")
    else:
        st.caption(f"Loaded {found} from {loaded.label}: {read} ({plural(stats.skipped, 'line')} skipped as "
                   f"application lines) in {stats.seconds:.2f} s.")
    return True


def show_rejects(rejects: pd.DataFrame) -> None:
    if len(rejects):
        st.dataframe(rejects.head(PREVIEW_ROWS), hide_index=True)


# --------------------------------------------------------------------------- sidebar: filters


@dataclass(frozen=True)
class Filters:
    selection: views.Selection
    bucket: str | None
    region: str
    arch: str
    bucket_note: DeltaGenerator  # filled in once the bucket size "auto" picked is known
    price_overrides: tuple[tuple[str, float], ...] = ()  # prices edited in the sidebar


def choose_filters(loaded: Loaded) -> Filters:
    """Function, version, time range, bucket size and prices, from the sidebar."""
    tables = loaded.tables
    sidebar = st.sidebar
    sidebar.header("Filters")
    functions = views.functions(tables)
    chosen_functions = sidebar.multiselect("Function", functions, key="functions",
                                           placeholder="All functions")
    versions = views.versions(tables, chosen_functions)
    chosen_versions = sidebar.multiselect("Version", versions, key="versions", placeholder="All versions")
    start, end = choose_time_range(tables)
    bucket = sidebar.selectbox("Bucket size", ["auto", *views.BUCKETS], key="bucket",
                               help="auto: a size that gives at most a few hundred buckets for the range")
    bucket_note = sidebar.empty()
    sidebar.header("Prices")
    region, arch = choose_prices(loaded)
    overrides = choose_price_overrides(region, arch)
    selection = views.Selection(tuple(chosen_functions), tuple(chosen_versions), start, end)
    return Filters(selection, None if bucket == "auto" else bucket, region, arch, bucket_note, overrides)


def choose_time_range(tables: Tables) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    span = views.time_range(tables)
    if span is None:
        return None, None
    first = span[0].floor("min").to_pydatetime()
    last = span[1].ceil("min").to_pydatetime()
    if last <= first:
        last = first + timedelta(minutes=1)
    presets = st.sidebar.columns(len(views.PRESETS), gap="small")
    for column, name in zip(presets, views.PRESETS, strict=True):
        column.button(name.removeprefix("last ").replace(" ", ""), key=f"preset_{name}",
                      on_click=apply_preset, args=((first, last), name), help=f"Time range: {name}",
                      width="stretch", type="tertiary")
    stored = st.session_state.get("time_range")
    if not (stored and first <= stored[0] <= stored[1] <= last):  # a new source: its whole range
        st.session_state["time_range"] = (first, last)
    picked: tuple[datetime, datetime] = st.sidebar.slider(
        "Time range (UTC)", min_value=first, max_value=last, step=timedelta(minutes=1),
        format="YYYY-MM-DD HH:mm", key="time_range")
    low, high = (pd.Timestamp(t) for t in picked)
    low = low.tz_localize("UTC") if low.tzinfo is None else low.tz_convert("UTC")
    high = high.tz_localize("UTC") if high.tzinfo is None else high.tz_convert("UTC")
    # The whole range means "no time filter": rows at the very edges stay in.
    return (None if low <= span[0] else low), (None if high >= span[1] else high)


def apply_preset(span: tuple[datetime, datetime], preset: str) -> None:
    """Button callback: move the time slider to a preset range (before the rerun draws it)."""
    low, high = views.preset_range((pd.Timestamp(span[0]), pd.Timestamp(span[1])), preset)
    st.session_state["time_range"] = (low.to_pydatetime(), high.to_pydatetime())


def choose_prices(loaded: Loaded) -> tuple[str, str]:
    """Region and architecture to price; the live source's region and the Lambda API's
    architecture are the defaults when known."""
    sidebar = st.sidebar
    regions = load_prices().regions  # every region of the price table: more rows, more choices
    region_default = loaded.region if loaded.region in regions else cost.DEFAULT_REGION
    region = sidebar.selectbox("Region", regions, key="region",
                               index=regions.index(region_default) if region_default in regions else 0)
    archs = list(cost.ARCHS)
    known = views.architecture(loaded.tables)
    arch = sidebar.radio("Architecture", archs, key="arch", horizontal=True,
                         index=archs.index(known) if known in archs else archs.index(cost.DEFAULT_ARCH))
    if known is None and loaded.region is None:
        sidebar.caption(f"Logs do not say where a function runs: {cost.DEFAULT_REGION} {cost.DEFAULT_ARCH} "
                        "unless you pick otherwise.")
    return region, arch


def choose_price_overrides(region: str, arch: str) -> tuple[tuple[str, float], ...]:
    """Unit prices as editable numbers (the price table's values for ``region`` and ``arch`` to
    start with); returns the ones changed, as the ``prices`` command's table would need them."""
    table = load_prices().lookup(region, arch)
    changed = []
    with st.sidebar.expander("Edit prices (USD)"):
        st.caption(f"{region} {arch} prices of {table.date}; a changed value reprices every card and chart.",
                   help=md(f"Source: {table.source}"))
        for name, label in PRICE_FIELDS.items():
            default = float(getattr(table, name))
            value = st.number_input(label, min_value=0.0, value=default, step=default / 10 or 1e-6,
                                    format="%.10g", key=f"price_{name}_{region}_{arch}")
            if value != default:
                changed.append((name, float(value)))
    return tuple(changed)


# --------------------------------------------------------------------------- presentation helpers


@contextmanager
def section(title: str, caption: str = "") -> Iterator[None]:
    """A titled block; if drawing it fails, say so in place instead of showing a traceback."""
    st.subheader(title)
    if caption:
        st.caption(caption)
    try:
        yield
    except Exception as exc:  # one broken chart must not take the page down
        st.error(f"{title} could not be drawn: {type(exc).__name__}: {exc}")


def show(fig: go.Figure, x_title: str, y_title: str, key: str, height: int = 340,
         legend_below: bool = False) -> None:
    """:func:`style` the chart, then :func:`draw` it."""
    draw(style(fig, x_title, y_title, height, legend_below), key)


def draw(fig: go.Figure, key: str) -> None:
    """``key`` keeps the chart's identity across reruns, so a filter change updates it in place."""
    st.plotly_chart(fig, width="stretch", config={"displaylogo": False}, key=f"chart_{key}")


def figure(v: views.Views, name: str, make: Callable[[], go.Figure]) -> go.Figure:
    """The chart ``name`` of this selection, built once. Views are cached per selection, so a rerun
    that changes nothing drawn (or returns to a recent selection) skips plotly's figure building,
    the slowest part of a rerun (about 0.2 s per chart on 2 cores)."""
    memo: dict[str, go.Figure] = v.__dict__.setdefault("_figures", {})
    if name not in memo:
        memo[name] = make()
    return memo[name]


def style(fig: go.Figure, x_title: str, y_title: str, height: int = 340, legend_below: bool = False) -> go.Figure:
    """Common look for every chart: human axis titles, full series names in hover boxes."""
    legend = ({"yanchor": "top", "y": -0.28} if legend_below else {"yanchor": "bottom", "y": 1.02})
    fig.update_layout(
        height=height + (60 if legend_below else 0), margin={"l": 10, "r": 10, "t": 30, "b": 10},
        hovermode="x unified", hoverlabel={"namelength": -1},
        legend={"orientation": "h", "xanchor": "left", "x": 0, "title": None, **legend},
    )
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title)
    if fig.layout.yaxis.type == "log":
        fig.update_yaxes(dtick=1)  # 10, 100, 1000: no crowd of minor labels
    else:
        fig.update_yaxes(rangemode="tozero")
    return fig


def money_axis(fig: go.Figure) -> None:
    """Dollar ticks that stay readable and distinct at any scale: $0.0002, $0.5, $1,200 (never
    "$800µ", never four "$0")."""
    fig.update_yaxes(tickprefix="$", tickformat=",.3~r", exponentformat="none")


def empty_note(what: str, v: views.Views | None = None) -> None:
    """An empty chart says why: the load's own reason when it has one (no times, traces only)."""
    if v is not None and v.no_data:
        st.info(md(v.no_data))
    else:
        st.info(f"No {what} in this selection.")


# --------------------------------------------------------------------------- sections


def render_headline(headline: views.Headline, bucket: str) -> None:
    def pct(kind: str) -> str:
        share = headline.share(kind)
        return "–" if share is None else f"{share:.1%}"

    def ms(value: float | None) -> str:
        return "–" if value is None else f"{value:,.0f} ms"

    top = st.columns(5)
    top[0].metric("Invocations", f"{headline.invocations:,}", border=True,
                  help=f"REPORT lines in the selection (charts bucketed by {bucket})")
    top[1].metric("Warm starts", pct("warm"), border=True, help=f"{headline.warm:,} invocations")
    top[2].metric("Restore starts", pct("restore"), border=True,
                  help=f"{headline.restore:,} invocations started from a SnapStart snapshot")
    top[3].metric("Init starts", pct("init"), border=True,
                  help=f"{headline.init:,} invocations that ran a full init (no snapshot)")
    top[4].metric("Rejected lines", f"{headline.rejected:,}", border=True,
                  help="Lines that looked like platform lines but could not be parsed (whole load)")
    bottom = st.columns(4)
    bottom[0].metric("Restore p50", ms(headline.restore_ms_p50), border=True, help="restore_ms, 50th percentile")
    bottom[1].metric("Restore p99", ms(headline.restore_ms_p99), border=True, help="restore_ms, 99th percentile")
    bottom[2].metric("Billed restore time", f"{headline.billed_restore_s:,.1f} s", border=True,
                     help="Sum of billed_restore_ms (runtime load + after-restore hooks)")
    total = headline.cache_and_restore_cost_usd
    if total is None:
        why = headline.cost_note or "nothing to price in this selection"
        bottom[3].metric("Cache + restore cost", "n/a", border=True, help=md(f"Cannot be computed: {why}"))
        st.caption(md(f"Cache + restore cost n/a: {why}."))
    else:
        bottom[3].metric("Cache + restore cost", f"${total:,.4f}", border=True,
                         help=md(f"SnapStart cache ${headline.cache_cost_usd or 0:,.4f} + restore "
                                 f"${headline.restore_cost_usd or 0:,.4f} over the selection"))


def render_summary(v: views.Views) -> None:
    with section("Versions at a glance",
                 "One row per function version, most invocations first; click a column title to sort."):
        if not len(v.summary):
            empty_note("invocations", v)
            return
        st.dataframe(v.summary, hide_index=True, width="stretch", column_config=SUMMARY_CONFIG, key="summary",
                     height=min(38 + 35 * len(v.summary), 400))
        render_verdicts(v)


def render_verdicts(v: views.Views) -> None:
    """The conclusions, in words, per version: on the page, not in a collapsed table."""
    if not len(v.verdicts):
        return
    lines = []
    for series, group in v.verdicts.groupby("series", sort=False):
        lines.append(f"- **{md(series)}**: " + "; ".join(md(text) for text in group["verdict"]) + ".")
    st.markdown("\n".join(lines))


def series_colors(names: Sequence[str]) -> dict[str, str]:
    """One colour per version for the whole load, so a filter never repaints a version."""
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}


def render_restore_latency(v: views.Views, colors: dict[str, str]) -> None:
    with section("Restore latency over time",
                 "restore_ms percentiles per bucket and version; ◆ marks the X-Ray Restore subsegment (median per "
                 "bucket) where traces were loaded; a dotted line marks where a version first appears."):
        latency = v.restore_latency
        if not len(latency):
            empty_note("restores", v)
            return
        pick, scale = st.columns([3, 1])
        with pick:
            statistics = st.pills("Statistics", list(views.STATISTICS), selection_mode="multi",
                                  default=["p50", "p99"], key="statistics")
        with scale:
            log_scale = st.toggle("Log scale", key="latency_log", help="Long tails and typical values on one axis")
        if not statistics:
            st.info("Pick a statistic above to draw restore latency.")
            return
        draw(figure(v, f"restore_latency:{sorted(statistics)}:{log_scale}",
                    lambda: restore_latency_figure(v, colors, statistics, log_scale)), "restore_latency")


def restore_latency_figure(v: views.Views, colors: dict[str, str], statistics: Sequence[str],
                           log_scale: bool) -> go.Figure:
    latency = v.restore_latency
    latency = latency[latency["statistic"].isin(statistics)]  # send only what is drawn
    fig = px.line(latency, x="bucket_start", y="restore_ms", color="series", line_dash="statistic",
                  render_mode="svg",  # lines are few points: SVG, never WebGL (needs a GPU)
                  markers=len(latency) < 200, color_discrete_map=colors, hover_data={"samples": True},
                  category_orders={"statistic": list(views.STATISTICS), "series": v.series}, labels=LABELS,
                  log_y=log_scale)
    for series, traced in v.xray_restore.groupby("series", sort=True):
        fig.add_trace(go.Scatter(
            x=traced["bucket_start"], y=traced["xray_restore_ms_p50"], mode="markers",
            name=f"X-Ray Restore · {series}", showlegend=False,
            marker={"symbol": "diamond", "size": 8, "color": colors.get(str(series), "#495057"),
                    "line": {"width": 1, "color": "white"}},
            customdata=traced[["traces"]],
            hovertemplate="X-Ray Restore %{y:,.0f} ms (%{customdata[0]} traces)"))
    if len(v.xray_restore):
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name="X-Ray Restore (median)",
                                 marker={"symbol": "diamond", "size": 8, "color": "#495057"}))
    mark_appearances(fig, v, colors)
    return style(fig, "bucket start (UTC)", "restore (ms)", height=400)


def mark_appearances(fig: go.Figure, v: views.Views, colors: dict[str, str]) -> None:
    """A dotted vertical line where each drawn version first appears (and, fetched live, a dashed
    one at its creation time), inside the chart's time range."""
    if not len(v.appearances) or not len(v.restore_latency):
        return
    low, high = v.restore_latency["bucket_start"].min(), v.restore_latency["bucket_start"].max()
    # A version seen from the load's first hours did not "appear": it was there before the logs began.
    first = v.appearances["first_seen"].min()
    load_start = first + max(pd.Timedelta(v.bucket), (high - first) / 20)
    drawn = set(v.series)
    shapes, notes = [], []
    for row in v.appearances.itertuples(index=False):
        if row.series not in drawn:
            continue
        version = str(row.series).rsplit(":", 1)[-1]
        for when, dash, text in ((row.first_seen, "dot", f"v{version}"), (row.created, "dash", f"v{version} created")):
            if pd.isna(when) or not (low <= when <= high + pd.Timedelta(v.bucket)) or (
                    dash == "dot" and when < load_start):
                continue
            color = colors.get(row.series, "#868E96")
            shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": when, "x1": when, "y0": 0, "y1": 1,
                           "line": {"dash": dash, "width": 1, "color": color}})
            notes.append({"xref": "x", "yref": "paper", "x": when, "y": 1, "text": text, "showarrow": False,
                          "xanchor": "right", "yanchor": "top", "font": {"color": color}})
    if shapes:  # one layout update: add_vline validates the whole layout once per line
        fig.update_layout(shapes=shapes, annotations=notes)


def render_failures(v: views.Views, colors: dict[str, str]) -> None:
    with section("Errors, timeouts and failed restores",
                 "REPORT lines with Status error or timeout, and RESTORE_REPORTs that did not succeed, per "
                 "bucket and version."):
        failed = v.failures
        if v.no_data:
            empty_note("failures", v)
            return
        if not len(failed):
            st.success("No errors, timeouts or failed restores in this selection.")
            return

        def make() -> go.Figure:
            fig = px.scatter(failed, x="bucket_start", y="count", color="series", symbol="outcome",
                             color_discrete_map=colors, labels=LABELS,
                             category_orders={"series": v.series,
                                              "outcome": ["errors", "timeouts", "failed restores"]},
                             symbol_map={"errors": "x", "timeouts": "triangle-up", "failed restores": "circle-open"})
            fig.update_traces(marker={"size": 12, "line": {"width": 2}})
            fig.update_yaxes(tickformat=",d", dtick=1 if failed["count"].max() < 8 else None)
            return style(fig, "bucket start (UTC)", "count per bucket", height=300)

        draw(figure(v, "failures", make), "failures")


def render_latency_by_start(v: views.Views) -> None:
    with section("What callers wait for: first request after a restore vs warm",
                 "Per bucket: duration_ms of warm requests, restore_ms + duration_ms of the first request after "
                 "a restore, init_ms + duration_ms after an init (p50 solid, p99 dashed)."):
        frame = v.latency_by_start_kind
        if not len(frame):
            empty_note("invocations", v)
            return

        def make() -> go.Figure:
            long = frame.melt(id_vars=["bucket_start", "start_kind", "samples"],
                              value_vars=["latency_ms_p50", "latency_ms_p99"], var_name="statistic",
                              value_name="latency_ms")
            long["statistic"] = long["statistic"].str.removeprefix("latency_ms_")
            fig = px.line(long, x="bucket_start", y="latency_ms", color="start_kind", line_dash="statistic",
                          render_mode="svg", color_discrete_map=START_KIND_COLORS, hover_data={"samples": True},
                          category_orders={"start_kind": ["warm", "restore", "init"], "statistic": ["p50", "p99"]},
                          labels={**LABELS, "latency_ms": "latency (ms)"}, log_y=True)
            return style(fig, "bucket start (UTC)", "latency (ms, log scale)", height=320)

        draw(figure(v, "latency_by_start", make), "latency_by_start")


def render_billed_restore(v: views.Views, colors: dict[str, str]) -> None:
    with section("Billed restore time over time",
                 "Sum of billed_restore_ms per bucket, stacked by version. Only runtime load and "
                 "after-restore hooks are billed; the snapshot restore itself is not."):
        billed = v.billed_restore
        if not len(billed):
            empty_note("billed restore time", v)
            return

        def make() -> go.Figure:
            # Stacked steps, not bars: one SVG path per version instead of one per bucket and version,
            # which the browser draws several times faster.
            fig = px.area(billed, x="bucket_start", y="billed_restore_ms", color="series", line_shape="hv",
                          color_discrete_map=colors, category_orders={"series": v.series}, labels=LABELS)
            return style(fig, "bucket start (UTC)", "billed restore (ms, sum per bucket)")

        draw(figure(v, "billed_restore", make), "billed_restore")


def render_start_mix(v: views.Views) -> None:
    with section("Cold-start mix over time",
                 "Share of each bucket's invocations that started from a snapshot (restore) or ran a "
                 "full init; warm starts are the rest."):
        mix = v.start_mix
        if not len(mix) or not mix["invocations"].sum():
            empty_note("invocations", v)
            return

        def make() -> go.Figure:
            cold = mix[mix["start_kind"] != "warm"]
            fig = px.area(cold, x="bucket_start", y="share", color="start_kind", line_shape="hv",
                          color_discrete_map=START_KIND_COLORS, category_orders={"start_kind": ["restore", "init"]},
                          hover_data={"invocations": True}, labels=LABELS)
            fig.update_yaxes(tickformat=".1%")
            return style(fig, "bucket start (UTC)", "share of invocations (cold starts)")

        draw(figure(v, "start_mix", make), "start_mix")


def render_cost(v: views.Views, colors: dict[str, str]) -> None:
    with section("SnapStart cost over time",
                 "Cache (memory × seconds cached, 3-hour minimum per version), restore (memory × "
                 "restores) and billed restore duration (already inside the duration charge)."):
        if v.headline.cost_note:
            st.info(md(f"Cost n/a: {v.headline.cost_note}."))
            return
        if not len(v.costs) or not v.costs["cost_usd"].sum():
            empty_note("SnapStart cost", v)
            return
        per_bucket, cumulative = st.columns(2)
        with per_bucket:
            fig = px.area(v.cost_per_bucket, x="bucket_start", y="cost_usd", color="charge", line_shape="hv",
                          color_discrete_map=CHARGE_COLORS, category_orders={"charge": list(CHARGE_COLORS)},
                          labels=LABELS)
            fig.update_traces(hovertemplate="%{fullData.name}: $%{y:,.4~f}<extra></extra>")
            money_axis(fig)
            show(fig, "bucket start (UTC)", "cost per bucket (USD, all selected versions)", "cost_per_bucket")
        with cumulative:
            snap = v.costs[v.costs["charge"] != CHARGES_BILLED]  # inside the duration charge: not added
            totals = snap.groupby(["series", "bucket_start"], sort=False)["cumulative_cost_usd"].sum().reset_index()
            fig = px.line(totals, x="bucket_start", y="cumulative_cost_usd", color="series", render_mode="svg",
                          color_discrete_map=colors, category_orders={"series": v.series}, labels=LABELS)
            fig.update_traces(hovertemplate="%{fullData.name}: $%{y:,.4~f}<extra></extra>")
            money_axis(fig)
            show(fig, "bucket start (UTC)", "cumulative cache + restore cost (USD)", "cost_cumulative")


CHARGES_BILLED = views.CHARGES["billed_restore_cost_usd"]


def render_comparison(v: views.Views) -> None:
    with section("SnapStart vs on-demand vs Provisioned Concurrency",
                 "The same observed traffic priced three ways, per version, with the cold-start "
                 "latency each option gives (restore or init + duration; none when provisioned)."):
        comparison = v.comparison
        if not len(comparison):
            empty_note("invocations to price", v)
            return
        options = {"option": list(OPTION_COLORS), "series": v.series}
        money, latency = st.columns(2)
        with money:
            fig = px.bar(comparison, x="series", y="total_cost_usd", color="option", barmode="group",
                         color_discrete_map=OPTION_COLORS, category_orders=options,
                         hover_data={"cold_starts": True, "cheapest": True}, labels=LABELS)
            money_axis(fig)
            show(fig, "version", "total cost (USD)", "comparison_cost")
        with latency:
            fig = px.bar(comparison, x="series", y="cold_start_p99_ms", color="option", barmode="group",
                         color_discrete_map=OPTION_COLORS, category_orders=options,
                         hover_data={"cold_start_p50_ms": ":,.0f", "cold_starts": True}, labels=LABELS)
            show(fig, "version", "cold start p99 (ms)", "comparison_latency")
        with st.expander("Comparison table and assumptions"):
            st.dataframe(comparison[[c for c in COMPARISON_COLUMNS if c in comparison.columns]],
                         hide_index=True, width="stretch", column_config=MONEY_COLUMNS)
            for note in v.assumptions:
                st.caption(md(f"• {note}"))


def render_distribution(v: views.Views) -> None:
    with section("Restore vs init durations",
                 "Empirical CDF of restore_ms and init_ms: the share of cold starts done within each duration."):
        points = v.ecdf
        if not len(points):
            empty_note("restores or inits", v)
            return
        fig = px.line(points, x="duration_ms", y="fraction", color="phase", line_shape="hv", render_mode="svg",
                      color_discrete_map=PHASE_COLORS, hover_data={"samples": True}, labels=LABELS)
        fig.update_layout(hovermode="closest")
        show(fig, "duration (ms)", "share of starts within the duration", "ecdf")


def render_init_vs_restore(v: views.Views) -> None:
    with section("Init vs restore per version",
                 "p50 and p99 of init_ms and restore_ms side by side: the init each restore replaces."):
        summary = v.init_vs_restore
        if not len(summary):
            empty_note("restores or inits", v)
            return
        long = summary.melt(id_vars=["series", "phase", "samples"], value_vars=["p50", "p99"],
                            var_name="statistic", value_name="duration_ms")
        fig = px.bar(long, x="series", y="duration_ms", color="phase", pattern_shape="statistic",
                     barmode="group", color_discrete_map=PHASE_COLORS, hover_data={"samples": True},
                     category_orders={"phase": list(PHASE_COLORS), "statistic": ["p50", "p99"],
                                      "series": summary["series"].unique().tolist()}, labels=LABELS)
        show(fig, "version", "duration (ms)", "init_vs_restore")


def render_hooks(v: views.Views, region: str) -> None:
    with section("After-restore hooks (X-Ray)",
                 "Time spent in after-restore hooks per version against Lambda's 10 s limit. Hook times "
                 "come only from hook subsegments you traced under the Restore subsegment; without them "
                 "the row says \"no hooks traced\" and worst_ms / headroom_ms come from an upper bound "
                 "(measured_from says which). Failed restores leave no headroom; the worst trace links to "
                 "the X-Ray console."):
        hooks = v.hooks
        if not len(hooks):
            st.info("No traced restores in this selection: load X-Ray traces (`aws xray batch-get-traces` "
                    "JSON) with the logs to see hook times.")
            return
        shown = hooks[[c for c in HOOK_COLUMNS if c in hooks.columns]]
        if "worst_trace_id" in shown.columns:
            urls = shown["worst_trace_id"].map(
                lambda trace: None if pd.isna(trace) else views.xray_console_url(str(trace), region))
            shown = shown.assign(worst_trace_id=urls)
        st.dataframe(shown, hide_index=True, width="stretch",
                     column_config={
                         "worst_trace_id": st.column_config.LinkColumn(
                             "worst trace", display_text=r"traces/(.*)$",
                             help=f"Opens the trace in the X-Ray console ({region})"),
                         "limit_share": st.column_config.ProgressColumn(
                             "limit_share", help="worst_ms / 10,000 ms", format="percent",
                             min_value=0.0, max_value=1.0),
                         **{name: st.column_config.NumberColumn(format="%.1f ms", help=HOOK_HELP.get(name))
                            for name in HOOK_COLUMNS if name.endswith("_ms") or "_ms_" in name},
                         **{name: st.column_config.Column(help=HOOK_HELP[name])
                            for name in ("failures", "failed_restores", "measured_from")}})


def render_tables(v: views.Views, inputs: Sequence[str]) -> None:
    with section("Rows", "The filtered selection; downloads contain every row, not only the preview."):
        tables = v.tables
        tabs = st.tabs(["Invocations", "Restores", "Inits", "X-Ray spans", "Rejects"])
        frames = [("invocations", tables.invocations), ("restores", tables.restores),
                  ("inits", tables.inits), ("spans", tables.spans), ("rejects", tables.rejects)]
        for tab, (name, frame) in zip(tabs, frames, strict=True):
            with tab:
                render_rows(name, frame, inputs)


def render_rows(name: str, frame: pd.DataFrame, inputs: Sequence[str] = ()) -> None:
    shown = min(len(frame), PREVIEW_ROWS)
    st.caption(f"{len(frame):,} {name} rows" + (f"; showing the first {shown:,}" if shown < len(frame) else ""))
    st.dataframe(views.for_download(frame.head(PREVIEW_ROWS), inputs), hide_index=True, width="stretch", height=300)
    st.download_button(f"Download {name}.csv", data=csv_callable(frame, inputs), file_name=f"{name}.csv",
                       mime="text/csv", on_click="ignore", key=f"download_{name}", disabled=not len(frame),
                       icon=":material/download:")


def csv_callable(frame: pd.DataFrame, inputs: Sequence[str] = ()) -> Callable[[], bytes]:
    """CSV built only when the button is clicked: a million rows must not slow every rerun."""
    return lambda: views.csv_bytes(views.for_download(frame, inputs))


# --------------------------------------------------------------------------- page


def main(uploads: Sequence[tuple[str, bytes]] | None = None) -> None:
    """Draw the page. ``uploads`` (name, bytes) replaces the source picker (tests, embedding)."""
    st.set_page_config(page_title="SnapLens", page_icon="⚡", layout="wide")
    st.title("SnapLens")
    st.caption("AWS Lambda SnapStart (Python): restore latency, billed restore time and cache cost, "
               "from CloudWatch platform lines and X-Ray traces.")
    try:
        loaded = choose_source(uploads)
    except Exception as exc:  # the library collects rejects; this is the last line of defence
        st.error(f"The input could not be read: {type(exc).__name__}: {exc}")
        return
    if loaded is None or not report_load(loaded):
        return
    filters = choose_filters(loaded)
    try:
        v = build_views(loaded.tables, loaded.key, filters.selection, filters.bucket, filters.region,
                        filters.arch, filters.price_overrides)
    except Exception as exc:
        st.error(f"The selection could not be aggregated: {type(exc).__name__}: {exc}")
        return
    note = f"Buckets of {v.bucket} (UTC)."
    if v.requested_bucket:
        note += (f" {v.requested_bucket} buckets would draw more than {metrics.MAX_POINTS:,} points "
                 "per series over this range: widened to keep the page fast.")
    filters.bucket_note.caption(note)
    if v.no_data:
        st.warning(md(v.no_data))
    elif not v.headline.invocations:
        st.warning("No invocations in this selection: widen the time range or pick other versions.")
    colors = series_colors(all_series(loaded))
    render_headline(v.headline, v.bucket)
    if v.untimed_note and not v.no_data:  # all rows untimed: the warning above says it already
        st.caption(v.untimed_note)
    render_summary(v)
    render_restore_latency(v, colors)
    left, right = st.columns(2)
    with left:
        render_failures(v, colors)
    with right:
        render_latency_by_start(v)
    render_details(v, colors, loaded.region or filters.region, loaded.inputs)


def render_details(v: views.Views, colors: dict[str, str], region: str, inputs: Sequence[str]) -> None:
    """The deeper views, one tab at a time: only the open tab is computed and drawn, so a filter
    change redraws a handful of charts, not a dozen."""
    details: dict[str, Callable[[], None]] = {
        "Billed restore & cold starts": lambda: render_billed_and_mix(v, colors),
        "Cost over time": lambda: render_cost(v, colors),
        "SnapStart vs on-demand vs PC": lambda: render_comparison(v),
        "Init vs restore": lambda: render_init_and_distribution(v),
        "After-restore hooks": lambda: render_hooks(v, region),
        "Rows and downloads": lambda: render_tables(v, inputs),
    }
    tabs = st.tabs(list(details), key="details", on_change="rerun")
    for tab, draw in zip(tabs, details.values(), strict=True):
        if tab.open:
            with tab:
                draw()


def render_billed_and_mix(v: views.Views, colors: dict[str, str]) -> None:
    left, right = st.columns(2)
    with left:
        render_billed_restore(v, colors)
    with right:
        render_start_mix(v)


def render_init_and_distribution(v: views.Views) -> None:
    left, right = st.columns(2)
    with left:
        render_init_vs_restore(v)
    with right:
        render_distribution(v)


@st.cache_data(show_spinner=False, max_entries=8)
def _series_of(_tables: Tables, key: str) -> list[str]:
    del key
    return views.series_names(_tables)


def all_series(loaded: Loaded) -> list[str]:
    """Every version of the whole load (not of the selection): the order colours are given in."""
    return _series_of(loaded.tables, loaded.key)


if __name__ == "__main__":
    main()
