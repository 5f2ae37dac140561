"""Uplift model training and scoring, against a plain scikit-learn two-model fit.

Usage: ``python -m bench.uplift_bench [--train 100000] [--score 1000000] [--record]``
Prints a Markdown table (and writes it to bench/results/uplift_<train>_<score>.md); with
``--record`` it also replaces the section "Uplift targeting (issue 18)" of bench/RESULTS.md
(``bench.run_all`` keeps that section when it rebuilds the file).

Rows are a simulated randomised campaign with known effects (``lib.demo.campaign``, 60 %
treated), so the benchmark needs no store. Each step is timed once, warm imports:

- **ours, train**: ``lib.uplift.fit.fit_uplift`` with the shipped ``[uplift_model]`` rules: the
  whole honest procedure (hold-out split, cross-fitting of both learners, the risk model, held-out
  curves and deciles, permutation test, refit on every row) on ``--train`` campaign customers;
- **ours, score**: ``feature_frame`` plus ``predict_uplift`` of the fitted model on ``--score``
  customers (the batch command's work without the store);
- **plain scikit-learn**: the same rows ordinal-encoded once, one ``HistGradientBoostingClassifier()``
  (defaults) fitted per arm, and ``predict_proba`` differences on the ``--score`` rows. It does
  no validation: the ratio is what the honest procedure costs over a bare T-learner.
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.preprocessing import OrdinalEncoder

from lib.churn.model import CATEGORICAL_FEATURES, feature_frame
from lib.demo.campaign import simulated_campaign
from lib.rules import default_rules
from lib.uplift.fit import fit_uplift, uplift_settings

RESULTS = Path(__file__).parent / "results"
HEADING = "## Uplift targeting (issue 18)"
NOTE = ("The plain fit is two default `HistGradientBoostingClassifier`s (early stopping on 10 % of "
        "the rows, at most 100 iterations; on a weak signal they stop after a few) and validates "
        "nothing; ours fits about ten models (two-fold cross-fitting of both learners, the chosen one "
        "on the 70 % training part, the risk model for the comparison) and runs the permutation test "
        "of the held-out Qini coefficient: the training ratio is the price of the honest validation.")


def _seconds(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def _plain(train, score) -> tuple[float, float]:
    """Bare two-model fit and scoring with scikit-learn defaults (seconds, seconds)."""
    X = feature_frame(train)
    X = X[[name for name in X.columns if X[name].notna().any()]]   # columns the rows have
    Xs = feature_frame(score)[list(X.columns)]
    categorical = [name for name in CATEGORICAL_FEATURES if name in X.columns]
    encoder = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan,
                             encoded_missing_value=np.nan).fit(X[categorical])

    def encode(frame):
        out = frame.copy()
        out[categorical] = encoder.transform(frame[categorical])
        return out.to_numpy(dtype=np.float64)

    y, t = train["churned"].to_numpy(), train["treated"].to_numpy()
    A = encode(X)
    fit_s, models = _seconds(lambda: [HistGradientBoostingClassifier(random_state=0).fit(A[t == a], y[t == a])
                                      for a in (0, 1)])
    score_s, _ = _seconds(lambda: models[0].predict_proba(encode(Xs))[:, 1]
                          - models[1].predict_proba(encode(Xs))[:, 1])
    return fit_s, score_s


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--train", type=int, default=100_000)
    parser.add_argument("--score", type=int, default=1_000_000)
    parser.add_argument("--record", action="store_true", help="write the section into bench/RESULTS.md")
    args = parser.parse_args()
    train = simulated_campaign(args.train, treated_share=0.6, seed=1)
    score = simulated_campaign(args.score, treated_share=0.6, seed=2)
    settings = uplift_settings(default_rules())
    load_start = os.getloadavg()
    fit_s, fit = _seconds(lambda: fit_uplift(feature_frame(train), train["churned"].to_numpy(),
                                             train["treated"].to_numpy(), settings))
    score_s, uplift = _seconds(lambda: fit.model.predict_uplift(feature_frame(score)))
    print(f"ours: train {fit_s:.1f} s, score {score_s:.1f} s", flush=True)
    plain_fit, plain_score = _plain(train, score)
    load_end = os.getloadavg()
    effect = score["effect"].to_numpy()
    corr = float(np.corrcoef(uplift, effect)[0, 1])
    lines = [
        HEADING, "",
        f"Written by `python -m bench.uplift_bench --record` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} "
        f"({os.cpu_count()} cores shared with other jobs). Method: the module docstring of bench/uplift_bench.py.",
        "",
        f"Simulated campaign (lib.demo.campaign): train {args.train:,} customers, score {args.score:,}; "
        f"load average {load_start[0]:.2f} at start, {load_end[0]:.2f} at end; learner chosen "
        f"{fit.learner}, held-out Qini coefficient {fit.evaluation.model.qini:.3f} (risk ranking "
        f"{fit.evaluation.risk.qini:.3f}), correlation of predicted with true effect {corr:.2f}.",
        "",
        NOTE, "",
        "| step | ours (s) | plain scikit-learn two-model (s) | ratio ours / plain | target |",
        "|---|---:|---:|---:|---|",
        f"| train on {args.train:,} | {fit_s:.1f} | {plain_fit:.1f} | {fit_s / plain_fit:.1f}× | ≤ 30 s |",
        f"| score {args.score:,} | {score_s:.1f} | {plain_score:.1f} | {score_s / plain_score:.1f}× | ≤ 30 s |",
    ]
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"uplift_{args.train}_{args.score}.md").write_text(text + "\n", encoding="utf-8")
    if args.record:
        _record(text)


def _record(section: str) -> None:
    """Replace (or append) this benchmark's section of bench/RESULTS.md."""
    path = Path(__file__).parent / "RESULTS.md"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    start = text.find(HEADING)
    if start >= 0:
        end = text.find("\n## ", start + len(HEADING))
        text = text[:start] + (text[end + 1:] if end >= 0 else "")
    path.write_text(text.rstrip() + "\n\n" + section + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
