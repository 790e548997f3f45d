"""The sidebar: where the data comes from (sample, upload, folder, live AWS), what was read, and
the filters and prices that pick what the page shows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from dashui.charts import md
from dashui.loading import (
    MB,
    PREVIEW_ROWS,
    SAMPLE_DIR,
    Loaded,
    aws_credentials_found,
    bytes_digest,
    files_fingerprint,
    load_aws,
    load_paths,
    load_prices,
    load_uploads,
    upload_digest,
)
from logparse import aws, pricetable, views
from logparse.tables import Tables
from logparse.timeutil import utc

SAMPLE, UPLOAD, FOLDER, AWS = "Sample data", "Upload files", "Local folder or glob", "Live AWS"

PRICE_FIELDS = {
    "cache_gb_s": "SnapStart cache, per GB-second", "restore_gb": "SnapStart restore, per GB restored",
    "duration_gb_s": "Duration, per GB-second", "request": "Requests, per request",
    "pc_gb_s": "Provisioned Concurrency, per GB-second", "pc_duration_gb_s": "PC duration, per GB-second",
}
AWS_MISSING = ("No AWS credentials found for a live fetch. To provide them: set `AWS_PROFILE` (with its region), "
               "or `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`, in the environment that starts the dashboard "
               "(or run `aws sso login` for the profile), then reload this page. The region comes from the "
               "**Region** box below, else `AWS_DEFAULT_REGION` or the profile.")




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
                  f"aws:{function}:{region}:{since}:{xray}:{fetched}", region=region or aws.session().region_name)


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
    low, high = utc(picked[0]), utc(picked[1])
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
    region_default = loaded.region if loaded.region in regions else pricetable.DEFAULT_REGION
    region = sidebar.selectbox("Region", regions, key="region",
                               index=regions.index(region_default) if region_default in regions else 0)
    archs = list(pricetable.ARCHS)
    known = views.architecture(loaded.tables)
    arch = sidebar.radio("Architecture", archs, key="arch", horizontal=True,
                         index=archs.index(known) if known in archs else archs.index(pricetable.DEFAULT_ARCH))
    if known is None and loaded.region is None:
        sidebar.caption(f"Logs do not say where a function runs: {pricetable.DEFAULT_REGION} {pricetable.DEFAULT_ARCH} "
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

