"""The suite stands on the repository: its data files are committed (tests/data/) and made by
the scripts beside them, and no test reads a path outside the checkout."""
from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from tools import make_telco_fixture

TESTS = Path(__file__).resolve().parent

#: The BigML/Orange "churn-80" header, copied from that file: the fixture must carry it exactly.
BIGML_HEADER = [
    "State", "Account length", "Area code", "International plan", "Voice mail plan",
    "Number vmail messages", "Total day minutes", "Total day calls", "Total day charge",
    "Total eve minutes", "Total eve calls", "Total eve charge", "Total night minutes",
    "Total night calls", "Total night charge", "Total intl minutes", "Total intl calls",
    "Total intl charge", "Customer service calls", "Churn",
]
US_STATES = set("AK AL AR AZ CA CO CT DC DE FL GA HI IA ID IL IN KS KY LA MA MD ME MI MN MO MS MT "
                "NC ND NE NH NJ NM NV NY OH OK OR PA RI SC SD TN TX UT VA VT WA WI WV WY".split())


def test_the_committed_telco_fixture_is_what_its_script_makes(telco_file):
    assert make_telco_fixture.OUT == telco_file
    assert make_telco_fixture.main(["--check", "--out", str(telco_file)]) == 0


def test_the_telco_fixture_has_the_quirks_it_claims(telco_file):
    body = telco_file.read_bytes()
    assert len(body) < 250_000
    lines = body.split(b"\r\n")
    assert lines[-1] == b"" and all(b"\n" not in line for line in lines)   # CRLF throughout
    assert lines[0].decode().split(",") == BIGML_HEADER                     # no id column
    churn_text = {line.rsplit(b",", 1)[1] for line in lines[1:-1]}
    assert churn_text == {b"TRUE", b"FALSE"}
    frame = pl.read_csv(telco_file)
    assert 300 <= frame.height <= 2_700
    days = frame.get_column("Account length")
    assert (days.min(), days.max()) == (1, 243) and 90 <= days.median() <= 110
    assert set(frame.get_column("State")) <= US_STATES
    assert set(frame.get_column("Area code")) == {408, 415, 510}
    assert set(frame.get_column("International plan")) == set(frame.get_column("Voice mail plan")) == {"Yes", "No"}
    # each charge is the period's minutes at a flat rate (currency per minute), to the cent
    for period, rate in {"day": 0.17, "eve": 0.085, "night": 0.045, "intl": 0.27}.items():
        error = (frame[f"Total {period} minutes"] * rate - frame[f"Total {period} charge"]).abs()
        assert error.max() <= 0.005 + 1e-9, period
    share = frame.get_column("Churn").mean()
    assert 0.14 <= share <= 0.15
    # more churn with many service calls, an international plan, a high total charge
    total = sum(pl.col(f"Total {p} charge") for p in ("day", "eve", "night", "intl"))
    for condition in (pl.col("Customer service calls") >= 4, pl.col("International plan") == "Yes",
                      total > 75):
        inside = frame.filter(condition).get_column("Churn").mean()
        outside = frame.filter(~condition).get_column("Churn").mean()
        assert inside > 2 * outside, (str(condition), inside, outside)


def test_no_test_reads_a_path_outside_the_repository():
    # A folder named like the developers' data folder beside the checkout, or an absolute path:
    # the pattern of the repository's grep check, spelt so that this file does not match it.
    folder = "sha" + "red"
    outside = re.compile(rf'"{folder}"|/{folder}/|Path\(\s*"/')
    offenders = [str(p.relative_to(TESTS)) for p in sorted(TESTS.rglob("*.py"))
                 if outside.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
