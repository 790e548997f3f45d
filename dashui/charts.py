"""Figure building and the common look of every chart: colours per version, human labels, dollar
axes, and the chart cache per selection."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from logparse import views

# The theme's categorical colours (.streamlit/config.toml), given to plotly so that one version keeps
# one colour in every chart.
PALETTE = ("#1C7ED6", "#D9480F", "#2B8A3E", "#7048E8", "#E67700", "#0B7285", "#C2255C", "#5C940D")
START_KIND_COLORS = {"warm": "#ADB5BD", "init": "#D9480F", "restore": "#1C7ED6"}
PHASE_COLORS = {"init": "#D9480F", "restore": "#1C7ED6"}
OPTION_COLORS = {"snapstart": "#1C7ED6", "on-demand": "#D9480F", "provisioned-concurrency": "#7048E8"}
CHARGE_COLORS = {"cache": "#0B7285", "restore": "#1C7ED6", "billed restore duration": "#E67700"}
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


def md(text: object) -> str:
    """Text shown as Markdown, with ``$`` escaped: Streamlit reads ``$...$`` as maths, and
    ``$LATEST`` is a version name."""
    return str(text).replace("$", "\\$")


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



def series_colors(names: Sequence[str]) -> dict[str, str]:
    """One colour per version for the whole load, so a filter never repaints a version."""
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(names)}



# plotly's default dash sequence, as plotly express gives it: one dash per statistic.
DASHES = ("solid", "dot", "dash", "longdash", "dashdot", "longdashdot")


def traces(frame: pd.DataFrame, x: str, y: str, color: str, colors: dict[str, str], order: Sequence[str], *,
           dash: str | None = None, dash_order: Sequence[str] = (), symbol: str | None = None,
           symbols: dict[str, str] | None = None, samples: str | None = None, unit: str = "ms",
           stack: bool = False, markers: bool = False, fmt: str = ",.0f") -> list[dict[str, object]]:
    """One plotly trace (a plain dict) per ``color`` value (and ``dash`` or ``symbol`` value), in
    ``order``: what plotly express would build, without its cost (about 50 ms a chart, most of a
    filter change's figure time). Names read ``version, statistic``; hover boxes name the value
    with its unit and the bucket's sample count."""
    keys = [k for k in (color, dash, symbol) if k]
    rank = {name: i for i, name in enumerate(order)}
    second = {name: i for i, name in enumerate(dash_order)}
    groups = sorted(frame.groupby(keys, sort=False, observed=True),
                    key=lambda item: (rank.get(_key(item[0])[0], len(rank)), second.get(_key(item[0])[-1], 0)))
    out: list[dict[str, object]] = []
    for key, group in groups:
        parts = _key(key)
        name = ", ".join(parts)
        hover = f"{name}: %{{y:{fmt}}}" + (f" {unit}" if unit else "")
        trace: dict[str, object] = {
            "type": "scatter", "x": group[x], "y": group[y].to_numpy(dtype="float64", na_value=float("nan")),
            "name": name, "legendgroup": name, "showlegend": True,
            "line": {"color": colors.get(parts[0], "#868E96")},
        }
        if samples:
            trace["customdata"] = group[[samples]].to_numpy(dtype="float64", na_value=0.0)
            hover += " (%{customdata[0]:,} samples)"
        trace["hovertemplate"] = hover + "<extra></extra>"
        if symbol:
            trace["mode"] = "markers"
            trace["marker"] = {"color": colors.get(parts[0], "#868E96"), "size": 12, "line": {"width": 2},
                               "symbol": (symbols or {}).get(parts[-1], "circle")}
        else:
            trace["mode"] = "lines+markers" if markers else "lines"
            trace["line"] = {"color": colors.get(parts[0], "#868E96"), "shape": "hv" if stack else "linear",
                             "dash": DASHES[second.get(parts[-1], 0) % len(DASHES)] if dash else "solid"}
        if stack:
            trace.update(stackgroup="one", fill="tonexty", line={**trace["line"], "width": 0.5})  # type: ignore[dict-item]
        out.append(trace)
    return out


def _key(key: object) -> tuple[str, ...]:
    return tuple(str(k) for k in key) if isinstance(key, tuple) else (str(key),)


def fast_figure(data: list[dict[str, object]], log_y: bool = False) -> go.Figure:
    """A figure from plain trace dicts, validated once."""
    return go.Figure(data=data, layout={"yaxis": {"type": "log" if log_y else "linear"}})


def restore_latency_figure(v: views.Views, colors: dict[str, str], statistics: Sequence[str],
                           log_scale: bool) -> go.Figure:
    latency = v.restore_latency
    latency = latency[latency["statistic"].isin(statistics)]  # send only what is drawn
    # Lines are few points: SVG ("scatter"), never WebGL (needs a GPU).
    fig = fast_figure(traces(latency, "bucket_start", "restore_ms", "series", colors, v.series, dash="statistic",
                             dash_order=views.STATISTICS, samples="samples", markers=len(latency) < 200),
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


