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
from logparse import cost, views
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


@dataclass(frozen=True)
class Loaded:
    """One loaded source: its tables, how to name it, and a key that changes when its content does."""

    tables: Tables
    label: str
    key: str
    region: str | None = None  # where a live fetch came from: the prices to use


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
                region: str, arch: str) -> views.Views:
    """The per-filter aggregation, shared (read-only) across reruns with the same filters."""
    del key  # identifies _tables, which is too large to hash on every rerun
    prices = load_prices().lookup(region, arch)
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
    kinds = [SAMPLE, UPLOAD, FOLDER] + ([AWS] if aws_credentials_found() else [])
    kind = sidebar.radio("Read from", kinds, key="source", label_visibility="collapsed")
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
    return Loaded(tables, label, f"paths:{fingerprint}:{function}:{version}")


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
        hint = exc.hint() if callable(getattr(exc, "hint", None)) else ""
        st.error(f"Could not fetch logs of `{function}` from AWS: {exc}" + (f" ({hint})" if hint else ""))
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
                   f"from {plural(stats.files, 'file')}; the rejected lines are in the **Rejects** table below.")
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
    with sidebar.expander("Prices"):
        region, arch = choose_prices(loaded)
    selection = views.Selection(tuple(chosen_functions), tuple(chosen_versions), start, end)
    return Filters(selection, None if bucket == "auto" else bucket, region, arch, bucket_note)


def choose_time_range(tables: Tables) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    span = views.time_range(tables)
    if span is None:
        return None, None
    first = span[0].floor("min").to_pydatetime()
    last = span[1].ceil("min").to_pydatetime()
    if last <= first:
        last = first + timedelta(minutes=1)
    picked: tuple[datetime, datetime] = st.sidebar.slider(
        "Time range (UTC)", min_value=first, max_value=last, value=(first, last),
        step=timedelta(minutes=1), format="YYYY-MM-DD HH:mm", key="time_range")
    low, high = (pd.Timestamp(t) for t in picked)
    low = low.tz_localize("UTC") if low.tzinfo is None else low.tz_convert("UTC")
    high = high.tz_localize("UTC") if high.tzinfo is None else high.tz_convert("UTC")
    # The whole range means "no time filter": rows at the very edges stay in.
    return (None if low <= span[0] else low), (None if high >= span[1] else high)


def choose_prices(loaded: Loaded) -> tuple[str, str]:
    """Region and architecture to price; the live source's region and the Lambda API's
    architecture are the defaults when known."""
    regions = load_prices().regions
    region_default = loaded.region if loaded.region in regions else cost.DEFAULT_REGION
    region = st.selectbox("Region", regions, key="region",
                          index=regions.index(region_default) if region_default in regions else 0)
    archs = list(cost.ARCHS)
    known = views.architecture(loaded.tables)
    arch = st.radio("Architecture", archs, key="arch", horizontal=True,
                    index=archs.index(known) if known in archs else archs.index(cost.DEFAULT_ARCH))
    if known is None and loaded.region is None:
        st.caption(f"Logs do not say where a function runs: {cost.DEFAULT_REGION} {cost.DEFAULT_ARCH} "
                   "unless you pick otherwise.")
    return region, arch


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


def show(fig: go.Figure, x_title: str, y_title: str, height: int = 340, legend_below: bool = False) -> None:
    """Common look for every chart (axis titles in the tables' column names), then draw it."""
    legend = ({"yanchor": "top", "y": -0.28} if legend_below else {"yanchor": "bottom", "y": 1.02})
    fig.update_layout(
        height=height + (60 if legend_below else 0), margin={"l": 10, "r": 10, "t": 30, "b": 10},
        hovermode="x unified", legend={"orientation": "h", "xanchor": "left", "x": 0, "title": None, **legend},
    )
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title, rangemode="tozero")
    for axis in fig.layout:  # facets: one y title, on the left-most panel
        if axis.startswith("yaxis") and axis != "yaxis":
            fig.layout[axis].title.text = None
    st.plotly_chart(fig, width="stretch", config={"displaylogo": False})


def empty_note(what: str) -> None:
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
    bottom[3].metric("Cache + restore cost", "–" if total is None else f"${total:,.4f}", border=True,
                     help=f"SnapStart cache ${headline.cache_cost_usd or 0:,.4f} + restore "
                          f"${headline.restore_cost_usd or 0:,.4f} over the selection")


def series_colors(v: views.Views) -> dict[str, str]:
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(v.series)}


def render_restore_latency(v: views.Views) -> None:
    with section("Restore latency over time",
                 "restore_ms percentiles per bucket and version; ◆ marks the X-Ray Restore "
                 "subsegment (median per bucket) where traces were loaded."):
        latency = v.restore_latency
        if not len(latency):
            empty_note("restores")
            return
        statistics = st.pills("Statistics", list(views.STATISTICS), selection_mode="multi",
                              default=["p50", "p99"], key="statistics")
        latency = latency[latency["statistic"].isin(statistics or list(views.STATISTICS))]
        colors = series_colors(v)
        fig = px.line(latency, x="bucket_start", y="restore_ms", color="series", line_dash="statistic",
                      render_mode="svg",  # lines are few points: SVG, never WebGL (needs a GPU)
                      markers=len(latency) < 200, color_discrete_map=colors,
                      category_orders={"statistic": list(views.STATISTICS), "series": v.series},
                      labels={"series": "function:version", "statistic": "statistic"})
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
        show(fig, "bucket_start (UTC)", "restore_ms", height=400)


def render_billed_restore(v: views.Views) -> None:
    with section("Billed restore time over time",
                 "Sum of billed_restore_ms per bucket, stacked by version. Only runtime load and "
                 "after-restore hooks are billed; the snapshot restore itself is not."):
        billed = v.billed_restore
        if not len(billed):
            empty_note("billed restore time")
            return
        fig = px.bar(billed, x="bucket_start", y="billed_restore_ms", color="series",
                     color_discrete_map=series_colors(v), category_orders={"series": v.series},
                     labels={"series": "function:version"})
        fig.update_layout(barmode="stack", bargap=0.1)
        show(fig, "bucket_start (UTC)", "billed_restore_ms (sum per bucket)")


def render_start_mix(v: views.Views) -> None:
    with section("Cold-start mix over time",
                 "Share of each bucket's invocations that started from a snapshot (restore) or ran a "
                 "full init; warm starts are the rest."):
        mix = v.start_mix
        if not len(mix) or not mix["invocations"].sum():
            empty_note("invocations")
            return
        cold = mix[mix["start_kind"] != "warm"]
        fig = px.bar(cold, x="bucket_start", y="share", color="start_kind", color_discrete_map=START_KIND_COLORS,
                     category_orders={"start_kind": ["restore", "init"]}, hover_data={"invocations": True})
        fig.update_layout(barmode="stack", bargap=0.1)
        fig.update_yaxes(tickformat=".1%")
        show(fig, "bucket_start (UTC)", "share of invocations (cold starts)")


def render_cost(v: views.Views) -> None:
    with section("SnapStart cost over time",
                 "Cache (memory × seconds cached, 3-hour minimum per version), restore (memory × "
                 "restores) and billed restore duration (already inside the duration charge)."):
        if not len(v.costs) or not v.costs["cost_usd"].sum():
            empty_note("SnapStart cost")
            return
        per_bucket, cumulative = st.columns([2, 3])
        with per_bucket:
            fig = px.area(v.cost_per_bucket, x="bucket_start", y="cost_usd", color="charge", line_shape="hv",
                          color_discrete_map=CHARGE_COLORS, category_orders={"charge": list(CHARGE_COLORS)})
            fig.update_yaxes(tickprefix="$")
            show(fig, "bucket_start (UTC)", "cost_usd per bucket (all selected versions)")
        with cumulative:
            fig = px.line(v.costs, x="bucket_start", y="cumulative_cost_usd", color="series", render_mode="svg",
                          facet_col="charge", facet_col_spacing=0.07, color_discrete_map=series_colors(v),
                          category_orders={"charge": list(CHARGE_COLORS), "series": v.series},
                          labels={"series": "function:version"})
            fig.for_each_annotation(lambda a: a.update(text=a.text.replace("charge=", "")))
            fig.update_yaxes(tickprefix="$", tickformat=",.4~f", matches=None, showticklabels=True)
            show(fig, "bucket_start (UTC)", "cumulative_cost_usd", legend_below=True)


def render_comparison(v: views.Views) -> None:
    with section("SnapStart vs on-demand vs Provisioned Concurrency",
                 "The same observed traffic priced three ways, per version, with the cold-start "
                 "latency each option gives (restore or init + duration; none when provisioned)."):
        comparison = v.comparison
        if not len(comparison):
            empty_note("invocations to price")
            return
        options = {"option": list(OPTION_COLORS)}
        money, latency = st.columns(2)
        with money:
            fig = px.bar(comparison, x="series", y="total_cost_usd", color="option", barmode="group",
                         color_discrete_map=OPTION_COLORS, category_orders=options,
                         hover_data={"cold_starts": True, "cheapest": True},
                         labels={"series": "function:version"})
            fig.update_yaxes(tickprefix="$")
            show(fig, "function:version", "total_cost_usd")
        with latency:
            fig = px.bar(comparison, x="series", y="cold_start_p99_ms", color="option", barmode="group",
                         color_discrete_map=OPTION_COLORS, category_orders=options,
                         hover_data={"cold_start_p50_ms": ":,.0f", "cold_starts": True},
                         labels={"series": "function:version"})
            show(fig, "function:version", "cold_start_p99_ms")
        with st.expander("Comparison table and assumptions"):
            st.dataframe(comparison[[c for c in COMPARISON_COLUMNS if c in comparison.columns]],
                         hide_index=True, width="stretch", column_config=MONEY_COLUMNS)
            for note in v.assumptions:
                st.caption(f"• {note}")


def render_distribution(v: views.Views) -> None:
    with section("Restore vs init durations",
                 "Empirical CDF of restore_ms and init_ms: the share of cold starts done within each duration."):
        points = v.ecdf
        if not len(points):
            empty_note("restores or inits")
            return
        fig = px.line(points, x="duration_ms", y="fraction", color="phase", line_shape="hv", render_mode="svg",
                      color_discrete_map=PHASE_COLORS, hover_data={"samples": True})
        fig.update_layout(hovermode="closest")
        show(fig, "duration_ms", "fraction of starts ≤ duration_ms")


def render_init_vs_restore(v: views.Views) -> None:
    with section("Init vs restore per version",
                 "p50 and p99 of init_ms and restore_ms side by side: the init each restore replaces."):
        summary = v.init_vs_restore
        if not len(summary):
            empty_note("restores or inits")
            return
        long = summary.melt(id_vars=["series", "phase", "samples"], value_vars=["p50", "p99"],
                            var_name="statistic", value_name="duration_ms")
        fig = px.bar(long, x="series", y="duration_ms", color="phase", pattern_shape="statistic",
                     barmode="group", color_discrete_map=PHASE_COLORS, hover_data={"samples": True},
                     category_orders={"phase": list(PHASE_COLORS), "statistic": ["p50", "p99"],
                                      "series": summary["series"].unique().tolist()},
                     labels={"series": "function:version"})
        show(fig, "function:version", "duration_ms")


def render_hooks(v: views.Views) -> None:
    with section("After-restore hooks (X-Ray)",
                 "Time spent in after-restore hooks per version against Lambda's 10 s limit. Hook times "
                 "come only from hook subsegments you traced under the Restore subsegment; without them "
                 "the row says \"no hooks traced\" and worst_ms / headroom_ms come from an upper bound "
                 "(measured_from says which). Failed restores leave no headroom; worst_trace_id opens "
                 "the slowest one in the X-Ray console."):
        hooks = v.hooks
        if not len(hooks):
            st.info("No traced restores in this selection: load X-Ray traces (`aws xray batch-get-traces` "
                    "JSON) with the logs to see hook times.")
            return
        st.dataframe(hooks[[c for c in HOOK_COLUMNS if c in hooks.columns]], hide_index=True, width="stretch",
                     column_config={
                         "limit_share": st.column_config.ProgressColumn(
                             "limit_share", help="worst_ms / 10,000 ms", format="percent",
                             min_value=0.0, max_value=1.0),
                         **{name: st.column_config.NumberColumn(format="%.1f ms", help=HOOK_HELP.get(name))
                            for name in HOOK_COLUMNS if name.endswith("_ms") or "_ms_" in name},
                         **{name: st.column_config.Column(help=HOOK_HELP[name])
                            for name in ("failures", "failed_restores", "measured_from")}})


def render_tables(v: views.Views) -> None:
    with section("Rows", "The filtered selection; downloads contain every row, not only the preview."):
        tables = v.tables
        tabs = st.tabs(["Invocations", "Restores", "Inits", "X-Ray spans", "Rejects"])
        frames = [("invocations", tables.invocations), ("restores", tables.restores),
                  ("inits", tables.inits), ("spans", tables.spans), ("rejects", tables.rejects)]
        for tab, (name, frame) in zip(tabs, frames, strict=True):
            with tab:
                render_rows(name, frame)


def render_rows(name: str, frame: pd.DataFrame) -> None:
    shown = min(len(frame), PREVIEW_ROWS)
    st.caption(f"{len(frame):,} {name} rows" + (f"; showing the first {shown:,}" if shown < len(frame) else ""))
    st.dataframe(frame.head(PREVIEW_ROWS), hide_index=True, width="stretch", height=300)
    st.download_button(f"Download {name}.csv", data=csv_callable(frame), file_name=f"{name}.csv",
                       mime="text/csv", on_click="ignore", key=f"download_{name}", disabled=not len(frame),
                       icon=":material/download:")


def csv_callable(frame: pd.DataFrame) -> Callable[[], bytes]:
    """CSV built only when the button is clicked: a million rows must not slow every rerun."""
    return lambda: views.csv_bytes(frame)


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
                        filters.arch)
    except Exception as exc:
        st.error(f"The selection could not be aggregated: {type(exc).__name__}: {exc}")
        return
    filters.bucket_note.caption(f"Buckets of {v.bucket} (UTC).")
    if not v.headline.invocations:
        st.warning("No invocations in this selection: widen the time range or pick other versions.")
    render_headline(v.headline, v.bucket)
    if v.untimed_note:
        st.caption(v.untimed_note)
    render_restore_latency(v)
    left, right = st.columns(2)
    with left:
        render_billed_restore(v)
    with right:
        render_start_mix(v)
    render_cost(v)
    render_comparison(v)
    left, right = st.columns(2)
    with left:
        render_init_vs_restore(v)
    with right:
        render_distribution(v)
    render_hooks(v)
    render_tables(v)


if __name__ == "__main__":
    main()
