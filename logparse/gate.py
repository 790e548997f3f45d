"""A deploy gate: is a candidate version's restore latency within the allowed regression of the
baseline's? (``python -m logparse check``).

Two figures decide, each judged on its point estimate (numpy's ``"linear"`` percentile, as
everywhere in SnapLens): the restore p99 (``Restore Duration`` of the REPORTs that restored: what
users wait for) and the billed restore p50 (``Billed Restore Duration``: what is paid for). The
candidate passes when neither exceeds the baseline's by more than the allowed fraction. With too
few restores on either side a p99 says nothing, so the gate refuses to judge (exit 3) instead of
passing or failing on noise.

The confidence intervals in :meth:`GateResult.as_dict` come from a bootstrap over restores:
``BOOTSTRAP_RESAMPLES`` resamples of each side with replacement from a fixed seed, so the same
input always gives the same intervals. It is vectorized: each resample is a row of indices into the
side's *sorted* values, and a percentile of a resample only needs two order statistics of that
row, which ``np.partition`` finds in linear time; no Python loop per resample.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd

from logparse.metrics import PERCENTILE_METHOD, sort_versions
from logparse.tables import Tables

PASS, REGRESSED, INSUFFICIENT = 0, 1, 3  # exit codes of `check`
DEFAULT_MAX_REGRESSION = 0.20
DEFAULT_MIN_RESTORES = 30
BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 20261203
CONFIDENCE = 0.95
# Resample rows per chunk are chosen so one chunk holds at most this many indices (32 MB of int64):
# a month of restores of a busy version must not need gigabytes.
CHUNK_ELEMENTS = 4_000_000

# What the gate judges: (name in the output, invocations column, quantile).
CRITERIA: tuple[tuple[str, str, float], ...] = (
    ("restore_ms_p99", "restore_ms", 0.99),
    ("billed_restore_ms_p50", "billed_restore_ms", 0.50),
)


@dataclass(frozen=True)
class Criterion:
    """One judged figure: both sides' point estimates, bootstrap intervals and the verdict."""

    name: str
    baseline: float | None
    candidate: float | None
    change: float | None  # candidate / baseline - 1; None when either side has no value
    regressed: bool
    baseline_ci: tuple[float, float] | None = None
    candidate_ci: tuple[float, float] | None = None
    change_ci: tuple[float, float] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "baseline": _round(self.baseline), "candidate": _round(self.candidate),
                "change": _round(self.change), "regressed": self.regressed,
                "baseline_ci": _pair(self.baseline_ci), "candidate_ci": _pair(self.candidate_ci),
                "change_ci": _pair(self.change_ci)}


@dataclass(frozen=True)
class GateResult:
    """The gate's answer: ``exit_code`` (0 pass, 1 regressed, 3 not enough evidence) and one line."""

    function: str
    baseline: str
    candidate: str
    baseline_restores: int
    candidate_restores: int
    max_regression: float
    min_restores: int
    criteria: list[Criterion] = field(default_factory=list)
    exit_code: int = PASS
    message: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        return {PASS: "pass", REGRESSED: "regressed", INSUFFICIENT: "insufficient evidence"}[self.exit_code]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: the comparison with its confidence intervals."""
        return {
            "function": self.function, "baseline": self.baseline, "candidate": self.candidate,
            "verdict": self.verdict, "exit_code": self.exit_code, "message": self.message,
            "restores": {"baseline": self.baseline_restores, "candidate": self.candidate_restores},
            "max_regression": self.max_regression, "min_restores": self.min_restores,
            "criteria": [c.as_dict() for c in self.criteria],
            "bootstrap": {"resamples": BOOTSTRAP_RESAMPLES, "seed": BOOTSTRAP_SEED, "confidence": CONFIDENCE},
            "notes": list(self.notes),
        }


def restore_samples(tables: Tables, function: str, version: str) -> pd.DataFrame:
    """The restore_ms and billed_restore_ms of every REPORT of ``function``:``version`` that
    restored from a snapshot (the invocations a user waited on a restore for)."""
    inv = tables.invocations
    mask = ((inv["function"] == function) & (inv["version"] == version) & inv["restore_ms"].notna())
    return inv.loc[mask.fillna(False).to_numpy(dtype=bool), ["restore_ms", "billed_restore_ms"]]


def compare(tables: Tables, function: str, baseline: str, candidate: str, *,
            max_regression: float = DEFAULT_MAX_REGRESSION, min_restores: int = DEFAULT_MIN_RESTORES,
            resamples: int = BOOTSTRAP_RESAMPLES, seed: int = BOOTSTRAP_SEED) -> GateResult:
    """Judge ``candidate`` against ``baseline`` (both versions of ``function``) on the restores in
    ``tables``. ``max_regression`` is a fraction (0.2 = 20 %). The dashboard calls this for
    consecutive versions; ``check`` turns the result into its exit code."""
    base = restore_samples(tables, function, baseline)
    cand = restore_samples(tables, function, candidate)
    result = partial(GateResult, function=function, baseline=baseline, candidate=candidate,
                     baseline_restores=len(base), candidate_restores=len(cand),
                     max_regression=max_regression, min_restores=min_restores)
    # A side without a single restore is no evidence, whatever --min-restores says (0 would pass).
    need = max(min_restores, 1)
    if len(base) < need or len(cand) < need:
        message = (f"not enough evidence: {function} version {baseline} has {len(base)} restores, "
                   f"version {candidate} has {len(cand)} (need {need} each)")
        return result(exit_code=INSUFFICIENT, message=message)

    rng = np.random.default_rng(seed)
    criteria, notes = [], []
    for name, column, q in CRITERIA:
        b = _values(base[column])
        c = _values(cand[column])
        if b.size == 0 or c.size == 0:
            notes.append(f"{name} not judged: no {column} on the "
                         f"{'baseline' if b.size == 0 else 'candidate'} side (logs without that field)")
            criteria.append(Criterion(name, _point(b, q), _point(c, q), None, False))
            continue
        b_point, c_point = _point(b, q), _point(c, q)
        change = _change(b_point, c_point)
        b_boot = bootstrap_quantile(b, q, resamples, rng)
        c_boot = bootstrap_quantile(c, q, resamples, rng)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = c_boot / b_boot - 1
        criteria.append(Criterion(
            name, b_point, c_point, change, bool(change is not None and change > max_regression),
            _interval(b_boot), _interval(c_boot), _interval(ratio)))

    regressed = [c for c in criteria if c.regressed]
    if regressed:
        parts = [f"{c.name} {c.candidate:,.1f} ms vs {c.baseline:,.1f} ms ({_pct(c.change)})" for c in regressed]
        message = (f"regressed: {function} version {candidate} vs {baseline}: " + "; ".join(parts)
                   + f", allowed +{max_regression:.0%}")
        code = REGRESSED
    else:
        parts = [f"{c.name} {_pct(c.change)}" for c in criteria if c.change is not None]
        message = (f"pass: {function} version {candidate} vs {baseline}: " + ", ".join(parts)
                   + f" (allowed +{max_regression:.0%}; {len(base)} / {len(cand)} restores)")
        code = PASS
    return result(criteria=criteria, exit_code=code, message=message, notes=notes)


def consecutive(tables: Tables, *, max_regression: float = DEFAULT_MAX_REGRESSION,
                min_restores: int = DEFAULT_MIN_RESTORES, resamples: int = BOOTSTRAP_RESAMPLES,
                seed: int = BOOTSTRAP_SEED) -> pd.DataFrame:
    """The gate between each version and the one before it, per function: one row per pair of
    consecutive versions that restored (in version order), with the verdict, the restore counts
    and, per criterion, both point estimates, the change and its confidence interval. What the
    dashboard shows for a deploy history; each row is :func:`compare` of that pair."""
    inv = tables.invocations
    restored = inv.loc[inv["restore_ms"].notna().to_numpy(dtype=bool), ["function", "version"]].drop_duplicates()
    rows = []
    for function, group in sort_versions(restored.dropna()).groupby("function", sort=True):
        labels = list(group["version"])
        for baseline, candidate in pairwise(labels):
            result = compare(tables, str(function), baseline, candidate, max_regression=max_regression,
                             min_restores=min_restores, resamples=resamples, seed=seed)
            row: dict[str, Any] = {"function": function, "baseline": baseline, "candidate": candidate,
                                   "verdict": result.verdict, "exit_code": result.exit_code,
                                   "baseline_restores": result.baseline_restores,
                                   "candidate_restores": result.candidate_restores}
            for c in result.criteria:
                row.update({f"{c.name}_baseline": c.baseline, f"{c.name}_candidate": c.candidate,
                            f"{c.name}_change": c.change,
                            f"{c.name}_change_low": c.change_ci[0] if c.change_ci else None,
                            f"{c.name}_change_high": c.change_ci[1] if c.change_ci else None})
            row["message"] = result.message
            rows.append(row)
    columns = ["function", "baseline", "candidate", "verdict", "exit_code", "baseline_restores",
               "candidate_restores", *(f"{name}_{part}" for name, _, _ in CRITERIA
                                       for part in ("baseline", "candidate", "change", "change_low", "change_high")),
               "message"]
    return pd.DataFrame(rows, columns=columns)


def bootstrap_quantile(values: np.ndarray, q: float, resamples: int, rng: np.random.Generator) -> np.ndarray:
    """The ``q`` quantile (numpy ``"linear"``) of ``resamples`` bootstrap resamples of ``values``.

    Indices into the sorted values are drawn; the index order of a resample is its value order, so
    the quantile needs only the order statistics ``floor(h)`` and ``floor(h) + 1`` of each row
    (``h = q * (n - 1)``), found by one ``np.partition`` per chunk of rows.
    """
    ordered = np.sort(values)
    n = ordered.size
    h = q * (n - 1)
    lo = int(np.floor(h))
    hi = min(lo + 1, n - 1)
    frac = h - lo
    rows = max(1, CHUNK_ELEMENTS // n)
    out = np.empty(resamples)
    for start in range(0, resamples, rows):
        count = min(rows, resamples - start)
        idx = rng.integers(0, n, size=(count, n))
        idx.partition(sorted({lo, hi}), axis=1)
        low, high = ordered[idx[:, lo]], ordered[idx[:, hi]]
        out[start:start + count] = low + (high - low) * frac
    return out


def _values(column: pd.Series) -> np.ndarray:
    data: np.ndarray = column.to_numpy(dtype="float64", na_value=np.nan)
    kept: np.ndarray = data[~np.isnan(data)]
    return kept


def _point(values: np.ndarray, q: float) -> float | None:
    return float(np.percentile(values, q * 100, method=PERCENTILE_METHOD)) if values.size else None


def _change(baseline: float | None, candidate: float | None) -> float | None:
    if baseline is None or candidate is None:
        return None
    if baseline == 0:
        return 0.0 if candidate == 0 else float("inf")
    return candidate / baseline - 1


def _interval(samples: np.ndarray) -> tuple[float, float] | None:
    finite = samples[np.isfinite(samples)]
    if finite.size == 0:
        return None
    tail = (1 - CONFIDENCE) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail], method=PERCENTILE_METHOD)
    return float(low), float(high)


def _pct(change: float | None) -> str:
    """A change in per cent; growth from a baseline of 0 is infinite in per cent, so said in words."""
    if change is None:
        return "n/a"
    return "up from 0 ms" if change == float("inf") else f"{change:+.1%}"


def _round(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), 6)


def _pair(pair: tuple[float, float] | None) -> list[float | None] | None:
    return None if pair is None else [_round(pair[0]), _round(pair[1])]
