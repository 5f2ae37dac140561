"""What every part of call-back operations shares: the rules' ``[operations]`` section and the
error a plan is refused with (kept below ``plans`` and ``holdout``, which both use them)."""
from __future__ import annotations

from dataclasses import dataclass

from lib.rules import Rules, RulesError, finite_number
from lib.store import StoreError


class OperationsError(StoreError):
    """A plan that cannot be made or changed; ``code`` is an i18n key (lib/i18n/operations.py)."""


@dataclass(frozen=True)
class OperationsSettings:
    """The rules' ``[operations]`` section, checked. Shares are 0-1."""

    reach_rate_target: float
    default_holdout_share: float
    alpha: float
    power: float
    target_effect: float
    continuity_correction: bool
    fallback_baseline_churn: float
    max_plan_customers: int


def operations_settings(rules: Rules) -> OperationsSettings:
    """Parse ``[operations]`` (the shipped section when a saved rules version lacks it)."""
    section = rules.section_or_shipped("operations")

    def share(key: str, low: float = 0.0, high: float = 1.0) -> float:
        value = section.get(key)
        if not finite_number(value) or not low < value < high:
            raise RulesError("rules_bad_number", key=f"operations.{key}", low=low, high=high)
        return float(value)

    flag = section.get("continuity_correction", True)
    if not isinstance(flag, bool):
        raise RulesError("rules_bad_flag", key="operations.continuity_correction")
    limit = section.get("max_plan_customers")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1_000_000:
        raise RulesError("rules_bad_number", key="operations.max_plan_customers", low=1, high=1_000_000)
    return OperationsSettings(
        reach_rate_target=share("reach_rate_target"),
        default_holdout_share=share("default_holdout_share"),
        alpha=share("alpha"), power=share("power"), target_effect=share("target_effect"),
        continuity_correction=flag,
        fallback_baseline_churn=share("fallback_baseline_churn"),
        max_plan_customers=limit,
    )
