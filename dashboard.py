"""SnapLens dashboard: restore latency, billed restore time and cache cost of Lambda SnapStart.

    streamlit run dashboard.py

A thin face over :mod:`logparse`: the sidebar gathers input (a source and filters), the library
parses and aggregates (:func:`logparse.load`, :func:`logparse.views.build`), and the page draws the
result. No parsing, percentile or pricing logic lives here or in :mod:`dashui`, which holds the
page's parts: ``loading`` (cached), ``sidebar``, ``sections`` (always shown), ``details`` and
``history`` (one tab at a time), ``charts`` (figure look and cache).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from dashui import details, history
from dashui.charts import md, series_colors
from dashui.loading import Loaded, all_series, build_views, warm_scanner
from dashui.sections import (
    render_failures,
    render_headline,
    render_latency_by_start,
    render_restore_latency,
    render_summary,
)
from dashui.sidebar import Filters, choose_filters, choose_source, report_load
from logparse import metrics, views
from logparse.errors import SnapLensError


def main(uploads: Sequence[tuple[str, bytes]] | None = None) -> None:
    """Draw the page. ``uploads`` (name, bytes) replaces the source picker (tests, embedding)."""
    st.set_page_config(page_title="SnapLens", page_icon="⚡", layout="wide")
    warm_scanner()
    st.title("SnapLens")
    st.caption("AWS Lambda SnapStart (Python): restore latency, billed restore time and cache cost, "
               "from CloudWatch platform lines and X-Ray traces.")
    try:
        loaded = choose_source(uploads)
    except SnapLensError as exc:  # a problem the user can fix, said as the CLI says it
        st.error(md(f"The input could not be read: {error_text(exc)}"))
        return
    except Exception as exc:  # the library collects rejects; this is the last line of defence
        st.error(f"The input could not be read: {type(exc).__name__}: {exc}")
        return
    if loaded is None or not report_load(loaded):
        return
    filters = choose_filters(loaded)
    try:
        v = build_views(loaded.tables, loaded.key, filters.selection, filters.bucket, filters.region,
                        filters.arch, filters.price_overrides)
    except SnapLensError as exc:
        st.error(md(f"The selection could not be aggregated: {error_text(exc)}"))
        return
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
        st.warning("No invocations in this selection: pick a longer time range or other versions.")
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
    render_details(v, colors, loaded, filters)


@st.fragment
def render_details(v: views.Views, colors: dict[str, str], loaded: Loaded, filters: Filters) -> None:
    """The deeper views, one tab at a time: only the open tab is computed and drawn, so a filter
    change redraws a handful of charts, not a dozen. A fragment: opening a tab reruns this part
    only, not the sidebar, the headline and the charts above."""
    region = loaded.region or filters.region
    key = f"{loaded.key}|{filters.selection}"  # identifies v.tables for the cached history views
    priced = (filters.region, filters.arch, filters.price_overrides)
    tabs: dict[str, Callable[[], None]] = {
        "Billed restore & cold starts": lambda: details.render_billed_and_mix(v, colors),
        "Cost over time": lambda: details.render_cost(v, colors),
        "SnapStart vs on-demand vs PC": lambda: details.render_comparison(v),
        "Init vs restore": lambda: details.render_init_and_distribution(v),
        "After-restore hooks": lambda: details.render_hooks(v, region),
        "Version regressions": lambda: history.render_regressions(v, key),
        "Runtime re-patches": lambda: history.render_repatches(v, key, colors),
        "30-day projection": lambda: history.render_projection(v, key, priced),
        "Rows and downloads": lambda: details.render_tables(v, loaded.inputs),
    }
    opened = st.tabs(list(tabs), key="details", on_change="rerun")
    for tab, draw in zip(opened, tabs.values(), strict=True):
        if tab.open:
            with tab:
                draw()


def error_text(exc: SnapLensError) -> str:
    """The error's message and, when it names no command-line flag (the page has none), its hint."""
    hint = exc.hint()
    return exc.message if not hint or "--" in hint else f"{exc.message}. To fix: {hint}."


if __name__ == "__main__":
    main()

