"""Alert rules evaluated on the Overview's own figures (``lib.rules.alerts`` for the format).

For every rule and entity (the whole base the reader may see, each province in their scope,
or each tier) the KPI comes from ``build_overview`` — the function the Overview page calls — with
the entity as the sidebar filter, so an alert is computed on exactly the data the Overview shows
for that choice, and each entity is compared with its own previous snapshot.
Units: a KPI's value in its own unit (share 0–1, count, currency per month, ratio); a change in
the rule's unit (percentage points or percent).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import tomllib
from dataclasses import dataclass
from typing import Any

import polars as pl
import sqlalchemy as sa

from lib.pipeline.after_import import on_import
from lib.common import fmt
from lib.i18n import t_text as t
from lib.overview import queries as overview_queries
from lib.overview.kpis import Kpi, Overview, build_overview
from lib.rules import Rules
from lib.rules.alerts import AlertRule, parse_alert_rules
from lib.store.scope import acting_scope
from lib.store import alert_log, now, read_frame, snapshots
from lib.store.filters import Filters

log = logging.getLogger("retention.alerts")
TIERS: tuple[int, ...] = (1, 2, 3, 4, 5, 6)


@dataclass(frozen=True)
class Breach:
    """One breached rule for one entity.

    ``entity_kind``: "base", "province" or "tier"; ``entity`` the province name or tier number
    as text (None for the base). ``value`` and ``threshold`` in the KPI's unit for a target
    rule; for a change rule ``threshold`` and ``change`` are in the rule's unit (pp or percent).
    """

    rule: int
    kpi: str
    kind: str
    entity_kind: str
    entity: str | None
    value: float | None
    unit: str
    threshold: float | None
    change: float | None
    change_unit: str | None
    previous: float | None

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def alert_rules(rules: Rules) -> tuple[AlertRule, ...]:
    """The rules' ``[[alert]]`` entries (checked when the rules were parsed). A version saved
    before alerts existed has no ``alert`` key and gets the shipped ones; ``alert = []`` means
    none."""
    doc = tomllib.loads(rules.text)
    if "alert" not in doc:
        from lib.rules import default_rules

        doc = tomllib.loads(default_rules().text)
    return parse_alert_rules(doc)


def rule_change(kpi: Kpi, unit: str) -> float | None:
    """The KPI's move against the previous snapshot: percentage points ((v − p) × 100, for
    shares) or percent ((v − p) / |p| × 100; None when p is 0)."""
    if kpi.value is None or kpi.previous is None:
        return None
    if unit == "pp":
        return (kpi.value - kpi.previous) * 100
    if kpi.previous == 0:
        return None
    return (kpi.value - kpi.previous) / abs(kpi.previous) * 100


def _breached(rule: AlertRule, kpi: Kpi) -> tuple[bool, float | None, float | None]:
    """(breached, threshold, change) of ``rule`` on ``kpi``."""
    if rule.kind == "target":
        return kpi.meets_target is False, kpi.target, kpi.change
    change = rule_change(kpi, rule.unit or "percent")
    if change is None:
        return False, rule.threshold, None
    up, down = change > rule.threshold, change < -rule.threshold
    hit = {"up": up, "down": down, "either": up or down}[rule.direction]
    return hit, rule.threshold, change


def _entities(conn: sa.Connection, date: dt.date, per: str) -> list[tuple[str | None, Filters]]:
    """(entity, filters) per entity of ``per`` for the snapshot, in the acting user's scope."""
    if per == "base":
        return [(None, Filters(date))]
    if per == "tier":
        return [(str(tier), Filters(date, tiers=(tier,))) for tier in TIERS]
    provinces = read_frame(conn, overview_queries.provinces(date))   # scoped by the query
    names = sorted(provinces["province"].to_list()) if provinces.height else []
    return [(name, Filters(date, provinces=(name,))) for name in names]


def evaluate_on(conn: sa.Connection, date: dt.date, rules: Rules) -> list[Breach]:
    """Every breach of the rules' alerts on snapshot ``date``, as the acting user may see it."""
    views: dict[Filters, Overview] = {}
    breaches: list[Breach] = []
    for rule in alert_rules(rules):
        for entity, filters in _entities(conn, date, rule.per):
            if filters not in views:
                views[filters] = build_overview(conn, filters, rules)
            kpi = next((k for k in views[filters].kpis if k.key == rule.kpi), None)
            if kpi is None or kpi.value is None:   # e.g. a monthly rate under an unknown window
                continue
            hit, threshold, change = _breached(rule, kpi)
            if hit:
                breaches.append(Breach(rule.number, rule.kpi, rule.kind, rule.per, entity, kpi.value,
                                       kpi.unit, threshold, change,
                                       rule.unit if rule.kind == "change" else kpi.unit, kpi.previous))
    return breaches


def evaluate(engine: sa.Engine, date: dt.date, rules: Rules) -> list[Breach]:
    """``evaluate_on`` with a connection of its own."""
    with engine.connect() as conn:
        return evaluate_on(conn, date, rules)


def _import_of(conn: sa.Connection, date: dt.date) -> int | None:
    """The import that stored the snapshot now (its identity: a replaced snapshot has another)."""
    return conn.execute(sa.select(snapshots.c.import_id).where(snapshots.c.snapshot_date == date)).scalar()


def record_evaluation(engine: sa.Engine, date: dt.date, rules: Rules, breaches: list[Breach],
                      trigger: str) -> None:
    """Keep one evaluation, for the acting user's scope, in the alert log (``trigger``:
    import | command)."""
    with engine.begin() as conn:
        conn.execute(sa.insert(alert_log).values(
            evaluated_at=now(), snapshot_date=date, rules_version=rules.version,
            import_id=_import_of(conn, date), scope=acting_scope().describe(), trigger=trigger,
            breaches=len(breaches),
            detail=json.dumps([b.as_dict() for b in breaches], ensure_ascii=False)))


def overview_breaches(conn: sa.Connection, date: dt.date, rules: Rules) -> list[Breach]:
    """The breaches the Overview lists for snapshot ``date``: for the whole base, the evaluation
    recorded after the import that stored the snapshot under these rules (same data, same rules,
    so the same figures; evaluating per province costs a few seconds at a million customers);
    otherwise, or for a scoped user, evaluated now (``evaluate_on``)."""
    if acting_scope().whole_base:
        a = alert_log.c
        detail = conn.execute(
            sa.select(a.detail).where(a.snapshot_date == date, a.rules_version == rules.version,
                                      a.scope == "", a.import_id == _import_of(conn, date),
                                      a.import_id.is_not(None))
            .order_by(a.log_id.desc()).limit(1)).scalar()
        if detail is not None:
            return [Breach(**item) for item in json.loads(detail)]
    return evaluate_on(conn, date, rules)


@on_import
def evaluate_after_import(engine: sa.Engine, dates: list[dt.date]) -> None:
    """After an import: evaluate the alerts on the whole base for each stored date and record
    them. An alert that cannot be evaluated is logged, never undoing the import."""
    from lib.auth import User, acting_as
    from lib.rules.versions import current_rules

    try:
        rules = current_rules(engine)
        with acting_as(User("alerts", "viewer")):   # the whole base, read only
            for date in dates:
                record_evaluation(engine, date, rules, evaluate(engine, date, rules), "import")
    except Exception:   # the import is stored; an alert failure must not look like its failure
        log.exception("alert evaluation after import failed")


def _amount(value: float | None, unit: str | None, lang: str, rules: Rules) -> str:
    if value is None:
        return "–"
    if unit == "pp":
        return f"{value:+.2f} pp" if lang == "en" else f"{value:+.2f} 个百分点"
    if unit == "percent":
        return f"{value:+.1f}%"
    return fmt.number(value, unit or "count", lang, rules.currency)


def scope_label(breach: Breach, lang: str, rules: Rules) -> str:
    """Whole base, a province's name or a tier's name."""
    if breach.entity_kind == "base":
        return t("alert_whole_base", lang)
    if breach.entity_kind == "tier":
        return rules.tier_name(int(breach.entity), lang)
    return str(breach.entity)


def breach_row(breach: Breach, lang: str, rules: Rules) -> dict[str, str]:
    """A breach as text cells: KPI, scope, value, threshold, change (for a table or a line)."""
    if breach.kind == "target":
        threshold = fmt.number(breach.threshold, breach.unit, lang, rules.currency)
        change = _amount(breach.change, breach.unit, lang, rules) if breach.change is not None else "–"
        if breach.change is not None and breach.unit == "share":
            change = _amount(breach.change * 100, "pp", lang, rules)
    else:
        sign = {"pp": "pp" if lang == "en" else "个百分点", "percent": "%"}[breach.change_unit]
        threshold = f"{breach.threshold:g} {sign}" if breach.change_unit == "pp" else f"{breach.threshold:g}%"
        change = _amount(breach.change, breach.change_unit, lang, rules)
    return {"rule": str(breach.rule), "kpi": t(breach.kpi, lang),
            "scope": scope_label(breach, lang, rules),
            "value": fmt.number(breach.value, breach.unit, lang, rules.currency), "threshold": threshold,
            "change": change}


def breach_line(breach: Breach, lang: str, rules: Rules) -> str:
    """One line per breach for the command line."""
    return t("alert_line", lang, **{k: v for k, v in breach_row(breach, lang, rules).items() if k != "rule"})


def breach_table(breaches: list[Breach], lang: str, rules: Rules) -> pl.DataFrame:
    """The breaches as the Overview lists them: rule, KPI, scope, value, threshold, change."""
    rows = [breach_row(b, lang, rules) for b in breaches]
    keys = ("rule", "kpi", "scope", "value", "threshold", "change")
    return pl.DataFrame({t(f"alert_col_{k}", lang): [r[k] for r in rows] for k in keys})
