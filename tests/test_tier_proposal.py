"""Star-tier thresholds proposed from a file's spend (lib/pipeline/proposal.py) and the currency
in the rules. Shares are recounted here with polars from the file's own columns."""
from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from lib.ingest.importer import check_file
from lib.rules import RulesError, default_rules, edit_rules_text, parse_rules
from lib.pipeline.proposal import customer_spend, propose_tiers, round_down
from lib.rules.versions import current_rules
from lib.pipeline.regrade import save_rules
from lib.pipeline.migrations import open_store

SNAPSHOT = dt.date(2026, 11, 30)
CHARGES = ["Total day charge", "Total eve charge", "Total night charge", "Total intl charge"]


def test_a_file_in_another_currency_gets_a_vip_share_of_five_to_ten_percent(telco_file):
    """The telco export is USD (about 25–94 a month): the shipped CNY bounds give no VIP; the
    proposal's VIP bound (tier 4, vip_min_tier) gives 5–10 % of its active customers (Churn
    FALSE: the base VIP figures count), counted here from the file's four charge columns
    (their sum is the month's spend)."""
    rules = default_rules()
    validation = check_file(telco_file.read_bytes(), telco_file.name, snapshot_date=SNAPSHOT)
    proposal = propose_tiers(customer_spend(validation.accepted, SNAPSHOT), rules)

    raw = pl.read_csv(telco_file).filter(~pl.col("Churn")).with_columns(spend=pl.sum_horizontal(CHARGES))
    vip_bound = proposal.spend_min[rules.vip_min_tier - 1]
    share = raw.select((pl.col("spend") >= vip_bound).mean()).item()
    assert 0.05 <= share <= 0.10
    assert proposal.vip_share == pytest.approx(share)
    shipped = raw.select((pl.col("spend") >= rules.tier_spend_min[rules.vip_min_tier - 1]).mean()).item()
    assert shipped == 0.0 and proposal.current_vip_share == 0.0 and not proposal.fits_already
    assert proposal.spend_min[0] == 0.0
    assert all(a < b for a, b in zip(proposal.spend_min, proposal.spend_min[1:]))


def _spend(values: list[float], key_person: list[bool] | None = None) -> pl.DataFrame:
    return pl.DataFrame({"spend_avg_6m": values, "points": [0.0] * len(values),
                         "key_person": key_person or [False] * len(values)})


def test_bounds_by_hand_on_forty_customers():
    """Spends 1..40. Top 50 % = 20 customers: the 20th highest is 21; top 20 % = 8: 33;
    top 7.5 % = 3: 38; top 2.5 % = 1: 40."""
    proposal = propose_tiers(_spend([float(x) for x in range(1, 41)]), default_rules())
    assert proposal.spend_min == (0.0, 21.0, 33.0, 38.0, 40.0)
    assert proposal.tier_shares == (0.5, 0.3, 0.125, 0.05, 0.025, 0.0)


def test_six_star_customers_count_in_the_top_shares():
    """The same 40, the one at spend 1 a key person (six star). Among the other 39 (2..40):
    tier 2 needs 20 − 1 = 19 of them → 22; tier 3 needs 8 − 1 = 7 → 34; tier 4 needs
    3 − 1 = 2 → 39; tier 5 needs 1 − 1 = 0: at 40 it would hold 2 / 40 = 5 %, one step above
    (40.1 at three digits) 1 / 40 = 2.5 %, the target. VIPs: 39, 40 and the key person:
    3 / 40 = 7.5 %."""
    proposal = propose_tiers(_spend([float(x) for x in range(1, 41)], [True] + [False] * 39),
                             default_rules())
    assert proposal.spend_min == pytest.approx((0.0, 22.0, 34.0, 39.0, 40.1))
    assert proposal.vip_share == pytest.approx(0.075)


def test_plan_prices_tie_and_the_nearer_share_wins():
    """90 customers on a 58 plan, 10 on 128: top 7.5 % and 2.5 % both fall in the 128 group,
    so tiers 4 and 5 cannot both start at 128; tier 5 goes one step (1 at three digits) above."""
    proposal = propose_tiers(_spend([58.0] * 90 + [128.0] * 10), default_rules())
    assert proposal.spend_min[3] == 128.0
    assert proposal.spend_min[4] == 129.0
    assert proposal.vip_share == pytest.approx(0.10)


def test_no_spend_no_proposal():
    assert propose_tiers(_spend([]), default_rules()) is None


@pytest.mark.parametrize(("value", "digits", "expected"), [
    (107.35, 3, 107.0), (0.04567, 2, 0.045), (12345.0, 2, 12000.0), (0.0, 3, 0.0)])
def test_round_down_by_hand(value, digits, expected):
    assert round_down(value, digits) == pytest.approx(expected)


def test_currency_in_the_rules_and_a_saved_proposal(duckdb_url):
    """Shipped: CNY, ¥. Saved with USD, $ and the proposal's bounds: a new version that reads
    them back. A version saved before [currency] existed reads as CNY, ¥."""
    shipped = default_rules()
    assert (shipped.currency.code, shipped.currency.symbol) == ("CNY", "¥")
    engine = open_store(duckdb_url)
    rules = current_rules(engine)
    text = edit_rules_text(rules.text, {"currency.code": "USD", "currency.symbol": "$",
                                        "tiers.spend_min": [0, 59.2, 67.9, 73.9, 79.6]})
    saved = save_rules(engine, text, note="proposed")
    assert saved.version == rules.version + 1
    again = current_rules(engine)
    assert (again.currency.code, again.currency.symbol) == ("USD", "$")
    assert again.tier_spend_min == (0, 59.2, 67.9, 73.9, 79.6)
    old = "\n".join(line for line in shipped.text.splitlines()
                    if line not in ('[currency]', 'code = "CNY"', 'symbol = "¥"'))
    assert parse_rules(old).currency.symbol == "¥"
    readded = parse_rules(edit_rules_text(old, {"currency.code": "EUR", "currency.symbol": "€"}))
    assert readded.currency.code == "EUR"


@pytest.mark.parametrize(("line", "bad"), [('code = "CNY"', 'code = "DOLLARS"'),
                                           ('symbol = "¥"', 'symbol = "US dollars"')])
def test_a_bad_currency_is_refused(line, bad):
    text = default_rules().text.replace(line, bad, 1)
    assert text != default_rules().text
    with pytest.raises(RulesError):
        parse_rules(text)


def test_the_command_line_names_thresholds_that_fit(tmp_path, capsys, telco_file):
    """`python -m lib import` of the USD file into the shipped (CNY) rules: a hint on stderr
    with the current VIP share (0.0 %, none of its spend reaches 200) and proposed bounds;
    nothing of the kind for a file the rules fit."""
    from lib.cli import main

    url = f"duckdb:///{tmp_path}/cli.duckdb"
    code = main(["import", str(telco_file), "--snapshot-date", "2026-10-31", "--db", url,
                 "--churn-window-unknown"])
    err = capsys.readouterr().err
    assert code == 0
    assert "with the rules in force 0.0% of this file's active customers are VIPs" in err
    assert "[tiers] spend_min = [0, " in err
    fitting = tmp_path / "fits.csv"
    # 100 customers: 92 at 60 a month, 8 at 250 (4 star): 8 % VIPs, inside the 5–10 % band
    fitting.write_text("id,tenure,churned,arpu\n" + "".join(
        f"c{i},24,no,{250 if i < 8 else 60}\n" for i in range(100)), encoding="utf-8")
    code = main(["validate", str(fitting), "--snapshot-date", "2026-10-31",
                 "--map", "id=customer_id", "--map", "tenure=tenure_months",
                 "--map", "churned=churned", "--map", "arpu=arpu"])
    assert code == 0
    assert "Star tiers" not in capsys.readouterr().err
