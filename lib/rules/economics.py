"""Retention economics: the money inputs every page values customers and offers with.

One set of defaults, read from the rules' ``[economics]`` section, so that the Lifecycle
page's customer value and Offers ROI's residual CLV start from the same margin and discount
rate. The pages show them as inputs a user may change for a what-if; nothing else holds a
default.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lib.rules import Rules, Section

SECTION = "economics"

#: Ranges the rules accept, and so the ranges of the pages' what-if inputs (a saved value
#: always fits its input): margin and discount are shares 0–1, acquisition cost in currency,
#: the horizon in months (``[revenue_at_risk] horizon_months``).
MARGIN_SHARE_RANGE = (0.0, 1.0)
ANNUAL_DISCOUNT_RANGE = (0.0, 1.0)
ACQUISITION_COST_RANGE = (0.0, 1e9)
HORIZON_MONTHS_RANGE = (1, 120)
#: Saved rules from before the ``[economics]`` section kept margin and discount in
#: ``[lifecycle_analysis]``: such a version's own values still count.
_RENAMED = {"margin_share": "lifecycle_analysis", "annual_discount_rate": "lifecycle_analysis"}


@dataclass(frozen=True)
class Economics:
    """Inputs of the value side of retention.

    margin_share : margin as a share of spend (0–1).
    annual_discount : yearly discount rate (share 0–1).
    horizon_months : months over which churn is counted for an offer (months).
    acquisition_cost : cost of acquiring one customer (currency).
    """

    margin_share: float
    annual_discount: float
    horizon_months: int
    acquisition_cost: float

    @property
    def monthly_discount(self) -> float:
        """The yearly discount rate as a monthly rate (share)."""
        return (1 + self.annual_discount) ** (1 / 12) - 1


@dataclass(frozen=True)
class OfferDefaults:
    """Where Offers ROI's what-if starts: depth (share 0–1 of each tier, riskiest first) and
    the budget optimiser's budget (currency)."""

    depth_share: float
    budget: float


def _section(rules: Rules) -> Section:
    return rules.read(SECTION, renamed=_RENAMED)


def economics(rules: Rules) -> Economics:
    """The rules' economics; the offer horizon is the rules' revenue-at-risk horizon."""
    section = _section(rules)
    return Economics(margin_share=section.share("margin_share", *MARGIN_SHARE_RANGE),
                     annual_discount=section.share("annual_discount_rate", *ANNUAL_DISCOUNT_RANGE),
                     horizon_months=rules.risk_horizon_months,
                     acquisition_cost=section.number("acquisition_cost", *ACQUISITION_COST_RANGE))


def offer_defaults(rules: Rules) -> OfferDefaults:
    """The rules' starting depth and budget for Offers ROI."""
    section = _section(rules)
    return OfferDefaults(depth_share=section.share("offer_depth_share"),
                         budget=section.number("offer_budget", 0, 1e12))


def offer_inputs(rules: Rules, saved: dict[str, Any] | None = None) -> dict[str, Any]:
    """The Offers ROI what-if inputs: ``saved`` ones (a loaded scenario, this session's choices)
    over the rules' defaults. Keys: offer_id (None = the catalogue's first), depth_percent
    (0–100), margin_share, annual_discount, horizon_months, acquisition_cost, budget."""
    money, start = economics(rules), offer_defaults(rules)
    return {"offer_id": None, "depth_percent": int(round(start.depth_share * 100)),
            "margin_share": money.margin_share, "annual_discount": money.annual_discount,
            "horizon_months": money.horizon_months, "acquisition_cost": money.acquisition_cost,
            "budget": start.budget, **(saved or {})}


def economics_of(inputs: dict[str, Any]) -> Economics:
    """The ``Economics`` of a set of Offers ROI inputs (see ``offer_inputs``)."""
    return Economics(float(inputs["margin_share"]), float(inputs["annual_discount"]),
                     int(inputs["horizon_months"]), float(inputs["acquisition_cost"]))
