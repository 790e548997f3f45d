"""After-restore hooks per function version: how long they took, how close they came to
SnapStart's 10 s limit, and what each figure is measured from (instrumented hook subsegments,
billed restore time, or an upper bound from the Restore span).

A metric over the joined tables, so it lives beside the other metrics rather than in the X-Ray
reader.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from logparse.tables import TEXT, TIME, Schema, conform, empty
from logparse.xraydocs import HOOK_LIMIT_MS
from logparse.xrayjoin import isin, lookup, restore_spans, trace_key

HOOKS_COLUMNS: Schema = {
    "function": TEXT,
    "version": TEXT,
    "restores_traced": "Int64",
    # Hook time measured from hook subsegments only; <NA> where no restore had any ("no hooks traced").
    "hook_ms_p50": "Float64",
    "hook_ms_p99": "Float64",
    "hook_ms_max": "Float64",
    "failures": "Int64",
    # Restores that failed or hit the 10 s limit (logs or traces): headroom_ms is <= 0 where any did.
    "failed_restores": "Int64",
    "worst_ms": "Float64",
    "worst_trace_id": TEXT,
    "headroom_ms": "Float64",
    "limit_share": "Float64",
    # How each restore's limit time was measured (see hook_analysis): counts per basis.
    "hooks_instrumented": "Int64",
    "hooks_from_billing": "Int64",
    "hooks_upper_bound": "Int64",
    "xray_restore_ms_p50": "Float64",
    "xray_restore_ms_max": "Float64",
    # What the figures of the row are measured from, in words (the dashboard shows it).
    "measured_from": TEXT,
}

# Lambda's error type when after-restore hooks overrun the 10 s limit.
HOOK_TIMEOUT_ERROR = "SnapStartTimeoutException"
NO_HOOKS = "no hooks traced"
# A REPORT can follow its RESTORE_REPORT by at most the 15-minute function timeout.
_REPORT_AFTER_RESTORE = pd.Timedelta(minutes=16)


def hook_analysis(spans: pd.DataFrame, invocations: pd.DataFrame | None = None,
                  restores: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per function and version: how long after-restore hooks take and how close they come to
    the 10 s limit.

    Hook time (``hook_ms_*``) is only ever measured from hook subsegments: the direct children of
    a traced ``Restore`` subsegment (the user traced their hooks), summed per restore. A version
    none of whose traced restores has one says ``no hooks traced`` (``measured_from``) and has no
    hook time: runtime load is never passed off as hook time.

    The limit, though, must be watched either way, so ``worst_ms`` is the slowest traced restore's
    time that counts toward it, as tight as the data allows and never below the truth:

    1. ``hooks_instrumented``: the hook subsegments' sum (as above);
    2. ``hooks_from_billing``: no hook subsegments, but the trace's REPORT gives both durations:
       the Restore span minus the unbilled snapshot part (Restore Duration - Billed Restore
       Duration), i.e. runtime load + hooks, an upper bound;
    3. ``hooks_upper_bound``: only the Restore span: its whole duration, a looser upper bound.

    ``headroom_ms = 10,000 - worst_ms``, ``limit_share = worst_ms / 10,000``, with the slowest
    restore's trace id to open in the console. A restore that hit the limit (Restore Duration >=
    10,000 ms, ``SnapStartTimeoutException``, a RESTORE_REPORT with status ``timeout``) makes
    ``worst_ms`` 10,000; one that failed (those, a failed RESTORE_REPORT, an error or fault in a
    traced Restore subtree) makes ``headroom_ms`` at most 0: ``failed_restores`` counts them.

    ``failures``: traced restores with an error or fault anywhere in the Restore subtree, plus
    restore invocations with status error/timeout (or a limit marker) whose trace is not already
    counted (the REPORT of a restore whose hooks failed; a handler failure on the first invocation
    after a restore counts too, as the log cannot tell them apart), plus failed RESTORE_REPORTs of
    ``restores`` that no such invocation stands for (matched on version and Restore Duration within
    16 minutes).

    Where the X-Ray ARN was unqualified the version comes from the matching invocation.
    """
    traced = restore_spans(spans)
    invocations = invocations if invocations is not None else None
    if traced.empty and (invocations is None or invocations.empty) and (restores is None or restores.empty):
        return empty(HOOKS_COLUMNS)
    traced = traced[["trace_id", "segment_id", "function", "version", "duration_ms"]].copy()
    children = _children_ms(spans, traced)
    failed = _failed_traces(spans, traced)
    traced["children_ms"] = lookup(traced["trace_id"], pd.Series(children.index, dtype=TEXT),
                                    children.astype("Float64"))
    traced["failed"] = isin(traced["trace_id"], pd.Series(sorted(failed), dtype=TEXT))
    traced["unbilled_ms"] = pd.array([pd.NA] * len(traced), dtype="Float64")
    if invocations is not None and not invocations.empty:
        traced = _with_invocations(traced, invocations)
    logged = _logged_failures(invocations, restores, failed)

    from_billing = (traced["duration_ms"] - traced["unbilled_ms"]).clip(lower=0)
    has_children = traced["children_ms"].notna()
    traced["hook_ms"] = traced["children_ms"]
    traced["limit_ms"] = traced["children_ms"].where(
        has_children, from_billing.where(from_billing.notna(), traced["duration_ms"]))
    traced["basis"] = np.where(has_children, "instrumented", np.where(from_billing.notna(), "billing", "upper"))
    return _per_version(traced, logged)


def _children_ms(spans: pd.DataFrame, restores: pd.DataFrame) -> pd.Series:
    """Sum of the direct children of each Restore span, by trace id."""
    kids = spans[isin(spans["parent_id"], restores["segment_id"])]
    kids = kids[isin(trace_key(kids, "parent_id"), trace_key(restores, "segment_id"))]
    return kids.groupby("trace_id")["duration_ms"].sum()


def _failed_traces(spans: pd.DataFrame, restores: pd.DataFrame) -> set[str]:
    """Trace ids whose Restore span or any descendant has error or fault: walk down one level
    per pass, vectorized (as many passes as the tree is deep, not one per row)."""
    spans = spans[isin(spans["trace_id"], restores["trace_id"])]
    key, parent = trace_key(spans, "segment_id"), trace_key(spans, "parent_id")
    inside = isin(key, trace_key(restores, "segment_id"))
    frontier = inside
    while frontier.any():
        frontier = isin(parent, key[frontier]) & ~inside
        inside |= frontier
    flagged = (spans["error"].fillna(False) | spans["fault"].fillna(False)).to_numpy(dtype=bool)
    return set(spans.loc[inside & flagged, "trace_id"])


def _with_invocations(restores: pd.DataFrame, invocations: pd.DataFrame) -> pd.DataFrame:
    """Bring in the REPORT facts of each traced restore (the first invocation naming the trace)."""
    logs = invocations[invocations["trace_id"].notna()]
    ids = restores["trace_id"]
    restore_ms = lookup(ids, logs["trace_id"], logs["restore_ms"].astype("Float64"))
    billed_ms = lookup(ids, logs["trace_id"], logs["billed_restore_ms"].astype("Float64"))
    restores["unbilled_ms"] = restore_ms - billed_ms
    for column in ("function", "version"):
        restores[column] = restores[column].fillna(lookup(ids, logs["trace_id"], logs[column].astype(TEXT)))
    return restores


def _flag(frame: pd.DataFrame, mask: pd.Series) -> np.ndarray:
    return mask.fillna(False).to_numpy(dtype=bool) if len(frame) else np.zeros(0, dtype=bool)


def _logged_failures(invocations: pd.DataFrame | None, restores: pd.DataFrame | None,
                     traced_failed: set[str]) -> pd.DataFrame:
    """Failed restores the logs saw: one row each (``function, version, trace_id, limit,
    failed``), ``limit`` where it hit the 10 s limit, ``failed`` where the restore itself failed
    (else only its REPORT did). Restore REPORTs whose trace already counts as failed are left out;
    a failed RESTORE_REPORT adds a row only when no restore REPORT stands for it."""
    columns = ["function", "version", "trace_id", "timestamp", "limit", "failed"]
    parts = []
    reported = pd.DataFrame(columns=["function", "version", "restore_ms", "timestamp"])
    if invocations is not None and len(invocations):
        inv = invocations
        is_restore = _flag(inv, inv["start_kind"] == "restore")
        limit = _flag(inv, (inv["error_type"] == HOOK_TIMEOUT_ERROR) | (inv["restore_ms"] >= HOOK_LIMIT_MS))
        reported_failing = is_restore & (limit | _flag(inv, inv["status"].isin(["error", "timeout", "failure"])))
        failing = reported_failing & ~isin(inv["trace_id"].astype(TEXT), pd.Series(sorted(traced_failed), dtype=TEXT))
        parts.append(inv.loc[failing, ["function", "version", "trace_id", "timestamp"]].assign(
            limit=limit[failing], failed=limit[failing]))
        reported = inv.loc[reported_failing, ["function", "version", "restore_ms", "timestamp"]]
    if restores is not None and len(restores):
        status = restores["status"]
        limit = _flag(restores, (status == "timeout") | (restores["error_type"] == HOOK_TIMEOUT_ERROR)
                      | (restores["restore_ms"] >= HOOK_LIMIT_MS))
        bad = limit | _flag(restores, (status.notna() & (status != "success")) | restores["error_type"].notna())
        failed = restores.loc[bad, ["function", "version", "restore_ms", "timestamp"]].assign(
            limit=limit[bad], _row=np.arange(int(bad.sum())))
        # Which failed RESTORE_REPORTs a restore REPORT stands for: same version and Restore
        # Duration, the REPORT at most 16 minutes later (or either without a time).
        pairs = failed.merge(reported, on=["function", "version", "restore_ms"], suffixes=("", "_report"))
        gap = pairs["timestamp_report"] - pairs["timestamp"]
        close = (gap.isna() | ((gap >= pd.Timedelta(0)) & (gap <= _REPORT_AFTER_RESTORE))).fillna(False)
        matched = pairs.loc[close.to_numpy(dtype=bool)]
        # A matched REPORT's row (if it failed) takes the RESTORE_REPORT's verdict: the restore failed.
        if parts and len(matched):
            keys = ["function", "version", "timestamp"]
            stood_for = matched[["function", "version", "timestamp_report", "limit"]].rename(
                columns={"timestamp_report": "timestamp", "limit": "report_limit"}).drop_duplicates(keys)
            rows = parts[0].merge(stood_for, on=keys, how="left")
            hit = rows["report_limit"].notna().to_numpy(dtype=bool)
            rows["failed"] = rows["failed"].to_numpy(dtype=bool) | hit
            rows["limit"] = rows["limit"].to_numpy(dtype=bool) | rows["report_limit"].fillna(False).to_numpy(dtype=bool)
            parts[0] = rows.drop(columns="report_limit")
        alone = ~failed["_row"].isin(matched["_row"]).to_numpy(dtype=bool)
        parts.append(failed.loc[alone, ["function", "version", "timestamp", "limit"]].assign(
            trace_id=pd.NA, failed=True))
    parts = [part for part in parts if len(part)]
    if not parts:
        return pd.DataFrame({"function": pd.Series(dtype=TEXT), "version": pd.Series(dtype=TEXT),
                             "trace_id": pd.Series(dtype=TEXT), "timestamp": pd.Series(dtype=TIME),
                             "limit": pd.Series(dtype=bool), "failed": pd.Series(dtype=bool)})[columns]
    out: pd.DataFrame = pd.concat([part[columns] for part in parts], ignore_index=True)
    out["limit"] = out["limit"].astype(bool)
    out["failed"] = out["failed"].astype(bool)
    return out


BASES = {"instrumented": "hooks_instrumented", "billing": "hooks_from_billing",
         "upper": "hooks_upper_bound"}


def _per_version(restores: pd.DataFrame, logged: pd.DataFrame) -> pd.DataFrame:
    """One row per function and version, from one row per traced restore (plus log failures)."""
    keys = ["function", "version"]
    if restores.empty and logged.empty:
        return empty(HOOKS_COLUMNS)
    restores = restores.assign(**{
        column: (restores["basis"] == basis).astype("int64") for basis, column in BASES.items()})
    hook = restores.groupby(keys, dropna=False, sort=True)
    out = pd.DataFrame({
        "restores_traced": hook.size(),
        "hook_ms_p50": hook["hook_ms"].quantile(0.5),
        "hook_ms_p99": hook["hook_ms"].quantile(0.99),
        "hook_ms_max": hook["hook_ms"].max(),
        "failures_traced": hook["failed"].sum(),
        **{column: hook[column].sum() for column in BASES.values()},
        "worst_ms": hook["limit_ms"].max(),
        "xray_restore_ms_p50": hook["duration_ms"].quantile(0.5),
        "xray_restore_ms_max": hook["duration_ms"].max(),
    })
    # The trace of each group's slowest restore. Positional: same keys, same group order (index
    # alignment would not match a missing version, <NA> != <NA>).
    slowest_first = restores.sort_values("limit_ms", ascending=False, kind="stable")
    worst = slowest_first.groupby(keys, dropna=False, sort=True)["trace_id"].first()
    out["worst_trace_id"] = worst.to_numpy() if len(worst) == len(out) else pd.NA
    log = logged.assign(limit=logged["limit"].astype("int64"), failed=logged["failed"].astype("int64"))
    by_log = log.groupby(keys, dropna=False)
    log_counts = pd.DataFrame({"failures_logged": by_log.size(), "limit_hits": by_log["limit"].sum(),
                               "failed_logged": by_log["failed"].sum()})
    # The trace of a restore that hit the limit, if it was traced (it is the worst one then).
    limit_trace = log[log["limit"] > 0].groupby(keys, dropna=False)["trace_id"].first()
    out = out.join(log_counts, how="outer")
    for column in ("restores_traced", "failures_traced", "failures_logged", "limit_hits", "failed_logged",
                   *BASES.values()):
        out[column] = out[column].astype("Float64").fillna(0)
    out["failures"] = out["failures_traced"] + out["failures_logged"]
    out["failed_restores"] = out["failures_traced"] + out["failed_logged"]
    hit = (out["limit_hits"] > 0).to_numpy(dtype=bool)
    out["worst_ms"] = out["worst_ms"].astype("Float64").mask(hit, HOOK_LIMIT_MS)
    if hit.any():
        out["worst_trace_id"] = out["worst_trace_id"].astype(object).mask(
            hit, limit_trace.reindex(out.index).astype(object))
    out["headroom_ms"] = HOOK_LIMIT_MS - out["worst_ms"]
    failed = (out["failed_restores"] > 0).to_numpy(dtype=bool)
    out["headroom_ms"] = out["headroom_ms"].mask(failed, out["headroom_ms"].clip(upper=0).fillna(0.0))
    out["limit_share"] = out["worst_ms"] / HOOK_LIMIT_MS
    out["measured_from"] = _measured_from(out)
    return conform(out.reset_index(), HOOKS_COLUMNS)


def _measured_from(out: pd.DataFrame) -> list[str]:
    """Per version, in words: what hook_ms_* and worst_ms / headroom_ms are measured from."""
    texts = []
    for row in out[["restores_traced", *BASES.values(), "limit_hits", "failed_restores"]].itertuples(index=False):
        traced, instrumented, billing, upper, hits, failed = (int(v) for v in row)
        if instrumented:
            parts = [f"hook subsegments of {instrumented} of {traced} traced restores"]
        elif traced:
            parts = [NO_HOOKS]
        else:
            parts = [f"{NO_HOOKS} (no restore traced)"]
        bounds = []
        if billing:
            bounds.append(f"{billing} from the Restore subsegment minus the unbilled snapshot restore "
                          "(runtime load + hooks)")
        if upper:
            bounds.append(f"{upper} from the whole Restore subsegment")
        if bounds:
            parts.append("worst_ms is an upper bound for " + " and ".join(bounds))
        if hits:
            parts.append(f"{hits} restore(s) hit the 10 s limit (logs): worst_ms 10,000")
        if failed:
            parts.append(f"{failed} restore(s) failed: no headroom")
        texts.append("; ".join(parts))
    return texts
