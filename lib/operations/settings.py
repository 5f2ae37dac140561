"""What every part of call-back operations shares: the rules' ``[operations]`` section and the
error a plan is refused with (kept below ``plans`` and ``holdout``, which both use them)."""
from __future__ import annotations

from dataclasses import dataclass

from lib.rules import Rules
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
    #: days of the contact window a new plan proposes, from today
    default_window_days: int = 14

    def default_effect(self, baseline: float) -> float:
        """The effect (absolute churn reduction, share 0-1) a new plan starts from: the rules'
        target, or half the ``baseline`` churn when that is too low for it (an effect must
        stay below the baseline), to three decimals."""
        return min(self.target_effect, round(baseline / 2, 3))


def operations_settings(rules: Rules) -> OperationsSettings:
    """Parse ``[operations]`` (the shipped section when a saved rules version lacks it)."""
    section = rules.read("operations")

    def share(key: str) -> float:
        # 0 and 1 mean nothing here (no test at alpha 0, no plan with every customer held out)
        return section.share(key, exclusive=True)

    return OperationsSettings(
        reach_rate_target=share("reach_rate_target"),
        default_holdout_share=share("default_holdout_share"),
        alpha=share("alpha"), power=share("power"), target_effect=share("target_effect"),
        continuity_correction=section.flag("continuity_correction"),
        fallback_baseline_churn=share("fallback_baseline_churn"),
        max_plan_customers=section.integer("max_plan_customers", 1, 1_000_000),
        default_window_days=section.integer("default_window_days", 1, 366),
    )
