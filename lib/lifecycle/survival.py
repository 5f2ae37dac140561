"""Kaplan–Meier survival and the log-rank test on grouped counts (what SQL returns).

Durations are **months of life** (convention: ``lib.store.schema``, *Months*): a customer who churned
in the month they joined has duration 1; a customer active at the end of their 5th month is
censored at 5. ``entry_months`` (left truncation) is the number of months a customer had
already survived when observation began (customers who joined before the first stored
snapshot): such a customer is at risk in month ``t`` only when ``entry < t <= duration``.

Fitted from an ``origin`` (months of life, default 0) the estimate is conditional on having
survived ``origin`` months: every customer enters the risk set at ``origin`` at the earliest,
those who left by then are out, and the curve starts at 1 at ``origin`` (S(t) / S(origin) of the
curve from joining when nobody else is truncated). The minimum-tenure exclusion of the Lifecycle
page is such an origin.

The estimator follows lifelines' ``KaplanMeierFitter`` (product limit, Greenwood variance,
exponential "log(-log)" 95 % bounds) and is checked against it in tests/test_lifecycle_stats.py;
it is written here with numpy because lifelines 0.30 declares ``pandas<3`` and the app pins
pandas 3.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from scipy import stats


def _arrays(durations, events, weights, entries):
    d = np.asarray(durations, dtype=np.float64)
    e = np.asarray(events, dtype=np.float64)
    w = np.ones_like(d) if weights is None else np.asarray(weights, dtype=np.float64)
    s = np.zeros_like(d) if entries is None else np.asarray(entries, dtype=np.float64)
    return d, e, w, s


def _at_risk(times: np.ndarray, d: np.ndarray, w: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Weighted count at risk at each of ``times``: entry < t <= duration."""
    order_d = np.argsort(d)
    d_sorted, w_d = d[order_d], np.cumsum(w[order_d][::-1])[::-1]
    # weight with duration >= t
    idx = np.searchsorted(d_sorted, times, side="left")
    still = np.where(idx < d.size, np.append(w_d, 0.0)[idx], 0.0)
    # minus weight that has not yet entered: entry >= t
    order_s = np.argsort(s)
    s_sorted, w_s = s[order_s], np.cumsum(w[order_s][::-1])[::-1]
    idx_s = np.searchsorted(s_sorted, times, side="left")
    not_entered = np.where(idx_s < s.size, np.append(w_s, 0.0)[idx_s], 0.0)
    return still - not_entered


@dataclass
class KaplanMeier:
    """Product-limit survival estimate with 95 % (``alpha``) confidence bounds.

    Parameters
    ----------
    alpha : 1 - confidence level of the bounds (0.05 gives 95 % bounds).

    Attributes (after ``fit``)
    --------------------------
    survival_ : polars frame ``months``, ``survival``, ``lower``, ``upper`` (shares 0–1),
        ``at_risk``, ``events`` (customers), starting at the origin (month 0 unless fitted
        from a later one) with survival 1.
    median_months_ : first month of life at which survival is at or below 0.5 (None when
        never); from an origin, the median lifetime of those who survived it.
    origin_months_ : the month the curve starts at.

    Example
    -------
    >>> km = KaplanMeier().fit([1, 2, 2, 3], [1, 1, 0, 1])
    >>> round(km.survival_at(2), 4)
    0.5
    """

    alpha: float = 0.05
    survival_: pl.DataFrame | None = None
    median_months_: float | None = None
    origin_months_: float = 0.0

    def fit(self, durations, events, weights=None, entries=None,
            origin: float = 0.0) -> "KaplanMeier":
        """Fit on one row per (duration, event, entry) with ``weights`` customers each.

        Parameters
        ----------
        durations : months of life at churn or censoring (>= 1).
        events : 1 when the row churned (by the chosen definition), 0 when censored.
        weights : customers per row (default 1).
        entries : months survived before observation began (default 0).
        origin : months of life the estimate is conditioned on (module doc; default 0).
        """
        d, e, w, s = _arrays(durations, events, weights, entries)
        s = np.maximum(s, origin)
        keep = (w > 0) & (d > s)
        d, e, w, s = d[keep], e[keep], w[keep], s[keep]
        times = np.unique(d)
        died = np.bincount(np.searchsorted(times, d), weights=w * e, minlength=times.size)
        n = _at_risk(times, d, w, s)
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(n > 0, 1.0 - died / n, 1.0)
            survival = np.cumprod(factor)
            step = np.where((n > died) & (n > 0), died / (n * (n - died)), 0.0)
            greenwood = np.cumsum(step)
            z = stats.norm.ppf(1 - self.alpha / 2)
            v = np.log(survival)
            spread = z * np.sqrt(greenwood) / v
            lower = np.exp(-np.exp(np.log(-v) - spread))
            upper = np.exp(-np.exp(np.log(-v) + spread))
        ones = survival >= 1.0
        lower = np.where(ones, 1.0, np.nan_to_num(lower, nan=0.0))
        upper = np.where(ones, 1.0, np.nan_to_num(upper, nan=0.0))
        frame = pl.DataFrame({
            "months": np.concatenate([[float(origin)], times]),
            "survival": np.concatenate([[1.0], survival]),
            "lower": np.concatenate([[1.0], lower]),
            "upper": np.concatenate([[1.0], upper]),
            "at_risk": np.concatenate([[n[0] if n.size else 0.0], n]),
            "events": np.concatenate([[0.0], died]),
        })
        below = frame.filter(pl.col("survival") <= 0.5)
        median = float(below["months"][0]) if below.height else None
        self.survival_ = frame
        self.median_months_ = median
        self.origin_months_ = float(origin)
        return self

    def survival_at(self, months: float | np.ndarray) -> float | np.ndarray:
        """Estimated share surviving ``months`` months (step function, right-continuous); an
        array of months gives an array of shares, NaN before the origin (not estimated)."""
        frame = self.survival_
        idx = np.maximum(np.searchsorted(frame["months"].to_numpy(), months, side="right") - 1, 0)
        shares = np.where(np.asarray(months) < self.origin_months_, np.nan,
                          frame["survival"].to_numpy()[idx])
        return float(shares) if np.ndim(shares) == 0 else shares


@dataclass(frozen=True)
class LogRank:
    """Log-rank test of equal survival between two groups.

    Attributes: ``statistic`` (chi-square, 1 degree of freedom), ``p_value``,
    ``observed`` and ``expected`` churners of the first group.
    """

    statistic: float
    p_value: float
    observed_a: float
    expected_a: float

    def differs(self, alpha: float) -> bool:
        """The two survival curves differ at significance level ``alpha`` (share 0–1)."""
        return self.p_value < alpha


def logrank(a: tuple, b: tuple) -> LogRank:
    """Log-rank test between groups ``a`` and ``b``, each ``(durations, events, weights,
    entries)`` as for ``KaplanMeier.fit`` (weights and entries may be None)."""
    da, ea, wa, sa_ = _arrays(*a)
    db, eb, wb, sb = _arrays(*b)
    times = np.unique(np.concatenate([da[ea > 0], db[eb > 0]]))
    if times.size == 0:
        return LogRank(0.0, 1.0, 0.0, 0.0)
    dead_a = np.bincount(np.searchsorted(times, da[ea > 0]), weights=wa[ea > 0], minlength=times.size)
    dead_b = np.bincount(np.searchsorted(times, db[eb > 0]), weights=wb[eb > 0], minlength=times.size)
    n_a = _at_risk(times, da, wa, sa_)
    n_b = _at_risk(times, db, wb, sb)
    n, dead = n_a + n_b, dead_a + dead_b
    ok = n > 1
    expected = np.where(ok, dead * n_a / np.where(ok, n, 1), 0.0)
    variance = np.where(ok, dead * (n_a / np.where(ok, n, 1)) * (1 - n_a / np.where(ok, n, 1))
                        * (n - dead) / np.where(ok, n - 1, 1), 0.0)
    total_var = variance.sum()
    observed = dead_a.sum()
    statistic = float((observed - expected.sum()) ** 2 / total_var) if total_var > 0 else 0.0
    return LogRank(statistic, float(stats.chi2.sf(statistic, 1)), float(observed),
                   float(expected.sum()))
