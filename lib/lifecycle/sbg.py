"""The shifted-beta-geometric (sBG) retention model and discounted residual lifetimes.

Fader, P. S. & Hardie, B. G. S. (2007), "How to project customer retention", Journal of
Interactive Marketing 21(1): each customer has a constant probability ``theta`` of churning at
every period (here a month); ``theta`` varies across customers as Beta(gamma, delta). Then

* P(T = t) = B(gamma + 1, delta + t - 1) / B(gamma, delta)          (churn in period t >= 1)
* S(t)     = B(gamma, delta + t) / B(gamma, delta)                  (share surviving t periods)
* retention r(t) = S(t) / S(t - 1) = (delta + t - 1) / (gamma + delta + t - 1), rising with t.

Fader, P. S. & Hardie, B. G. S. (2010), "Customer-base valuation in a contractual setting: the
perils of ignoring heterogeneity", Marketing Science 29(1): the discounted expected residual
lifetime of a customer who has survived ``n`` periods (alive now, next payment one period on, the
first counted undiscounted as in the paper) is

    DERL(d | gamma, delta, n) = sum_{t > n} S(t) / S(n) / (1 + d) ** (t - n - 1)
                              = (delta + n) / (gamma + delta + n)
                                * 2F1(1, delta + n + 1; gamma + delta + n + 1; 1 / (1 + d)).

``d`` is the discount rate per period (a month here). Lifetimes are in months; multiplied by
a monthly margin (currency per month) they are values in currency.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, special
from threadpoolctl import ThreadpoolController

#: BLAS thread pools of numpy and scipy. L-BFGS-B makes thousands of BLAS calls on vectors of
#: two: with a pool of threads each call wakes them, and on a busy machine the six tier fits
#: of the Offers page took 0.7 s instead of 60 ms (bench, two cores, load average 2).
_BLAS = ThreadpoolController()

#: Box of the optimiser on log(gamma) and log(delta): gamma, delta in [e^-12, e^12].
LOG_BOUND = 12.0
#: A fit whose log-parameter ends this close to the box (log units, a factor of e^0.5 = 1.65)
#: has run to the edge: the likelihood keeps rising (or is flat) outwards, so the maximum is
#: not inside the box and the parameters are not identified by the data. The usual case is
#: gamma and delta both growing without bound at a fixed ratio, which the data cannot tell
#: apart from a single churn rate shared by every customer.
BOUND_MARGIN = 0.5
#: Largest gradient of the log-likelihood (per unit of log-parameter, relative to |log L|) at
#: which a fit L-BFGS-B stopped on "ABNORMAL" line search still counts as converged: with
#: ftol 1e-14 it often stops so at gradients of 1e-7, i.e. at the optimum to machine precision.
GRADIENT_TOLERANCE = 1e-4


def survival(t, gamma: float, delta: float) -> np.ndarray:
    """S(t): share of a new cohort surviving ``t`` periods (t = 0, 1, ...)."""
    t = np.asarray(t, dtype=np.float64)
    return np.exp(special.betaln(gamma, delta + t) - special.betaln(gamma, delta))


def churn_probability(t, gamma: float, delta: float) -> np.ndarray:
    """P(T = t): share of a new cohort churning in period ``t`` (t >= 1)."""
    t = np.asarray(t, dtype=np.float64)
    return np.exp(special.betaln(gamma + 1, delta + t - 1) - special.betaln(gamma, delta))


def log_likelihood(gamma: float, delta: float, durations, events, weights=None,
                   entries=None) -> float:
    """Log-likelihood of grouped, censored and left-truncated lifetimes.

    A row churned in period ``duration`` (event 1) or was alive after it (event 0); it was
    observed from ``entry`` periods on, so its contribution is conditioned on T > entry.
    """
    d = np.asarray(durations, dtype=np.float64)
    e = np.asarray(events, dtype=np.float64)
    w = np.ones_like(d) if weights is None else np.asarray(weights, dtype=np.float64)
    s = np.zeros_like(d) if entries is None else np.asarray(entries, dtype=np.float64)
    base = special.betaln(gamma, delta)
    log_p = special.betaln(gamma + 1, delta + d - 1) - base
    log_s = special.betaln(gamma, delta + d) - base
    log_entry = special.betaln(gamma, delta + s) - base
    return float(np.sum(w * (np.where(e > 0, log_p, log_s) - log_entry)))


def log_likelihood_gradient(gamma: float, delta: float, durations, events, weights=None,
                            entries=None) -> tuple[float, float]:
    """(∂/∂gamma, ∂/∂delta) of :func:`log_likelihood`, from d/da ln B(a, b) = ψ(a) − ψ(a + b)
    and d/db ln B(a, b) = ψ(b) − ψ(a + b); the ln B(gamma, delta) terms cancel."""
    d = np.asarray(durations, dtype=np.float64)
    e = np.asarray(events, dtype=np.float64) > 0
    w = np.ones_like(d) if weights is None else np.asarray(weights, dtype=np.float64)
    s = np.zeros_like(d) if entries is None else np.asarray(entries, dtype=np.float64)
    psi = special.digamma
    end_total = psi(gamma + delta + d)
    entry_total = psi(gamma + delta + s)
    by_gamma = np.where(e, psi(gamma + 1), psi(gamma)) - end_total - (psi(gamma) - entry_total)
    by_delta = np.where(e, psi(delta + d - 1), psi(delta + d)) - end_total - (psi(delta + s) - entry_total)
    return float(np.sum(w * by_gamma)), float(np.sum(w * by_delta))


def fit_survival_curve(survivors) -> "SBG":
    """Fit to one cohort's survivor counts ``n_0, n_1, ..., n_T`` (customers alive after t
    periods), the setting of Fader & Hardie (2007)."""
    n = np.asarray(survivors, dtype=np.float64)
    periods = np.arange(1, n.size)
    lost = n[:-1] - n[1:]
    durations = np.concatenate([periods, [n.size - 1]])
    events = np.concatenate([np.ones(periods.size), [0.0]])
    weights = np.concatenate([lost, [n[-1]]])
    return SBG().fit(durations, events, weights)


def _collapsed(durations, events, weights=None, entries=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The same log-likelihood over far fewer rows: weights summed per distinct (duration,
    event), and each left truncation's −ln S(entry) as a censored row at the entry with the
    weight negated (events −1 mark them). Thousands of lifetime rows per tier become a few
    hundred, and the fit no longer depends on the rows' order."""
    d = np.asarray(durations, dtype=np.float64)
    e = (np.asarray(events, dtype=np.float64) > 0).astype(np.float64)
    w = np.ones_like(d) if weights is None else np.asarray(weights, dtype=np.float64)
    keys, inverse = np.unique(np.column_stack([d, e]), axis=0, return_inverse=True)
    summed = np.bincount(inverse.ravel(), weights=w, minlength=len(keys))
    if entries is None:
        return keys[:, 0], keys[:, 1], summed
    s = np.asarray(entries, dtype=np.float64)
    truncated = s > 0                       # S(0) = 1: no term
    starts, at = np.unique(s[truncated], return_inverse=True)
    entry_weights = np.bincount(at.ravel(), weights=w[truncated], minlength=len(starts))
    return (np.concatenate([keys[:, 0], starts]),
            np.concatenate([keys[:, 1], np.full(starts.size, -1.0)]),
            np.concatenate([summed, -entry_weights]))


@dataclass
class SBG:
    """Shifted-beta-geometric model fitted by maximum likelihood.

    Attributes (after ``fit``)
    --------------------------
    gamma_, delta_ : Beta parameters of the churn probability per period.
    log_likelihood_ : at the optimum.
    customers_ : weight fitted on (customers).
    problem_ : None when the maximum lies inside the optimiser's box; "at_bound" when a
        log-parameter ended within ``BOUND_MARGIN`` of ``LOG_BOUND`` (not identifiable), or
        "not_converged" when the optimiser stopped without converging.

    Example
    -------
    >>> m = fit_survival_curve([1000, 631, 468, 382, 326, 289, 262, 241])  # F&H 2007 "regular"
    >>> round(m.gamma_, 3), round(m.delta_, 3)
    (0.704, 1.182)
    """

    gamma_: float = field(default=float("nan"))
    delta_: float = field(default=float("nan"))
    log_likelihood_: float = field(default=float("nan"))
    customers_: float = 0.0
    problem_: str | None = None

    @property
    def identifiable(self) -> bool:
        """True when the fit is a maximum inside the box (see ``problem_``)."""
        return self.problem_ is None

    def fit(self, durations, events, weights=None, entries=None) -> "SBG":
        """Maximise the log-likelihood over log(gamma), log(delta) (both > 0)."""
        durations, events, weights = _collapsed(durations, events, weights, entries)

        def loss(x):
            gamma, delta = np.exp(x[0]), np.exp(x[1])
            value = log_likelihood(gamma, delta, durations, events, weights)
            by_gamma, by_delta = log_likelihood_gradient(gamma, delta, durations, events, weights)
            # on log scale: d/dlog(g) = g d/dg; an analytic gradient takes a third of the
            # likelihood evaluations of finite differences (the Offers page refits per filter)
            return -value, -np.array([gamma * by_gamma, delta * by_delta])

        best = None
        with _BLAS.limit(limits=1, user_api="blas"):
            for start in ((0.0, 0.0), (-0.5, 2.0)):
                result = optimize.minimize(loss, np.array(start), method="L-BFGS-B", jac=True,
                                           bounds=[(-LOG_BOUND, LOG_BOUND)] * 2,
                                           options={"ftol": 1e-14, "gtol": 1e-9, "maxiter": 500})
                if best is None or result.fun < best.fun:
                    best = result
                if best.success and np.all(np.abs(best.x) < LOG_BOUND - BOUND_MARGIN):
                    break   # converged inside the bounds: the second start only rescues failures
        self.gamma_, self.delta_ = float(np.exp(best.x[0])), float(np.exp(best.x[1]))
        if np.any(np.abs(best.x) >= LOG_BOUND - BOUND_MARGIN):
            self.problem_ = "at_bound"
        elif not best.success and np.max(np.abs(best.jac)) > GRADIENT_TOLERANCE * max(1.0, abs(best.fun)):
            self.problem_ = "not_converged"
        else:
            self.problem_ = None
        self.log_likelihood_ = float(-best.fun)
        self.customers_ = float(np.sum(weights[events >= 0]))
        return self

    def survival(self, t) -> np.ndarray:
        """Projected share of a new cohort surviving ``t`` months."""
        return survival(t, self.gamma_, self.delta_)

    def retention(self, t) -> np.ndarray:
        """Projected retention rate in period ``t`` (share of those alive at t-1 who stay)."""
        t = np.asarray(t, dtype=np.float64)
        return (self.delta_ + t - 1) / (self.gamma_ + self.delta_ + t - 1)

    def derl_months(self, discount_per_month: float, survived_months=0) -> np.ndarray:
        """Discounted expected residual lifetime (months of future payments) of a customer who
        has survived ``survived_months`` months; see the module doc."""
        return derl(discount_per_month, self.gamma_, self.delta_, survived_months)


def derl(discount: float, gamma: float, delta: float, survived=0) -> np.ndarray:
    """DERL by the closed form of Fader & Hardie (2010), in periods."""
    n = np.asarray(survived, dtype=np.float64)
    return ((delta + n) / (gamma + delta + n)
            * special.hyp2f1(1.0, delta + n + 1, gamma + delta + n + 1, 1.0 / (1.0 + discount)))


def monthly_rate(annual_rate: float) -> float:
    """Monthly discount rate equivalent to an annual one: (1 + a) ** (1/12) - 1."""
    return (1.0 + annual_rate) ** (1.0 / 12.0) - 1.0
