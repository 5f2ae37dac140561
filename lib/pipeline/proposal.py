"""Star-tier thresholds that fit a file: proposed from its spend distribution.

The shipped thresholds are CNY a month. A file in another currency or scale (a US telco's
USD 18–119 a month) would have no VIP at all, and every VIP figure and default offer would stay
empty. On a workspace's first import (or when asked) the Data page proposes thresholds from the
file instead, for the analyst to accept or edit and save as a new rules version.

Which share of customers each tier starts at is data (``[tier_proposal] top_shares``, with the
reasons in ``data/rules.toml`` and docs/domain.md). Money is currency per month (the
six-month average spend, ``spend_avg_6m``); shares are 0–1.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import polars as pl

from lib.pipeline.derive import derive
from lib.rules import TIER_COUNT, Rules, RulesError


@dataclass(frozen=True)
class ProposalSettings:
    """``[tier_proposal]``: the share of customers (0–1) at or above the lower bound of tiers
    2–5 (decreasing), the significant digits thresholds are rounded to, and the VIP share band
    (0–1) within which the thresholds in force already fit a file."""

    top_shares: tuple[float, ...]
    significant_digits: int
    vip_share_band: tuple[float, float]


def proposal_settings(rules: Rules) -> ProposalSettings:
    """The ``[tier_proposal]`` section of ``rules`` (shipped values for keys it lacks), checked."""
    section = rules.read("tier_proposal")
    shares = section.value("top_shares")
    if (not isinstance(shares, list) or len(shares) != TIER_COUNT - 2
            or not all(isinstance(s, (int, float)) and 0 < s < 1 for s in shares)
            or any(a <= b for a, b in zip(shares, shares[1:]))):
        raise RulesError("rules_bad_top_shares", key="tier_proposal.top_shares", count=TIER_COUNT - 2)
    band = section.value("vip_share_band")
    if (not isinstance(band, list) or len(band) != 2
            or not all(isinstance(s, (int, float)) and 0 <= s <= 1 for s in band) or band[0] > band[1]):
        raise RulesError("rules_bad_share_band", key="tier_proposal.vip_share_band")
    digits = section.integer("significant_digits", 1, 6)
    return ProposalSettings(tuple(float(s) for s in shares), digits, (float(band[0]), float(band[1])))


@dataclass(frozen=True)
class TierProposal:
    """Proposed ``[tiers] spend_min`` (five lower bounds, currency a month, the first 0) and
    what they and the thresholds in force give on the file.

    ``tier_shares``: share of customers (0–1) in tiers 1–6 with the proposal (six-star
    customers by points or as key persons counted as the store grades them);
    ``vip_share`` / ``current_vip_share``: share in tier ``vip_min_tier`` and up with the
    proposal / the rules in force; ``top_shares``: the shares the bounds of tiers 2–5 aimed at.
    """

    spend_min: tuple[float, ...]
    top_shares: tuple[float, ...]
    tier_shares: tuple[float, ...]
    vip_share: float
    current_vip_share: float
    customers: int
    fits_already: bool


def customer_spend(accepted: pl.DataFrame, snapshot_date: dt.date | None = None) -> pl.DataFrame:
    """Per active customer of a validated file (accepted rows not flagged churned: the base
    the VIP figures count): ``spend_avg_6m`` (currency a month, as the store derives it),
    ``points`` and ``key_person`` (what makes a six-star customer)."""
    derived = derive(accepted, snapshot_date)
    return derived.filter(~pl.col("churned")).select("spend_avg_6m", "points", "key_person")


def tiers_of(spend: pl.DataFrame, spend_min: tuple[float, ...], rules: Rules) -> pl.Series:
    """Star tier 1–6 of each row of ``spend`` (``customer_spend``'s columns) under the lower
    bounds ``spend_min``: the same grading as ``lib.rules.tier_case`` in SQL (six star first)."""
    six = pl.col("points").fill_null(0) >= rules.six_star_points_min
    if rules.six_star_key_person:
        six = six | pl.col("key_person").fill_null(False)
    tier = pl.lit(1)
    for index in range(1, TIER_COUNT - 1):
        tier = pl.when(pl.col("spend_avg_6m") >= spend_min[index]).then(index + 1).otherwise(tier)
    return spend.select(pl.when(six).then(TIER_COUNT).otherwise(tier).alias("tier"))["tier"]


def tier_shares(spend: pl.DataFrame, spend_min: tuple[float, ...], rules: Rules) -> tuple[float, ...]:
    """Share of rows (0–1) in tiers 1–6 under ``spend_min``; zeros for an empty frame."""
    tiers = tiers_of(spend, spend_min, rules)
    if tiers.len() == 0:
        return (0.0,) * TIER_COUNT
    return tuple(float((tiers == tier).sum()) / tiers.len() for tier in range(1, TIER_COUNT + 1))


def vip_share(shares: tuple[float, ...], rules: Rules) -> float:
    """Share of customers (0–1) in tier ``vip_min_tier`` and up, from ``tier_shares``."""
    return float(sum(shares[rules.vip_min_tier - 1:]))


def round_down(value: float, digits: int) -> float:
    """``value`` rounded down to ``digits`` significant digits (107.35, 3 → 107.0)."""
    if value <= 0:
        return 0.0
    step = 10 ** (math.floor(math.log10(value)) - digits + 1)
    return math.floor(value / step + 1e-9) * step


def _step(value: float, digits: int) -> float:
    """The last significant digit's place of ``value`` (107 at 3 digits → 1)."""
    return 10 ** (math.floor(math.log10(value)) - digits + 1) if value > 0 else 1.0


def propose_tiers(spend: pl.DataFrame, rules: Rules) -> TierProposal | None:
    """Thresholds for tiers 2–5 such that about ``top_shares`` of the customers of ``spend``
    (``customer_spend``) reach each tier; None when no row has a spend.

    Six-star customers (points, key persons) stand above every spend tier, so each bound is
    the spend of the customer ranked just inside the target among the others: the top 7.5 %
    of 1,000 customers with 20 six-star ones puts the tier-4 bound at the 55th highest spend
    of the rest. The bound is rounded to ``significant_digits``, down or up, whichever share
    comes nearer the target (plan prices tie many customers at one value).
    """
    settings = proposal_settings(rules)
    rows = spend.filter(pl.col("spend_avg_6m").is_not_null())
    customers = rows.height
    if customers == 0:
        return None
    six = pl.col("points").fill_null(0) >= rules.six_star_points_min
    if rules.six_star_key_person:
        six = six | pl.col("key_person").fill_null(False)
    others = rows.filter(~six)["spend_avg_6m"].sort(descending=True)
    six_count = customers - others.len()
    bounds = [0.0]
    for top in settings.top_shares:
        wanted = top * customers - six_count   # rows of the others to place at or above
        rank = min(max(int(round(wanted)), 1), max(others.len(), 1)) - 1
        value = float(others[rank]) if others.len() else 0.0
        low = round_down(value, settings.significant_digits)
        high = low + _step(max(value, 1e-9), settings.significant_digits)

        def share_at(bound: float) -> float:
            return (float((others >= bound).sum()) + six_count) / customers

        bound = min((low, high), key=lambda b: (abs(share_at(b) - top), -b))
        bounds.append(bound)
    bounds = _increasing(bounds, settings.significant_digits)
    shares = tier_shares(rows, tuple(bounds), rules)
    current = vip_share(tier_shares(rows, rules.tier_spend_min, rules), rules)
    band = settings.vip_share_band
    return TierProposal(tuple(bounds), settings.top_shares, shares, vip_share(shares, rules),
                        current, customers, band[0] <= current <= band[1])


def _increasing(bounds: list[float], digits: int) -> list[float]:
    """``bounds`` made strictly increasing after the leading 0 (a file where most customers
    pay one price gives equal quantiles): each bound at least one step above the one before."""
    out = [0.0]
    for value in bounds[1:]:
        least = out[-1] + (_step(out[-1], digits) if out[-1] > 0 else 0.01)
        out.append(round(max(value, least), 10))
    return out
