"""The ``spans`` table joined to ``invocations``: each restore's X-Ray ``Restore`` span beside its
REPORT, and the versions spans lack taken from the logs. Arrow hash lookups, no Python loop."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from logparse.tables import TEXT
from logparse.xraydocs import RESTORE


def _arrow(values: pd.Series | pd.Index | np.ndarray) -> pa.Array:
    array = pa.array(values, from_pandas=True)
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def isin(values: pd.Series | pd.Index, candidates: pd.Series | pd.Index) -> np.ndarray:
    """``values.isin(candidates)`` via one Arrow hash lookup; missing values never match.

    (pandas 3's ``isin`` on Arrow strings builds a Python scalar per candidate: 100x slower.)"""
    found = pc.is_in(_arrow(values), value_set=_arrow(candidates), skip_nulls=True)
    mask: np.ndarray = found.fill_null(False).to_numpy(zero_copy_only=False)
    return mask


def lookup(keys: pd.Series, table_keys: pd.Series, table_values: pd.Series) -> pd.Series:
    """For each key, the value at the first equal table key (a vectorized dict lookup), or NA."""
    positions = pc.index_in(_arrow(keys), value_set=_arrow(table_keys), skip_nulls=True)
    found = pc.take(_arrow(table_values), positions)
    return pd.Series(pd.array(found, dtype=table_values.dtype), index=keys.index)


def trace_key(spans: pd.DataFrame, column: str) -> pd.Series:
    """trace id + id as one string: ids are unique within a trace only."""
    return spans["trace_id"] + "\x00" + spans[column].fillna("")


def restore_spans(spans: pd.DataFrame) -> pd.DataFrame:
    """The ``Restore`` subsegment of each trace: the one directly under the function segment
    (its parent is not another span), so a user hook that happens to be named "Restore" does not
    count twice. One row per trace, the earliest if a trace somehow has several."""
    candidates = spans[(spans["name"] == RESTORE).fillna(False)]
    if candidates.empty:
        return candidates
    parents = spans[isin(spans["segment_id"], candidates["parent_id"])]
    nested = isin(trace_key(candidates, "parent_id"), trace_key(parents, "segment_id"))
    restores = candidates[~nested]
    return restores.sort_values("start", kind="stable").drop_duplicates("trace_id")


def join(invocations: pd.DataFrame, spans: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """Fill ``invocations.xray_restore_ms`` from each trace's Restore span; count the overlap.

    ``invocations.trace_id`` is the bare ``1-xxxxxxxx-yyyy...`` id. Counts:
    ``matched`` invocations whose trace is among the spans; ``invocations_without_trace`` those
    with a trace id but no trace (unsampled, not fetched); ``traces_without_logs`` distinct traces
    in the spans that no invocation names. Rows, their order and their index are kept; an
    invocation whose trace has no Restore span (a warm start) keeps ``<NA>``.
    """
    trace_ids = invocations["trace_id"].astype(TEXT)
    traced = pd.Series(pc.unique(_arrow(spans["trace_id"].dropna())), dtype=TEXT)
    has_trace_id = trace_ids.notna().to_numpy()
    found = isin(trace_ids, traced)
    counts = {
        "traces_without_logs": int((~isin(traced, trace_ids)).sum()),
        "invocations_without_trace": int((has_trace_id & ~found).sum()),
        "matched": int(found.sum()),
    }
    restores = restore_spans(spans)
    out = invocations.copy()
    out["xray_restore_ms"] = lookup(trace_ids, restores["trace_id"], restores["duration_ms"])
    return out, counts


def versions_from_logs(spans: pd.DataFrame, invocations: pd.DataFrame) -> pd.DataFrame:
    """Spans whose ARN names no version (an unqualified function) take the version of the
    invocation with the same trace id: the log knows which version served the request."""
    missing = spans["version"].isna()
    if not missing.any() or invocations.empty:
        return spans
    known = invocations.dropna(subset=["trace_id"]).drop_duplicates("trace_id").set_index("trace_id")["version"]
    spans = spans.copy()
    spans.loc[missing, "version"] = spans.loc[missing, "trace_id"].map(known).astype(spans["version"].dtype)
    return spans
