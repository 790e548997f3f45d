"""The deploy-history tabs (issue 15): the regression gate between consecutive versions, runtime
re-patches, and the 30-day projection per option.

Each is computed only when its tab is open, and cached per selection (``st.cache_data``), from
:mod:`logparse.history` (which calls :mod:`logparse.gate`, :mod:`logparse.repatch` and
:mod:`logparse.projection`); an empty view says why it is empty.
"""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from dashui.charts import LABELS, OPTION_COLORS, draw, md, money_axis, section, style
from dashui.loading import prices_for
from logparse import gate, projection, views
from logparse import history as lib
from logparse.tables import Tables

PERCENT = "%+.1f%%"
GATE_CONFIG = {
    "function": st.column_config.TextColumn("function", pinned=True),
    "baseline": st.column_config.TextColumn("from", help="The earlier version (the gate's baseline)"),
    "candidate": st.column_config.TextColumn("to", help="The later version (the gate's candidate)"),
    "verdict": st.column_config.TextColumn(
        "verdict", help="pass / regressed (beyond the allowed change) / insufficient evidence (too few restores)"),
    "baseline_restores": st.column_config.NumberColumn("restores before", format="%d"),
    "candidate_restores": st.column_config.NumberColumn("restores after", format="%d"),
    "restore_ms_p99_baseline": st.column_config.NumberColumn("restore p99 before", format="%.0f ms"),
    "restore_ms_p99_candidate": st.column_config.NumberColumn("restore p99 after", format="%.0f ms"),
    "restore_ms_p99_change": st.column_config.NumberColumn("p99 change", format=PERCENT),
    "restore_ms_p99_ci": st.column_config.TextColumn(
        "p99 change, 95% CI", help="Bootstrap over restores (fixed seed), as `check --json` gives it"),
    "billed_restore_ms_p50_baseline": st.column_config.NumberColumn("billed restore p50 before", format="%.0f ms"),
    "billed_restore_ms_p50_candidate": st.column_config.NumberColumn("billed restore p50 after", format="%.0f ms"),
    "billed_restore_ms_p50_change": st.column_config.NumberColumn("billed p50 change", format=PERCENT),
}
REPATCH_CONFIG = {
    "series": st.column_config.TextColumn("version", pinned=True),
    "timestamp": st.column_config.DatetimeColumn("re-patched (UTC)", format="YYYY-MM-DD HH:mm"),
    "from_runtime_version": st.column_config.TextColumn("from runtime"),
    "to_runtime_version": st.column_config.TextColumn("to runtime"),
    "init_ms": st.column_config.NumberColumn("re-init", format="%.0f ms",
                                             help="The init that re-created the snapshot (billed)"),
    "restores_before": st.column_config.NumberColumn("restores before", format="%d"),
    "restore_ms_p50_before": st.column_config.NumberColumn("p50 before", format="%.0f ms"),
    "restore_ms_p99_before": st.column_config.NumberColumn("p99 before", format="%.0f ms"),
    "restores_after": st.column_config.NumberColumn("restores after", format="%d"),
    "restore_ms_p50_after": st.column_config.NumberColumn("p50 after", format="%.0f ms"),
    "restore_ms_p99_after": st.column_config.NumberColumn("p99 after", format="%.0f ms"),
}
PROJECTION_CONFIG = {
    "series": st.column_config.TextColumn("version", pinned=True),
    "option": st.column_config.TextColumn("option"),
    "projected_cost_usd": st.column_config.TextColumn("projected cost", help="30 days at the observed traffic"),
    "range": st.column_config.TextColumn("range (90 %)", help="5th-95th percentile of a block bootstrap"),
    "projected_invocations": st.column_config.NumberColumn("invocations", format="%,.0f"),
    "projected_cold_starts": st.column_config.NumberColumn("cold starts", format="%,.0f"),
    "observed_hours": st.column_config.NumberColumn("hours seen", format="%d"),
    "cheapest": st.column_config.CheckboxColumn("cheapest"),
}


@st.cache_data(show_spinner="Comparing consecutive versions…", max_entries=8)
def regressions(_tables: Tables, key: str) -> lib.Shown:
    """``key`` identifies the selected tables (too large to hash on every rerun)."""
    del key
    return lib.regressions(_tables)


@st.cache_data(show_spinner="Reading runtime versions…", max_entries=8)
def runtime_versions(_tables: Tables, key: str) -> tuple[lib.Shown, lib.Shown]:
    del key
    return lib.runtime_versions(_tables)


@st.cache_data(show_spinner="Projecting 30 days…", max_entries=8)
def projections(_tables: Tables, key: str, priced: tuple[str, str, tuple[tuple[str, float], ...]]) -> lib.Shown:
    del key
    return lib.projections(_tables, prices_for(*priced))


def _interval(low: object, high: object) -> str:
    if pd.isna(low) or pd.isna(high):
        return "n/a"
    return f"{float(low):+.1%} .. {float(high):+.1%}"  # type: ignore[arg-type]


def render_regressions(v: views.Views, key: str) -> None:
    with section("Restore regressions between consecutive versions",
                 f"Each version against the previous one of its function, as `python -m logparse check` judges "
                 f"a deploy: restore p99 and billed restore p50 may grow by at most "
                 f"{gate.DEFAULT_MAX_REGRESSION:.0%}, with at least {gate.DEFAULT_MIN_RESTORES} restores "
                 "on each side."):
        shown = regressions(v.tables, key)
        if not len(shown.frame):
            st.info(md(f"No comparison to show: {shown.empty_reason}."))
            return
        frame = shown.frame.copy()
        for name in ("restore_ms_p99", "billed_restore_ms_p50"):
            frame[f"{name}_change"] = frame[f"{name}_change"].astype("Float64") * 100
        frame["restore_ms_p99_ci"] = [_interval(lo, hi) for lo, hi in zip(
            frame["restore_ms_p99_change_low"], frame["restore_ms_p99_change_high"], strict=True)]
        st.dataframe(frame[list(GATE_CONFIG)], hide_index=True, width="stretch", column_config=GATE_CONFIG,
                     key="gate_table")
        st.markdown("\n".join(f"- {md(message)}" for message in shown.frame["message"]))


def render_repatches(v: views.Views, key: str, colors: dict[str, str]) -> None:
    with section("Runtime versions and re-patches",
                 "The runtime version (INIT_START / RESTORE_START `Runtime Version`) each function version ran, "
                 "over time. A re-patch is a new runtime version under the same function version: AWS re-creates "
                 "the snapshot (a billed init) and restores may change speed."):
        timeline, found = runtime_versions(v.tables, key)
        if not len(timeline.frame):
            st.info(md(f"No runtime versions to show: {timeline.empty_reason}."))
            return
        draw(_timeline_figure(timeline.frame, found.frame), "runtime_timeline")
        if len(found.frame):
            st.markdown(f"**{len(found.frame)} re-patch{'es' if len(found.frame) > 1 else ''}**, restore "
                        "latency before and after:")
            st.dataframe(found.frame[list(REPATCH_CONFIG)], hide_index=True, width="stretch",
                         column_config=REPATCH_CONFIG, key="repatch_table")
        else:
            st.info(md(f"No re-patch: {found.empty_reason}."))


def _timeline_figure(timeline: pd.DataFrame, found: pd.DataFrame) -> go.Figure:
    bars = timeline.assign(last_seen=timeline["last_seen"].where(
        timeline["last_seen"] > timeline["first_seen"], timeline["first_seen"] + pd.Timedelta(minutes=30)))
    fig = px.timeline(bars, x_start="first_seen", x_end="last_seen", y="series", color="runtime_version",
                      hover_data={"restores": True, "restore_ms_p50": ":,.0f", "restore_ms_p99": ":,.0f"},
                      labels={**LABELS, "runtime_version": "runtime version", "first_seen": "first seen (UTC)",
                              "last_seen": "last seen (UTC)", "restores": "restores",
                              "restore_ms_p50": "restore p50 (ms)", "restore_ms_p99": "restore p99 (ms)"})
    if len(found):
        fig.add_trace(go.Scatter(
            x=found["timestamp"], y=found["series"], mode="markers", name="re-patch",
            marker={"symbol": "star", "size": 14, "color": "#C2255C", "line": {"width": 1, "color": "white"}},
            customdata=found[["from_runtime_version", "to_runtime_version", "restore_ms_p50_before",
                              "restore_ms_p50_after"]].astype(object).where(found.notna(), None),
            hovertemplate="re-patch %{customdata[0]} → %{customdata[1]}<br>restore p50 %{customdata[2]:,.0f} ms"
                          " → %{customdata[3]:,.0f} ms<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    fig = style(fig, "time (UTC)", "version", height=80 + 36 * timeline["series"].nunique())
    fig.update_layout(hovermode="closest")
    return fig


def _money(value: object) -> str:
    return "n/a" if pd.isna(value) else f"${float(value):,.2f}"  # type: ignore[arg-type]


def render_projection(v: views.Views, key: str, priced: tuple[str, str, tuple[tuple[str, float], ...]]) -> None:
    with section(f"{projection.DAYS}-day projection per option",
                 "The observed traffic of each version (invocations and cold starts per hour) stretched to "
                 f"{projection.DAYS} days and priced three ways; the range is the 5th-95th percentile of a "
                 "bootstrap of whole days of that traffic."):
        shown = projections(v.tables, key, priced)
        frame = shown.frame
        if not len(frame):
            st.info(md(f"No projection to show: {shown.empty_reason}."))
            return
        priced_rows = frame[frame["projected_cost_usd"].notna().to_numpy(dtype=bool)]
        fig = px.bar(priced_rows, x="series", y="projected_cost_usd", color="option", barmode="group",
                     error_y=priced_rows["high_cost_usd"] - priced_rows["projected_cost_usd"],
                     error_y_minus=priced_rows["projected_cost_usd"] - priced_rows["low_cost_usd"],
                     color_discrete_map=OPTION_COLORS, category_orders={"option": list(OPTION_COLORS)},
                     labels={**LABELS, "projected_cost_usd": f"projected cost, {projection.DAYS} days (USD)"})
        money_axis(fig)
        draw(style(fig, "version", f"projected cost, {projection.DAYS} days (USD)"), "projection")
        table = frame.assign(
            projected_cost_usd=frame["projected_cost_usd"].map(_money),
            range=[f"{_money(lo)} .. {_money(hi)}" if not pd.isna(lo) else "n/a"
                   for lo, hi in zip(frame["low_cost_usd"], frame["high_cost_usd"], strict=True)])
        st.dataframe(table[list(PROJECTION_CONFIG)], hide_index=True, width="stretch",
                     column_config=PROJECTION_CONFIG, key="projection_table")
        if shown.empty_reason:
            st.caption(md(f"n/a: {shown.empty_reason}."))
        for note in frame.attrs.get("assumptions", []):
            st.caption(md(f"• {note}"))
