"""Rules and defaults stay out of the pages (views/), and the ones moved out of them hold.

The AST check: a number written in a page is a rule, a default or a threshold unless it is
1. one of 0, 1, 2, 100 — empty, one, a pair, percent (``share * 100``): no rule is needed
   to know them;
2. layout: an argument of ``st.columns(...)``, of a preview's ``.head(n)``, of rounding for
   display (``round(x, n)``, ``.round(n)``), or a widget's ``step=``, ``height=``, ``width=``,
   ``index=`` or ``max_selections=``;
3. a position: a subscript or slice bound (``cols[3]``).
Anything else (a threshold in a comparison, a widget's bounds, a default window, a list of
choices) belongs in data/rules.toml or a domain module, and fails here with its line.
"""
from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest

from lib.common import fmt
from lib.lifecycle.survival import LogRank
from lib.overview.kpis import _churn_kpi
from lib.rules import TIERS, default_rules, edit_rules_text, parse_rules
from lib.churn.scores import risk_horizon_choices
from lib.operations.plans import operations_settings

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "dashboard.py", *sorted((ROOT / "views").glob("*.py"))]
NEUTRAL = {0, 1, 2, 100}
LAYOUT_CALLS = {"columns", "head", "round"}
LAYOUT_KEYWORDS = {"step", "height", "width", "index", "max_selections"}


def _allowed_nodes(tree: ast.AST) -> set[int]:
    """ids of the constant nodes in layout or position places."""
    allowed: set[int] = set()

    def mark(node: ast.AST) -> None:
        allowed.update(id(n) for n in ast.walk(node) if isinstance(n, ast.Constant))

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in LAYOUT_CALLS:
                for arg in node.args[1:] if name == "round" and isinstance(node.func, ast.Name) else node.args:
                    mark(arg)
            for kw in node.keywords:
                if kw.arg in LAYOUT_KEYWORDS:
                    mark(kw.value)
        elif isinstance(node, ast.Subscript):
            mark(node.slice)
    return allowed


def numbers_in(source: str) -> list[tuple[int, object]]:
    """(line, value) of every number in ``source`` that is not neutral, layout or a position."""
    tree = ast.parse(source)
    allowed = _allowed_nodes(tree)
    return sorted((node.lineno, node.col_offset, node.value) for node in ast.walk(tree)
                  if isinstance(node, ast.Constant) and type(node.value) in (int, float)
                  and node.value not in NEUTRAL and id(node) not in allowed)


def test_the_check_catches_thresholds_bounds_and_windows_and_lets_layout_through():
    source = """
if p < 0.05: pass
st.slider("x", 0.01, 0.99, value, step=0.01)
window = today + dt.timedelta(days=14)
choices = sorted({3, 6, 12, 24})
a, b, c = st.columns(3)
st.dataframe(frame.head(20), height=400)
shown = round(x, 3) + frame["y"].round(2) + cols[4] + share * 100
"""
    assert [(line, value) for line, _, value in numbers_in(source)] == [
        (2, 0.05), (3, 0.01), (3, 0.99), (4, 14), (5, 3), (5, 6), (5, 12), (5, 24)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_pages_hold_no_rule_default_or_threshold(page):
    assert numbers_in(page.read_text(encoding="utf-8")) == []


def test_views_and_lib_no_longer_spell_the_tiers_as_a_range():
    # (the six monthly spend columns spend_m1..m6 are another six: lib.store.schema.SPEND_MONTHS)
    spelled = [str(p.relative_to(ROOT)) for p in [*PAGES, *(ROOT / "lib").rglob("*.py")]
               for line in p.read_text(encoding="utf-8").splitlines()
               if "range(1, 7)" in line and "spend_m" not in line]
    assert spelled == [] and TIERS == (1, 2, 3, 4, 5, 6)


# --- the rules and defaults that moved out of the pages -----------------------------------------

def test_the_plan_window_and_the_default_effect_come_from_the_rules():
    shipped = operations_settings(default_rules())
    assert shipped.default_window_days == 14                     # data/rules.toml
    # target effect 0.05; half of a 6 % baseline is 0.03, lower, so 0.03 is proposed
    assert shipped.default_effect(0.06) == pytest.approx(0.03)
    assert shipped.default_effect(0.40) == pytest.approx(0.05)
    edited = parse_rules(edit_rules_text(default_rules().text, {"operations.default_window_days": 30}))
    assert operations_settings(edited).default_window_days == 30


def test_the_logrank_verdict_uses_the_rules_significance_level():
    test = LogRank(statistic=4.0, p_value=0.03, observed_a=10, expected_a=7)
    assert test.differs(0.05) and not test.differs(0.01)
    assert fmt.p_value(0.0004) == "< 0.001" and fmt.p_value(0.0421) == "= 0.042"


def test_churn_going_up_is_bad_news_even_without_a_target():
    # unknown churn window: a churn share with no ceiling; a rise must still read as bad
    kpi = _churn_kpi({"churn_share": 0.12}, {"churn_share": 0.10}, None, None, default_rules())
    assert kpi.key == "kpi_churn_share_unknown_window" and kpi.target_kind is None
    assert kpi.good_when_up is False


def test_the_risk_horizons_offered_include_the_rules_own():
    rules = parse_rules(edit_rules_text(default_rules().text, {"revenue_at_risk.horizon_months": 9}))
    assert risk_horizon_choices(rules) == [3, 6, 9, 12, 24]
    assert risk_horizon_choices(default_rules()) == [3, 6, 12, 24]   # shipped horizon 12 is one of them


def test_a_month_index_reads_as_year_and_month():
    # 2026 * 12 + (3 - 1) = 24314
    assert fmt.month(24314) == "2026-03" and fmt.month(dt.date(2025, 12, 1).year * 12 + 11) == "2025-12"
