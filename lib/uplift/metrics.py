"""How well a ranking finds the customers an offer keeps: Qini and uplift curves, their areas,
uplift by decile with confidence intervals and the sleeping dogs.

Everything here reads three arrays of one randomised campaign's customers: ``churned`` (1 when
the customer churned within the horizon after contact), ``treated`` (1 contacted, 0 control)
and a ``score`` to rank them by (highest first: predicted uplift, or churn risk for the
risk-based ranking). The positive outcome the curves count is *staying*, so a curve rises when
the top of the ranking holds customers the offer kept.

Definitions follow Radcliffe (2007) as scikit-uplift 0.5.1 implements them (the tests compare):

* Qini curve at the top ``k`` customers: ``Q(k) = S_T(k) - S_C(k) * N_T(k) / N_C(k)``, where
  ``N_T, N_C`` count treated and control customers among the top ``k`` and ``S_T, S_C`` those of
  them who stayed (``S_C(k) * N_T / N_C`` is taken as 0 while ``N_C(k) = 0``). ``Q(k)`` is the
  number of churns the offer prevented among the treated of the top ``k``.
* Uplift curve: ``U(k) = (S_T(k) / N_T(k) - S_C(k) / N_C(k)) * k``: churns prevented had all
  top ``k`` customers been treated.
* Points are placed only where the score changes (ties form one step), starting at (0, 0).
* Qini coefficient and normalised AUUC: (area under the curve - area under the straight line
  to the curve's end) / (the same for the perfect ranking); 0 is random targeting, 1 perfect,
  negative worse than random.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

#: Units (``lib.common.fmt``) of the columns of ``uplift_deciles``.
DECILE_UNITS: dict[str, str] = {
    "customers": "count", "treated": "count", "control": "count", "churn_treated": "share",
    "churn_control": "share", "uplift": "share", "uplift_low": "share", "uplift_high": "share",
    "score_mean": "share"}
#: z of a two-sided 95 % normal interval.
Z95 = 1.959963984540054


def _arrays(churned, treated, score) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    stayed = 1 - np.asarray(churned, dtype=np.int64)
    t = np.asarray(treated, dtype=np.int64)
    s = np.asarray(score, dtype=np.float64)
    if not (stayed.shape == t.shape == s.shape) or stayed.ndim != 1:
        raise ValueError("churned, treated and score must be 1-d arrays of one length")
    if not (np.isin(stayed, (0, 1)).all() and np.isin(t, (0, 1)).all()):
        raise ValueError("churned and treated must be 0/1")
    return stayed, t, s


def _cumulative(churned, treated, score):
    """Top-k counts at every step of the ranking (ties grouped): k, N_T, S_T, N_C, S_C."""
    stayed, t, s = _arrays(churned, treated, score)
    order = np.argsort(-s, kind="stable")
    stayed, t, s = stayed[order], t[order], s[order]
    ends = np.r_[np.flatnonzero(s[1:] != s[:-1]), s.size - 1]
    n_t = np.cumsum(t)[ends]
    s_t = np.cumsum(stayed * t)[ends]
    s_c = np.cumsum(stayed * (1 - t))[ends]
    k = ends + 1
    return k, n_t, s_t, k - n_t, s_c


def qini_curve(churned, treated, score) -> tuple[np.ndarray, np.ndarray]:
    """Qini curve: customers targeted (top k, from 0) and churns prevented among them."""
    k, n_t, s_t, n_c, s_c = _cumulative(churned, treated, score)
    ratio = np.divide(n_t, n_c, out=np.zeros(n_t.size), where=n_c > 0)
    return np.r_[0, k], np.r_[0.0, s_t - s_c * ratio]


def uplift_curve(churned, treated, score) -> tuple[np.ndarray, np.ndarray]:
    """Uplift curve: customers targeted (top k, from 0) and churns prevented had all of them
    been treated (observed difference in staying shares times k)."""
    k, n_t, s_t, n_c, s_c = _cumulative(churned, treated, score)
    rate_t = np.divide(s_t, n_t, out=np.zeros(n_t.size), where=n_t > 0)
    rate_c = np.divide(s_c, n_c, out=np.zeros(n_c.size), where=n_c > 0)
    return np.r_[0, k], np.r_[0.0, (rate_t - rate_c) * k]


def _area_over_diagonal(x: np.ndarray, y: np.ndarray) -> float:
    """Trapezoid area under (x, y) minus that of the straight line from (0, 0) to its end."""
    area = float(np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2))
    return area - float(x[-1] * y[-1] / 2)


def qini_coefficient(churned, treated, score) -> float:
    """Qini coefficient (share; 0 random, 1 the perfect ranking with sleeping dogs last).

    The perfect ranking puts treated stayers first and control stayers last (scikit-uplift's
    ``negative_effect=True``). NaN when the perfect curve has no area (nothing to rank).
    """
    stayed, t, _ = _arrays(churned, treated, score)
    perfect = _area_over_diagonal(*qini_curve(1 - stayed, t, stayed * t - stayed * (1 - t)))
    actual = _area_over_diagonal(*qini_curve(churned, treated, score))
    return actual / perfect if perfect != 0 else float("nan")


def uplift_auc(churned, treated, score) -> float:
    """Normalised area under the uplift curve (AUUC; 0 random, 1 perfect).

    The perfect ranking: treated stayers and control churners first, as scikit-uplift's
    ``perfect_uplift_curve`` orders them. NaN when the perfect curve has no area.
    """
    stayed, t, _ = _arrays(churned, treated, score)
    control_stayers = int(((stayed == 1) & (t == 0)).sum())
    treated_churners = int(((stayed == 0) & (t == 1)).sum())
    summand = stayed if control_stayers > treated_churners else t
    perfect_score = 2 * (stayed == t) + summand
    perfect = _area_over_diagonal(*uplift_curve(1 - stayed, t, perfect_score))
    actual = _area_over_diagonal(*uplift_curve(churned, treated, score))
    return actual / perfect if perfect != 0 else float("nan")


def difference_interval(churned_c: int, n_c: int, churned_t: int, n_t: int) -> tuple[float, float, float]:
    """Observed uplift (control churn share - treated churn share, share 0-1) and its 95 %
    normal (Wald) interval; NaN when an arm is empty."""
    if n_c == 0 or n_t == 0:
        return float("nan"), float("nan"), float("nan")
    p_c, p_t = churned_c / n_c, churned_t / n_t
    se = float(np.sqrt(p_c * (1 - p_c) / n_c + p_t * (1 - p_t) / n_t))
    d = p_c - p_t
    return d, d - Z95 * se, d + Z95 * se


def uplift_deciles(churned, treated, score, groups: int = 10) -> pl.DataFrame:
    """Observed uplift per score decile, highest score first.

    Columns: decile (10 = highest tenth of the score … 1), customers, treated, control,
    churn_treated and churn_control (shares 0-1), uplift (churn_control - churn_treated: churn
    prevented per treated customer, share), uplift_low / uplift_high (95 % interval), and
    score_mean (mean score of the decile). Deciles are by rank: equal sizes (±1).
    """
    stayed, t, s = _arrays(churned, treated, score)
    order = np.argsort(-s, kind="stable")
    rank = np.empty(s.size, dtype=np.int64)
    rank[order] = np.arange(s.size)
    decile = groups - rank * groups // max(s.size, 1)
    frame = pl.DataFrame({"decile": decile, "t": t, "churned": 1 - stayed, "score": s})
    table = (frame.group_by("decile")
             .agg(customers=pl.len(), treated=pl.col("t").sum(),
                  churned_t=(pl.col("churned") * pl.col("t")).sum(),
                  churned_c=(pl.col("churned") * (1 - pl.col("t"))).sum(),
                  score_mean=pl.col("score").mean())
             .with_columns(control=pl.col("customers") - pl.col("treated"))
             .sort("decile", descending=True))
    rows = []
    for row in table.iter_rows(named=True):
        d, low, high = difference_interval(row["churned_c"], row["control"], row["churned_t"], row["treated"])
        d, low, high = (None, None, None) if np.isnan(d) else (d, low, high)
        rows.append({"decile": int(row["decile"]), "customers": int(row["customers"]),
                     "treated": int(row["treated"]), "control": int(row["control"]),
                     "churn_treated": row["churned_t"] / row["treated"] if row["treated"] else None,
                     "churn_control": row["churned_c"] / row["control"] if row["control"] else None,
                     "uplift": d, "uplift_low": low, "uplift_high": high,
                     "score_mean": float(row["score_mean"])})
    return pl.DataFrame(rows, schema={"decile": pl.Int64, "customers": pl.Int64, "treated": pl.Int64,
                                      "control": pl.Int64, "churn_treated": pl.Float64,
                                      "churn_control": pl.Float64, "uplift": pl.Float64,
                                      "uplift_low": pl.Float64, "uplift_high": pl.Float64,
                                      "score_mean": pl.Float64})


def prevented_at(churned, treated, score, share: float) -> float:
    """Churns prevented per customer targeted among the top ``share`` (0-1) of the ranking:
    the observed uplift of that group (control churn share - treated churn share)."""
    stayed, t, s = _arrays(churned, treated, score)
    top = np.argsort(-s, kind="stable")[: max(1, int(round(share * s.size)))]
    c, tt = top[t[top] == 0], top[t[top] == 1]
    return difference_interval(int((1 - stayed[c]).sum()), c.size, int((1 - stayed[tt]).sum()), tt.size)[0]


@dataclass(frozen=True)
class SleepingDogs:
    """Customers the model expects to churn *more* when contacted (predicted uplift < 0).

    ``share``: their share of the customers scored (0-1); ``customers``: how many of the
    held-out customers; ``observed`` with ``low``/``high``: their observed uplift (share; negative
    = contact raised churn) and 95 % interval; ``significant``: the whole interval is below 0.
    """

    share: float
    customers: int
    observed: float | None
    low: float | None
    high: float | None
    significant: bool


def sleeping_dogs(churned, treated, predicted_uplift) -> SleepingDogs:
    """The sleeping dogs among held-out campaign customers and whether contact measurably
    hurt them."""
    stayed, t, u = _arrays(churned, treated, predicted_uplift)
    dogs = u < 0
    c, tt = dogs & (t == 0), dogs & (t == 1)
    d, low, high = difference_interval(int((1 - stayed[c]).sum()), int(c.sum()),
                                       int((1 - stayed[tt]).sum()), int(tt.sum()))
    if np.isnan(d):   # no sleeping dog in one of the arms: nothing observed
        return SleepingDogs(share=float(dogs.mean()) if dogs.size else 0.0, customers=int(dogs.sum()),
                            observed=None, low=None, high=None, significant=False)
    return SleepingDogs(share=float(dogs.mean()), customers=int(dogs.sum()),
                        observed=d, low=low, high=high, significant=bool(high < 0))


def permutation_p_value(churned, treated, score, permutations: int, random_state: int) -> float:
    """Share of random rankings (the score shuffled, ``permutations`` times) whose Qini
    coefficient reaches the score's own: how often random targeting does as well (with the
    +1 correction, so never 0)."""
    observed = qini_coefficient(churned, treated, score)
    rng = np.random.default_rng(random_state)
    s = np.asarray(score, dtype=np.float64)
    hits = sum(qini_coefficient(churned, treated, rng.permutation(s)) >= observed
               for _ in range(permutations))
    return (hits + 1) / (permutations + 1)
