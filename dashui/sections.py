"""The always-visible sections: headline numbers, the per-version table and verdicts, restore
latency, failures and what callers wait for."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from dashui.charts import (
    START_KIND_COLORS,
    draw,
    empty_note,
    fast_figure,
    figure,
    md,
    restore_latency_figure,
    section,
    style,
    traces,
)
from logparse import views

# Short titles (the full meaning is each column's help) and widths that fit 1440 px with the sidebar open.
SUMMARY_CONFIG = {
    "series": st.column_config.TextColumn("version", pinned=True, width=155, help="function:version"),
    "function": None, "version": None,  # in the series name already
    "invocations": st.column_config.NumberColumn("invocations", width=80, help="REPORT lines in the selection"),
    "restore_share": st.column_config.NumberColumn("restores", width=70,
                                                   help="Share of invocations that restored from a snapshot"),
    "restore_ms_p50": st.column_config.NumberColumn("restore p50", width=85, help="Restore Duration, 50th percentile"),
    "restore_ms_p99": st.column_config.NumberColumn("restore p99", width=85, help="Restore Duration, 99th percentile"),
    "billed_restore_s": st.column_config.NumberColumn("billed restore", width=88,
                                                      help="Sum of Billed Restore Duration (runtime load + hooks)"),
    "errors": st.column_config.NumberColumn("errors", width=52, help="REPORTs with Status: error"),
    "timeouts": st.column_config.NumberColumn("timeouts", width=64, help="REPORTs with Status: timeout"),
    "failed_restores": st.column_config.NumberColumn("failed rest.", width=74,
                                                     help="RESTORE_REPORTs that did not succeed"),
    "snapstart_cost_usd": st.column_config.NumberColumn(
        "SnapStart $", width=82, help="Cache + restore charges in the selection; n/a for $LATEST (no snapshot: "
                                      "SnapStart applies to published versions) or when nothing can be priced"),
    "hook_headroom_ms": st.column_config.NumberColumn(
        "headroom", width=76,
        help="After-restore hook headroom: the 10 s hook limit minus the slowest traced restore; 0 where a "
             "restore failed; n/a without X-Ray traces"),
}
# How each summary value reads; an empty cell reads "n/a" and the note under the table says why.
SUMMARY_FORMATS = {
    "invocations": "{:.0f}", "restore_share": "{:.1%}", "restore_ms_p50": "{:,.0f} ms",
    "restore_ms_p99": "{:,.0f} ms", "billed_restore_s": "{:,.1f} s", "errors": "{:.0f}", "timeouts": "{:.0f}",
    "failed_restores": "{:.0f}", "hook_headroom_ms": "{:,.0f} ms",
}
SUMMARY_NAMES = {"restore_ms_p50": "restore p50", "restore_ms_p99": "restore p99", "restore_share": "restores",
                 "billed_restore_s": "billed restore", "snapstart_cost_usd": "SnapStart cost",
                 "hook_headroom_ms": "hook headroom"}


def dollars(value: float) -> str:
    """Cents, or four decimals under a cent: a real charge never reads "$0.00"."""
    return f"${value:,.2f}" if abs(value) >= 0.01 else f"${value:,.4f}"


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
        styled = v.summary.style.format(
            {**SUMMARY_FORMATS, "snapstart_cost_usd": dollars}, na_rep="n/a")  # sorting keeps the numbers
        st.dataframe(styled, hide_index=True, width="stretch", column_config=SUMMARY_CONFIG, key="summary",
                     height=min(38 + 35 * len(v.summary), 400), placeholder="n/a")
        render_missing(v)
        render_verdicts(v)


def render_missing(v: views.Views) -> None:
    """Why a cell of the table reads n/a: one line per version, never a bare "None"."""
    if not len(v.missing):
        return
    lines = []
    for series, group in v.missing.groupby("series", sort=False):
        by_reason = group.groupby("reason", sort=False)["column"].agg(list)
        parts = [", ".join(SUMMARY_NAMES.get(c, c) for c in columns) + f": {reason}"
                 for reason, columns in by_reason.items()]
        lines.append(f"**{series}** n/a — " + "; ".join(parts))
    st.caption(md("  \n".join(lines)))


def render_verdicts(v: views.Views) -> None:
    """The conclusions, in words, per version: on the page, not in a collapsed table."""
    if not len(v.verdicts):
        return
    lines = []
    for series, group in v.verdicts.groupby("series", sort=False):
        lines.append(f"- **{md(series)}**: " + "; ".join(md(text) for text in group["verdict"]) + ".")
    st.markdown("\n".join(lines))



@st.fragment
def render_restore_latency(v: views.Views, colors: dict[str, str]) -> None:
    """A fragment: picking a statistic or the log scale reruns this chart only, not the page."""
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
            fig = fast_figure(traces(
                failed, "bucket_start", "count", "series", colors, v.series, symbol="outcome",
                dash_order=["errors", "timeouts", "failed restores"], unit="",
                symbols={"errors": "x", "timeouts": "triangle-up", "failed restores": "circle-open"}))
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
            fig = fast_figure(traces(long, "bucket_start", "latency_ms", "start_kind", START_KIND_COLORS,
                                     ["warm", "restore", "init"], dash="statistic", dash_order=["p50", "p99"],
                                     samples="samples"), log_y=True)
            return style(fig, "bucket start (UTC)", "latency (ms, log scale)", height=320)

        draw(figure(v, "latency_by_start", make), "latency_by_start")


