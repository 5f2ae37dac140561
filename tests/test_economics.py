"""One set of economic defaults (margin, discount, acquisition cost, depth, budget) for every
page: read from the rules, the expected values read from the shipped rules file itself."""
import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.rules.economics import economics, offer_defaults, offer_inputs
from lib.rules import default_rules, parse_rules
from lib.demo.seed import seed_demo
from lib.pipeline.migrations import open_store

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = tomllib.loads((ROOT / "data" / "rules.toml").read_text(encoding="utf-8"))


def test_defaults_are_the_rules_file_values():
    money = economics(default_rules())
    assert money.margin_share == SHIPPED["economics"]["margin_share"]
    assert money.annual_discount == SHIPPED["economics"]["annual_discount_rate"]
    assert money.acquisition_cost == SHIPPED["economics"]["acquisition_cost"]
    assert money.horizon_months == SHIPPED["revenue_at_risk"]["horizon_months"]
    start = offer_defaults(default_rules())
    assert start.depth_share == SHIPPED["economics"]["offer_depth_share"]
    assert start.budget == SHIPPED["economics"]["offer_budget"]
    # 10 % a year is (1.1)^(1/12) − 1 = 0.797 % a month
    assert money.monthly_discount == pytest.approx(0.0079741404, rel=1e-8)


def _without_economics(extra: str = "") -> str:
    text = (ROOT / "data" / "rules.toml").read_text(encoding="utf-8")
    start = text.index("[economics]")
    end = text.index("\n[", start + 1)
    text = text[:start] + text[end + 1:]
    return text.replace("[lifecycle_analysis]\n", "[lifecycle_analysis]\n" + extra, 1)


def test_rules_saved_before_the_section_keep_their_margin():
    legacy = parse_rules(_without_economics("margin_share = 0.42\nannual_discount_rate = 0.07\n"), 3)
    assert economics(legacy).margin_share == 0.42
    assert economics(legacy).annual_discount == 0.07
    assert economics(legacy).acquisition_cost == SHIPPED["economics"]["acquisition_cost"]
    bare = parse_rules(_without_economics(), 4)
    assert economics(bare).margin_share == SHIPPED["economics"]["margin_share"]


def test_saved_inputs_override_the_rules_defaults():
    inputs = offer_inputs(default_rules(), {"margin_share": 0.5, "budget": 7.0})
    assert inputs["margin_share"] == 0.5 and inputs["budget"] == 7.0
    assert inputs["depth_percent"] == round(SHIPPED["economics"]["offer_depth_share"] * 100)
    assert inputs["annual_discount"] == SHIPPED["economics"]["annual_discount_rate"]


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    url = f"duckdb:///{tmp_path_factory.mktemp('economics')}/demo.duckdb"
    engine = open_store(url)
    seed_demo(engine, customers=2000, snapshots=4)
    engine.dispose()
    return url


def test_lifecycle_and_offers_pages_start_from_the_same_margin(demo_url, monkeypatch):
    monkeypatch.setenv("RETENTION_DB_URL", demo_url)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    at.switch_page("views/offers.py").run()
    assert not at.exception
    offers_margin = next(s for s in at.slider if s.label.startswith("Margin"))
    assert offers_margin.value == pytest.approx(SHIPPED["economics"]["margin_share"])
    depth = next(s for s in at.slider if s.label.startswith("Customers targeted"))
    assert depth.value == round(SHIPPED["economics"]["offer_depth_share"] * 100)
    at.switch_page("views/lifecycle.py")
    at.session_state["lifecycle_tab"] = "Projection and CLV"
    at.run()
    assert not at.exception
    lifecycle_margin = next(s for s in at.slider if s.label.startswith("Margin"))
    assert lifecycle_margin.value == pytest.approx(SHIPPED["economics"]["margin_share"])
