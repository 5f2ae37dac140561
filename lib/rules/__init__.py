"""The rules in force: star tiers, six-star criteria, churn exclusions, lifecycle stages, KPI targets.

Rules are data (docs/architecture.md): the defaults ship in ``data/rules.toml``; an analyst's edits are
stored as numbered versions in the database (``lib.store``). This module reads and checks
rule text and turns rules into SQL expressions, so a tier is computed the same way at import
and when rules change.
"""
from __future__ import annotations

import tomllib
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
import tomlkit
from lib.common.fmt import CURRENCY_CODE_CHARS, CURRENCY_SYMBOL_MAX_CHARS, Currency
from lib.rules.alerts import parse_alert_rules

from lib.rules.reader import DEFAULT_RULES_PATH, RulesError, Section, finite_number, parsed

__all__ = ["DEFAULT_RULES_PATH", "RulesError", "Rules", "Section", "STAGES", "TIER_COUNT",
           "USAGE_COLUMNS", "TIERS", "default_rules", "edit_rules_text", "finite_number",
           "parse_rules", "tier_case", "stage_case", "churn_counted", "usage_trend",
           "usage_decline"]

TIER_COUNT = 6
#: The star tiers, lowest first (1–6): what every tier chooser and per-tier loop runs over.
TIERS: tuple[int, ...] = tuple(range(1, TIER_COUNT + 1))
STAGES: tuple[str, ...] = ("acquisition", "growth", "maturity", "decline", "churned")
#: Contract usage columns a usage trend may compare (latest-month values, see lib.store.schema).
USAGE_COLUMNS: tuple[str, ...] = ("voice_minutes", "outgoing_calls", "sms", "data_gb", "roaming")


@dataclass(frozen=True)
class Rules:
    """Parsed, checked rules. ``version`` is 0 for the shipped defaults.

    Money is currency per month, tenure in months, shares 0–1.
    """

    version: int
    text: str
    tier_spend_min: tuple[float, ...]
    tier_names_en: tuple[str, ...]
    tier_names_zh: tuple[str, ...]
    vip_min_tier: int
    six_star_points_min: float
    six_star_key_person: bool
    exclude_involuntary: bool
    exclude_min_tenure_months: float
    exclude_group_paid: bool
    acquisition_max_tenure_months: float
    decline_max_spend_trend: float
    decline_min_complaints: int
    maturity_min_tenure_months: float
    target_vip_retention_quarter_min: float
    target_monthly_churn_max: float
    target_churn_to_gross_add_max: float
    target_arpu_min: float
    risk_horizon_months: int
    #: share of active customers (0–1), highest spend first, whose share of revenue the
    #: Overview's headline counts (``[overview] top_customer_share``)
    overview_top_customer_share: float
    #: usage trend (share, -0.5 = usage halved) at or below which a customer is declining;
    #: None when the rules predate it (off). See ``usage_trend``.
    decline_max_usage_trend: float | None = None
    usage_trend_months: int = 3
    usage_columns: tuple[str, ...] = ("voice_minutes", "outgoing_calls", "sms", "data_gb")
    #: the money of every amount (``[currency]``; rules saved before it: the shipped CNY, ¥)
    currency: Currency = Currency()

    def section(self, name: str) -> dict[str, Any]:
        """A section of the rules text as saved ({} when absent), without any fallback."""
        return dict(parsed(self.text).get(name, {}))

    def read(self, name: str, renamed: dict[str, str] | None = None) -> Section:
        """The section ``name`` (dotted when nested) for typed reading with the one fallback
        policy of ``lib.rules.reader`` (absent keys: the shipped value; invalid: RulesError)."""
        return Section(parsed(self.text), name, renamed=renamed)

    def tier_name(self, tier: int, lang: str = "en") -> str:
        """Display name of tier 1–6 in ``lang``."""
        names = self.tier_names_zh if lang == "zh" else self.tier_names_en
        return names[tier - 1]


def _names(tiers: Section, key: str) -> tuple[str, ...]:
    names = tiers.value(key)
    if not isinstance(names, list) or len(names) != TIER_COUNT or not all(
        isinstance(n, str) and n.strip() for n in names
    ):
        raise RulesError("rules_bad_names", key=f"tiers.{key}", count=TIER_COUNT)
    return tuple(n.strip() for n in names)


def _spend_bounds(tiers: Section) -> tuple[float, ...]:
    bounds = tiers.value("spend_min")
    ok = (
        isinstance(bounds, list)
        and len(bounds) == TIER_COUNT - 1
        and all(finite_number(b) for b in bounds)
    )
    if not ok or bounds[0] != 0 or any(low >= high for low, high in zip(bounds, bounds[1:])):
        raise RulesError("rules_bad_bounds", count=TIER_COUNT - 1)
    return tuple(float(b) for b in bounds)


def _usage_rule(lifecycle: Section) -> dict[str, Any]:
    """The optional usage-trend rule of ``[lifecycle]``: off (no keys) in rules saved before it."""
    threshold = lifecycle.optional_number("decline_max_usage_trend", -1, 0)
    if threshold is None:
        return {}
    columns = lifecycle.choices("usage_columns", USAGE_COLUMNS, code="rules_bad_usage_columns")
    return {
        "decline_max_usage_trend": threshold,
        "usage_trend_months": lifecycle.integer("usage_trend_months", 1, 24),
        "usage_columns": tuple(dict.fromkeys(columns)),
    }


def _currency(section: Section) -> Currency:
    """``[currency]`` code (three letters, ISO 4217) and symbol (at most four characters); the
    shipped currency when the section is absent (rules saved before it)."""
    code, symbol = section.value("code"), section.value("symbol")
    if not (isinstance(code, str) and len(code.strip()) == CURRENCY_CODE_CHARS and code.strip().isalpha()):
        raise RulesError("rules_bad_currency_code", key="currency.code")
    if not (isinstance(symbol, str) and len(symbol.strip()) <= CURRENCY_SYMBOL_MAX_CHARS):
        raise RulesError("rules_bad_currency_symbol", key="currency.symbol")
    return Currency(code.strip().upper(), symbol.strip())


def parse_rules(text: str, version: int = 0) -> Rules:
    """Parse and check TOML rule text; raise ``RulesError`` naming the first bad key.

    Every key is read with the policy of ``lib.rules.reader``: a key the text lacks takes the
    shipped value, a key it holds must be valid.
    """
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError("rules_bad_toml", detail=str(exc)) from None
    tiers, six, out = Section(doc, "tiers"), Section(doc, "six_star"), Section(doc, "churn_exclusions")
    life, targets = Section(doc, "lifecycle"), Section(doc, "kpi_targets")
    parse_alert_rules(doc)   # a bad [[alert]] is refused when the rules are saved
    return Rules(
        version=version,
        text=text,
        tier_spend_min=_spend_bounds(tiers),
        tier_names_en=_names(tiers, "names_en"),
        tier_names_zh=_names(tiers, "names_zh"),
        vip_min_tier=tiers.integer("vip_min_tier", 1, TIER_COUNT),
        six_star_points_min=six.number("points_min", 0, 1e12),
        six_star_key_person=six.flag("key_person"),
        exclude_involuntary=out.flag("involuntary"),
        exclude_min_tenure_months=out.number("min_tenure_months", 0, 120),
        exclude_group_paid=out.flag("group_paid"),
        acquisition_max_tenure_months=life.number("acquisition_max_tenure_months", 0, 120),
        decline_max_spend_trend=life.number("decline_max_spend_trend", -1, 0),
        decline_min_complaints=life.integer("decline_min_complaints", 1, 1000),
        maturity_min_tenure_months=life.number("maturity_min_tenure_months", 0, 600),
        target_vip_retention_quarter_min=targets.share("vip_retention_quarter_min"),
        target_monthly_churn_max=targets.share("monthly_churn_max"),
        target_churn_to_gross_add_max=targets.number("churn_to_gross_add_max", 0, 100),
        target_arpu_min=targets.number("arpu_min", 0, 1e9),
        # the same range as lib.rules.economics.HORIZON_MONTHS_RANGE (the pages' input)
        risk_horizon_months=Section(doc, "revenue_at_risk").integer("horizon_months", 1, 120),
        overview_top_customer_share=Section(doc, "overview").share("top_customer_share", 0.01, 0.99),
        currency=_currency(Section(doc, "currency")),
        **_usage_rule(life),
    )


def default_rules() -> Rules:
    """The rules shipped in ``data/rules.toml`` (version 0)."""
    return parse_rules(DEFAULT_RULES_PATH.read_text(encoding="utf-8"), version=0)


def edit_rules_text(text: str, changes: dict[str, Any]) -> str:
    """Return ``text`` with ``{"section.key": value}`` changes applied, comments kept.

    Used by the Data page's form so an analyst's edit keeps the file's explanations.
    A key the text lacks but the shipped rules have (a version saved before the key existed,
    read on the shipped value, see ``lib.rules.reader``) is added to its section; a key the
    shipped rules do not know is refused (``rules_missing_key``).
    """
    doc = tomlkit.parse(text)
    shipped = tomllib.loads(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))
    for dotted, value in changes.items():
        section, _, key = dotted.partition(".")
        known = section in doc and key in doc[section]
        if not known and key not in shipped.get(section, {}):
            raise RulesError("rules_missing_key", key=dotted)
        if section not in doc:
            doc[section] = tomlkit.table()
        doc[section][key] = value
    return tomlkit.dumps(doc)


def tier_case(rules: Rules, columns: sa.ColumnCollection) -> sa.ColumnElement[int]:
    """SQL CASE giving the star tier 1–6 of a stored customer row.

    Six star: key person (when the rule says so) or points at or above the threshold;
    otherwise the highest tier whose spend lower bound the six-month average reaches.
    """
    c = columns
    six_star = c.points >= rules.six_star_points_min
    if rules.six_star_key_person:
        six_star = sa.or_(c.key_person.is_(True), six_star)
    whens: list[tuple[sa.ColumnElement[bool], int]] = [(six_star, 6)]
    for tier in range(TIER_COUNT - 1, 1, -1):
        whens.append((c.spend_avg_6m >= rules.tier_spend_min[tier - 1], tier))
    return sa.case(*whens, else_=1)


def stage_case(rules: Rules, columns: sa.ColumnCollection,
               usage: sa.ColumnElement[float] | None = None) -> sa.ColumnElement[str]:
    """SQL CASE giving the lifecycle stage, rules applied in the documented order.

    Declining: spend trend, complaints, or (when ``usage`` is given and the rules have the
    usage rule) a usage trend at or below ``decline_max_usage_trend``. A row's usage trend
    needs the same customer's earlier row (``usage_trend``), so ``apply_rules`` adds it in a
    second statement (``usage_decline``) rather than here.
    """
    c = columns
    terms = [c.spend_trend <= rules.decline_max_spend_trend,
             c.complaints >= rules.decline_min_complaints]
    if usage is not None and rules.decline_max_usage_trend is not None:
        terms.append(usage <= rules.decline_max_usage_trend)
    declining = sa.or_(*terms)
    return sa.case(
        (c.churned.is_(True), "churned"),
        (c.tenure_months < rules.acquisition_max_tenure_months, "acquisition"),
        (declining, "decline"),
        (c.tenure_months >= rules.maturity_min_tenure_months, "maturity"),
        else_="growth",
    )


def usage_trend(rules: Rules, now: sa.ColumnCollection,
                earlier: sa.ColumnCollection) -> sa.ColumnElement[float]:
    """SQL usage trend of a row (share: -0.5 = usage halved): the mean, over the rules'
    ``usage_columns`` that have a value now and above 0 in the earlier row, of
    ``now / earlier - 1``; NULL when no column qualifies. ``earlier`` is the same customer's
    row ``usage_trend_months`` months before (usage columns hold one month each, so a trend
    needs two snapshots)."""
    terms, counts = [], []
    for name in rules.usage_columns:
        ok = sa.and_(earlier[name] > 0, now[name].is_not(None))
        terms.append(sa.case((ok, now[name] / earlier[name] - 1.0), else_=0.0))
        counts.append(sa.case((ok, 1), else_=0))
    n = sum(counts[1:], counts[0])
    return sa.case((n > 0, sa.cast(sum(terms[1:], terms[0]), sa.Double) / n))


def usage_decline(rules: Rules, table: sa.Table,
                  dates: list | None = None) -> list[sa.Executable]:
    """Statements that finish ``stage_case`` with the usage rule on stored rows of ``table``.

    Run after tiers and stages are set from ``stage_case`` (without usage). 1) Rows
    ``usage_trend_months`` after a snapshot of ``dates`` are re-staged too (their earlier row
    just changed); 2) every growth or maturity row among them whose usage trend against the
    customer's row ``usage_trend_months`` months earlier is at or below the threshold becomes
    decline: the same result as the usage term in ``stage_case``'s order (churned and
    acquisition come first). ``dates`` None: every stored row. No statement when the rules
    have no usage rule.
    """
    if rules.decline_max_usage_trend is None:
        return []
    c, k = table.c, rules.usage_trend_months
    earlier = table.alias("usage_earlier")
    statements: list[sa.Executable] = []
    scope: list[sa.ColumnElement[bool]] = []
    if dates is not None:
        later = sorted({d.year * 12 + d.month - 1 + k for d in dates})
        statements.append(sa.update(table).values(stage=stage_case(rules, c))
                          .where(c.snapshot_month.in_(later), c.snapshot_date.not_in(dates)))
        scope.append(sa.or_(c.snapshot_date.in_(dates), c.snapshot_month.in_(later)))
    statements.append(
        sa.update(table).values(stage="decline")
        .where(earlier.c.customer_id == c.customer_id,
               earlier.c.snapshot_month == c.snapshot_month - k,
               c.stage.in_(("growth", "maturity")),
               usage_trend(rules, c, earlier.c) <= rules.decline_max_usage_trend,
               *scope))
    return statements


def churn_counted(rules: Rules, columns: sa.ColumnCollection) -> sa.ColumnElement[bool]:
    """SQL condition: the row belongs to the base churn rates are computed on.

    Excludes, as the rules say, involuntary churners, customers under the minimum tenure and
    group-paid lines. Excluded rows leave both numerator and denominator.
    """
    c = columns
    conditions: list[sa.ColumnElement[bool]] = []
    if rules.exclude_involuntary:
        conditions.append(sa.or_(c.churn_type.is_(None), c.churn_type != "involuntary"))
    if rules.exclude_min_tenure_months > 0:
        conditions.append(c.tenure_months >= rules.exclude_min_tenure_months)
    if rules.exclude_group_paid:
        conditions.append(c.group_paid.is_not(True))
    return sa.and_(sa.true(), *conditions)
