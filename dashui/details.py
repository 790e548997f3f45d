"""The deeper views, one tab at a time: billed restore, cost, the three-way comparison, init vs
restore, hooks, rows and downloads."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from dashui.charts import (
    CHARGE_COLORS,
    LABELS,
    OPTION_COLORS,
    PHASE_COLORS,
    START_KIND_COLORS,
    draw,
    empty_note,
    fast_figure,
    figure,
    md,
    money_axis,
    section,
    show,
    style,
    traces,
)
from dashui.loading import PREVIEW_ROWS
from logparse import lifetimes, views

COMPARISON_COLUMNS = ("series", "option", "total_cost_usd", "cache_cost_usd", "restore_cost_usd",
                      "duration_cost_usd", "request_cost_usd", "provisioned_cost_usd", "cold_starts",
                      "cold_start_p50_ms", "cold_start_p99_ms", "pc_concurrency", "cheapest", "note")
HOOK_COLUMNS = ("series", "restores_traced", "hook_ms_p50", "hook_ms_p99", "hook_ms_max", "failures",
                "failed_restores", "worst_ms", "headroom_ms", "limit_share", "worst_trace_id", "measured_from")
# What each hook figure is measured from (logparse.hooks.hook_analysis), shown as column help.
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
            fig = fast_figure(traces(billed, "bucket_start", "billed_restore_ms", "series", colors, v.series,
                                     stack=True))
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
            fig = fast_figure(traces(cold, "bucket_start", "share", "start_kind", START_KIND_COLORS,
                                     ["restore", "init"], stack=True, unit="", fmt=".1%"))
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
            latest = (snap["version"] == lifetimes.LATEST).fillna(False).to_numpy(dtype=bool)
            snap = snap[~latest]  # no snapshot, so no SnapStart cost: n/a, not a flat $0 line
            totals = snap.groupby(["series", "bucket_start"], sort=False)["cumulative_cost_usd"].sum().reset_index()
            fig = px.line(totals, x="bucket_start", y="cumulative_cost_usd", color="series", render_mode="svg",
                          color_discrete_map=colors, category_orders={"series": v.series}, labels=LABELS)
            fig.update_traces(hovertemplate="%{fullData.name}: $%{y:,.4~f}<extra></extra>")
            money_axis(fig)
            show(fig, "bucket start (UTC)", "cumulative cache + restore cost (USD)", "cost_cumulative")
            if latest.any():
                at_latest = v.costs["version"] == lifetimes.LATEST
                names = ", ".join(sorted(set(v.costs.loc[at_latest, "series"].astype(str))))
                st.caption(md(f"{names}: n/a, {views.LATEST_NO_SNAPSHOT}."))


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


