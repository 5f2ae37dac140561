"""Alert rules: the ``[[alert]]`` entries of the rules file, read and checked.

Each entry names an Overview KPI (its i18n key, ``ALERT_KPIS``) and one test:

- ``kind = "target"``: breached when the KPI misses its target in ``[kpi_targets]``;
- ``kind = "change"``: breached when the KPI moved against the previous snapshot by more than
  ``threshold`` in ``unit`` — ``"pp"`` (percentage points, share KPIs only: 0.021 → 0.030 is
  +0.9 pp) or ``"percent"`` (relative: 80 → 88 is +10 %) — in ``direction`` ``"up"``, ``"down"``
  or ``"either"``;

over ``per = "base"`` (the whole base the reader may see), ``"province"`` or ``"tier"`` (each
province or tier against its own previous value, so a small province's jump is not drowned
by the total). Checked whenever rules are parsed, so a bad entry is refused when saved.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lib.rules.checks import RulesError, finite_number

#: KPIs an alert may watch (keys of ``lib.overview.kpis.build_overview``) and their units.
ALERT_KPIS: dict[str, str] = {
    "kpi_active": "count", "kpi_vip": "count", "kpi_vip_revenue_share": "share",
    "kpi_vip_retention": "share", "kpi_monthly_churn": "share",
    "kpi_churn_share_unknown_window": "share", "kpi_churn_to_gross_add": "ratio",
    "kpi_arpu": "currency", "kpi_revenue_at_risk": "currency",
}
KINDS: tuple[str, ...] = ("target", "change")
UNITS: tuple[str, ...] = ("pp", "percent")
DIRECTIONS: tuple[str, ...] = ("up", "down", "either")
PER: tuple[str, ...] = ("base", "province", "tier")


@dataclass(frozen=True)
class AlertRule:
    """One ``[[alert]]`` entry; ``number`` is its 1-based position in the file.

    ``threshold``: for "change", the size of move that breaches (percentage points or percent,
    ≥ 0); None for "target" (the KPI's own target is the threshold)."""

    number: int
    kpi: str
    kind: str
    per: str = "base"
    unit: str | None = None
    threshold: float | None = None
    direction: str = "either"


def _bad(number: int, detail: str):
    return RulesError("alert_bad_rule", number=number, detail=detail)


def parse_alert_rules(doc: dict[str, Any]) -> tuple[AlertRule, ...]:
    """The ``[[alert]]`` entries of a parsed rules document; ``RulesError("alert_bad_rule")``
    naming the entry and the fault otherwise (none: no alerts)."""
    entries = doc.get("alert", [])
    if not isinstance(entries, list):
        raise _bad(1, "use [[alert]] tables")
    rules = []
    for number, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict):
            raise _bad(number, "not a table")
        kpi, kind, per = entry.get("kpi"), entry.get("kind", "target"), entry.get("per", "base")
        if kpi not in ALERT_KPIS:
            raise _bad(number, f"kpi must be one of {', '.join(ALERT_KPIS)}")
        if kind not in KINDS:
            raise _bad(number, f"kind must be one of {', '.join(KINDS)}")
        if per not in PER:
            raise _bad(number, f"per must be one of {', '.join(PER)}")
        if kind == "target":
            rules.append(AlertRule(number, kpi, kind, per))
            continue
        unit, threshold = entry.get("unit"), entry.get("threshold")
        direction = entry.get("direction", "either")
        if unit not in UNITS:
            raise _bad(number, f"unit must be one of {', '.join(UNITS)}")
        if unit == "pp" and ALERT_KPIS[kpi] != "share":
            raise _bad(number, f"{kpi} is not a share: use unit = \"percent\"")
        if not finite_number(threshold) or threshold < 0:
            raise _bad(number, "threshold must be a number ≥ 0")
        if direction not in DIRECTIONS:
            raise _bad(number, f"direction must be one of {', '.join(DIRECTIONS)}")
        rules.append(AlertRule(number, kpi, kind, per, unit, float(threshold), direction))
    return tuple(rules)
