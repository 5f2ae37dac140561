"""Write the synthetic telecom churn fixture ``tests/data/telco_churn.csv``.

``python -m tools.make_telco_fixture [--out PATH] [--check]``

The tests need a real-world-shaped telecom export: the one the app is mostly tried on is the
BigML/Orange "churn-80" file, whose licence is unclear, so the repository carries a synthetic
file with the same header and the same quirks instead (tests/data/README.md lists them):

* the 20 header names of the BigML file, in its order, and no customer id;
* "Account length" is a tenure in **days** (1-243, median about 100) under a header with no unit;
* no spend column: charges are split into day, evening, night and international parts, each
  ``minutes × a flat rate`` (0.17, 0.085, 0.045, 0.27 currency per minute) rounded to cents;
* "Churn" is the text ``TRUE``/``FALSE``; "International plan"/"Voice mail plan" are ``Yes``/``No``;
* "State" is a two-letter US code (50 states and DC), "Area code" one of 408, 415, 510;
* numbers as the file writes them (no trailing zeros: ``10``, ``2.7``), CRLF line ends;
* about 14.5 % churners, more of them among customers with a high total charge, with 4 or more
  service calls (most of all when they spend little), or with an international plan (the
  thresholds are what make a boosted-tree model beat a logistic regression on this file, as
  it does on the BigML one).

Only the standard library's ``random.Random`` (fixed seed) is used, so the file is the same on
every machine and Python 3.x; ``--check`` exits 1 when the committed file differs from what
this script makes (tests/test_telco_fixture.py runs that check).
"""
from __future__ import annotations

import argparse
import math
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "tests" / "data" / "telco_churn.csv"

SEED = 20261130
ROWS = 2_000
#: Share of churners the intercept is solved for (the BigML file: 386 of 2,661 = 14.5 %).
TARGET_CHURN_SHARE = 0.145

HEADER = ("State,Account length,Area code,International plan,Voice mail plan,"
          "Number vmail messages,Total day minutes,Total day calls,Total day charge,"
          "Total eve minutes,Total eve calls,Total eve charge,Total night minutes,"
          "Total night calls,Total night charge,Total intl minutes,Total intl calls,"
          "Total intl charge,Customer service calls,Churn").split(",")

STATES = ("AK AL AR AZ CA CO CT DC DE FL GA HI IA ID IL IN KS KY LA MA MD ME MI MN MO MS MT "
          "NC ND NE NH NJ NM NV NY OH OK OR PA RI SC SD TN TX UT VA VT WA WI WV WY").split()
AREA_CODES = ((408, 0.25), (415, 0.50), (510, 0.25))
#: Customer service calls 0-9 and their shares (close to the BigML file's).
SERVICE_CALLS = (0.21, 0.355, 0.23, 0.13, 0.05, 0.018, 0.0075, 0.0035, 0.0005, 0.0005)
#: Per period: mean and sd of minutes, their bounds, and the flat rate (currency per minute).
PERIODS = {
    "day": (179.5, 54.0, 0.0, 350.8, 0.17),
    "eve": (200.4, 51.0, 0.0, 363.7, 0.085),
    "night": (201.1, 50.8, 43.7, 395.0, 0.045),
    "intl": (10.2, 2.8, 0.0, 20.0, 0.27),
}


def number(value: float) -> str:
    """A number as the BigML file writes it: at most two decimals, no trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _bounded_normal(rng: random.Random, mean: float, sd: float, low: float, high: float) -> float:
    return min(high, max(low, rng.gauss(mean, sd)))


def _customer(rng: random.Random) -> dict[str, object]:
    """One row's contract and usage (no churn flag yet)."""
    row: dict[str, object] = {
        "State": rng.choice(STATES),
        "Account length": round(_bounded_normal(rng, 101.0, 39.6, 1, 243)),
        "Area code": rng.choices([a for a, _ in AREA_CODES], [w for _, w in AREA_CODES])[0],
        "International plan": "Yes" if rng.random() < 0.10 else "No",
        "Voice mail plan": "Yes" if rng.random() < 0.27 else "No",
    }
    row["Number vmail messages"] = (round(_bounded_normal(rng, 29.0, 7.5, 4, 50))
                                    if row["Voice mail plan"] == "Yes" else 0)
    for period, (mean, sd, low, high, rate) in PERIODS.items():
        minutes = round(_bounded_normal(rng, mean, sd, low, high), 1)
        if period == "intl":
            calls = min(20, max(0, round(rng.gammavariate(3.3, 1.35))))
        else:
            calls = round(_bounded_normal(rng, 100.0, 20.0, 0, 165))
        row[f"Total {period} minutes"] = minutes
        row[f"Total {period} calls"] = calls
        row[f"Total {period} charge"] = round(minutes * rate, 2)
    row["Customer service calls"] = rng.choices(range(len(SERVICE_CALLS)), SERVICE_CALLS)[0]
    return row


def churn_log_odds(row: dict[str, object]) -> float:
    """Churn log-odds without the intercept, as thresholds (the shape of the BigML file):

    * a steep ramp in the month's total charge above 70 (big spenders leave);
    * 4 or more customer service calls: a large step for those who spend under 56 (unhappy
      and not heavy users), a small one for the others;
    * an international plan (more with over 13 international minutes);
    * less churn with a voice mail plan.
    """
    total = sum(row[f"Total {p} charge"] for p in PERIODS)
    odds = min(5.0, 0.8 * max(0.0, total - 70.0))
    if row["Customer service calls"] >= 4:
        odds += 5.0 if total < 56.0 else 0.3
    if row["International plan"] == "Yes":
        odds += 1.7 + (1.5 if row["Total intl minutes"] > 13 else 0.0)
    if row["Voice mail plan"] == "Yes":
        odds -= 0.7
    return odds


def _intercept(odds: list[float], share: float) -> float:
    """The intercept whose mean churn probability over ``odds`` is ``share`` (bisection)."""
    low, high = -10.0, 5.0
    for _ in range(60):
        mid = (low + high) / 2
        mean = sum(1 / (1 + math.exp(-(mid + o))) for o in odds) / len(odds)
        low, high = (mid, high) if mean < share else (low, mid)
    return (low + high) / 2


def make_rows(seed: int = SEED, rows: int = ROWS) -> list[dict[str, object]]:
    """The fixture's rows: ``rows`` customers drawn from ``seed``, churn drawn last."""
    rng = random.Random(seed)
    customers = [_customer(rng) for _ in range(rows)]
    # The file's tenure range is 1-243 days: the first two rows carry the bounds.
    customers[0]["Account length"], customers[1]["Account length"] = 243, 1
    odds = [churn_log_odds(c) for c in customers]
    intercept = _intercept(odds, TARGET_CHURN_SHARE)
    for customer, o in zip(customers, odds):
        customer["Churn"] = rng.random() < 1 / (1 + math.exp(-(intercept + o)))
    return customers


def csv_text(customers: list[dict[str, object]]) -> str:
    """The rows as the BigML file is written: comma-separated, CRLF, TRUE/FALSE churn."""
    lines = [",".join(HEADER)]
    for c in customers:
        cells = []
        for name in HEADER:
            value = c[name]
            if isinstance(value, bool):
                cells.append("TRUE" if value else "FALSE")
            elif isinstance(value, float):
                cells.append(number(value))
            else:
                cells.append(str(value))
        lines.append(",".join(cells))
    return "\r\n".join(lines) + "\r\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true",
                        help="compare with the file at --out instead of writing it")
    args = parser.parse_args(argv)
    body = csv_text(make_rows()).encode("utf-8")
    if args.check:
        same = args.out.is_file() and args.out.read_bytes() == body
        print(f"{args.out}: {'up to date' if same else 'differs from what the script makes'}")
        return 0 if same else 1
    args.out.write_bytes(body)
    churners = body.count(b",TRUE\r\n")
    print(f"wrote {args.out}: {ROWS} rows, {churners} churners ({churners / ROWS:.1%}), "
          f"{len(body):,} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
