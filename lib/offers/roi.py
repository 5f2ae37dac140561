"""Retention offers: the catalogue, and what an offer returns per value tier before money is spent.

The unit of targeting is a group of customers of one tier and one risk decile (10 = the riskiest
tenth, the convention of ``lib.store.schema.RISKIEST_DECILE``), described by a *targets* frame with columns:

    tier, decile, customers (count), churn_probability (share 0–1 over the horizon),
    clv (currency: value of keeping one customer), monthly_margin (currency per month)

For a targeted group of n customers and an offer with take-up u and effect e (relative churn
reduction among takers), at contact cost c₀ and cost per acceptance c₁:

    takers      = n·u
    saves       = n·u·p·e                      (churners among takers who now stay)
    value saved = saves·clv
    cost        = n·c₀ + n·u·c₁                (of which the giveaway n·u·(1−p)·c₁ goes to
                                                 takers who would have stayed anyway)
    net value   = value saved − cost,  ROI = net / cost,  cost per save = cost / saves,
    payback     = cost / (saves·monthly_margin) months

Net value is linear in u and in u·e, which makes the Monte Carlo a few vector operations.
"""
from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist

import numpy as np
import polars as pl

from lib.rules import RulesError, finite_number
from lib.store.schema import riskiest_first
from lib import DATA_DIR

DEFAULT_CATALOGUE_PATH = DATA_DIR / "offers.toml"
OFFER_TYPES: tuple[str, ...] = ("bundle", "points", "tenure_reward", "prepaid_bonus",
                                "handset_subsidy", "minimum_spend_plan", "care_call",
                                "priority_service")
#: Coverage of the catalogue's ranges: each (low, high) is read as a central 90 % interval.
RANGE_COVERAGE = 0.90
TARGET_COLUMNS: tuple[str, ...] = ("tier", "decile", "customers", "churn_probability", "clv",
                                   "monthly_margin")


@dataclass(frozen=True)
class Offer:
    """One catalogue entry. Money in currency, take-up and effect as (low, high) shares 0–1."""

    id: str
    name_en: str
    name_zh: str
    type: str
    eligible_tiers: tuple[int, ...]
    contact_cost: float
    cost_per_acceptance: float
    take_up: tuple[float, float]
    effect: tuple[float, float]
    duration_months: int

    def name(self, lang: str = "en") -> str:
        return self.name_zh if lang == "zh" else self.name_en

    @property
    def take_up_mean(self) -> float:
        return sum(self.take_up) / 2

    @property
    def effect_mean(self) -> float:
        return sum(self.effect) / 2


def _range(entry: dict, key: str, offer_id: str) -> tuple[float, float]:
    value = entry.get(key)
    ok = (isinstance(value, list) and len(value) == 2
          and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value)
          and 0 <= value[0] <= value[1] <= 1)
    if not ok:
        raise RulesError("offers_bad_range", offer=offer_id, key=key)
    return float(value[0]), float(value[1])


def _cost(entry: dict, key: str, offer_id: str) -> float:
    value = entry.get(key)
    if not finite_number(value) or value < 0:
        raise RulesError("offers_bad_cost", offer=offer_id, key=key)
    return float(value)


def _offer(entry: dict) -> Offer:
    offer_id = str(entry.get("id", "")).strip()
    if not offer_id:
        raise RulesError("offers_missing_id")
    tiers = entry.get("eligible_tiers")
    if not isinstance(tiers, list) or not tiers or not all(
        isinstance(t, int) and not isinstance(t, bool) and 1 <= t <= 6 for t in tiers
    ):
        raise RulesError("offers_bad_tiers", offer=offer_id)
    if entry.get("type") not in OFFER_TYPES:
        raise RulesError("offers_bad_type", offer=offer_id, types=", ".join(OFFER_TYPES))
    months = entry.get("duration_months")
    if isinstance(months, bool) or not isinstance(months, int) or months < 1:
        raise RulesError("offers_bad_duration", offer=offer_id)
    return Offer(
        id=offer_id,
        name_en=str(entry.get("name_en") or offer_id),
        name_zh=str(entry.get("name_zh") or entry.get("name_en") or offer_id),
        type=entry["type"],
        eligible_tiers=tuple(sorted(set(tiers))),
        contact_cost=_cost(entry, "contact_cost", offer_id),
        cost_per_acceptance=_cost(entry, "cost_per_acceptance", offer_id),
        take_up=_range(entry, "take_up", offer_id),
        effect=_range(entry, "effect", offer_id),
        duration_months=months,
    )


def parse_catalogue(text: str) -> tuple[Offer, ...]:
    """Parse and check catalogue TOML; ``RulesError`` names the first bad offer and key."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError("rules_bad_toml", detail=str(exc)) from None
    offers = tuple(_offer(entry) for entry in doc.get("offer", []))
    if not offers:
        raise RulesError("offers_empty")
    ids = [o.id for o in offers]
    if len(set(ids)) != len(ids):
        raise RulesError("offers_duplicate_id", ids=", ".join(sorted({i for i in ids if ids.count(i) > 1})))
    return offers


def default_catalogue() -> tuple[Offer, ...]:
    """The catalogue shipped in data/offers.toml."""
    return parse_catalogue(DEFAULT_CATALOGUE_PATH.read_text(encoding="utf-8"))


def beta_from_range(low: float, high: float, coverage: float = RANGE_COVERAGE) -> tuple[float, float]:
    """Beta(α, β) with mean at the range's midpoint and the range as its ~``coverage``
    central interval (share 0–1; the catalogue's ranges are ``RANGE_COVERAGE``).

    Method of moments with sd = (high − low) / (2·z), z the normal quantile of (1 + coverage)/2;
    the variance is capped below the largest a Beta with that mean allows. A zero-width range
    returns (inf, inf): a point mass.
    """
    mean = (low + high) / 2
    if high <= low or mean <= 0 or mean >= 1:
        return math.inf, math.inf
    z = NormalDist().inv_cdf((1 + coverage) / 2)
    variance = min(((high - low) / (2 * z)) ** 2, 0.99 * mean * (1 - mean))
    common = mean * (1 - mean) / variance - 1
    return mean * common, (1 - mean) * common


def depth_weights(customers: np.ndarray, depth: float) -> np.ndarray:
    """Share of each decile group targeted when the top ``depth`` (0–1) of customers by risk
    are; groups are in risk order, highest first. Linear inside a group."""
    total = customers.sum()
    if total <= 0:
        return np.zeros_like(customers, dtype=float)
    before = np.concatenate([[0.0], np.cumsum(customers)[:-1]])
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.clip((depth * total - before) / customers, 0.0, 1.0)
    return np.nan_to_num(share)


@dataclass(frozen=True)
class Outcome:
    """Expected result of one offer on a set of targeted customers (currency unless named)."""

    targeted: float
    takers: float
    saves: float
    value_saved: float
    contact_cost: float
    offer_cost: float
    giveaway_cost: float
    net_value: float
    roi: float | None
    cost_per_save: float | None
    payback_months: float | None

    @property
    def cost(self) -> float:
        return self.contact_cost + self.offer_cost


def _eligible(targets: pl.DataFrame, offer: Offer) -> pl.DataFrame:
    """The offer's eligible groups per tier, riskiest decile first (the order depth fills)."""
    return riskiest_first(targets.filter(pl.col("tier").is_in(list(offer.eligible_tiers))), within=("tier",))


def _terms(targets: pl.DataFrame, offer: Offer, depth: float) -> dict[str, float]:
    """The coefficients net = u·e·A − C₀ − u·C₁ (and the parts outcome needs), per tier depth."""
    totals = dict.fromkeys(("n", "A", "P", "C0", "C1", "G", "M"), 0.0)
    for _, group in _eligible(targets, offer).group_by("tier", maintain_order=True):
        n = group["customers"].to_numpy().astype(float)
        w = depth_weights(n, depth) * n
        p = group["churn_probability"].to_numpy()
        totals["n"] += w.sum()
        totals["A"] += (w * p * group["clv"].to_numpy()).sum()
        totals["P"] += (w * p).sum()
        totals["M"] += (w * p * group["monthly_margin"].to_numpy()).sum()
        totals["C0"] += w.sum() * offer.contact_cost
        totals["C1"] += w.sum() * offer.cost_per_acceptance
        totals["G"] += (w * (1 - p)).sum() * offer.cost_per_acceptance
    return totals


def simulate(targets: pl.DataFrame, offer: Offer, depth: float,
             take_up: float | None = None, effect: float | None = None) -> Outcome:
    """Expected outcome of ``offer`` on the top ``depth`` (0–1) by risk of each eligible tier.

    ``take_up`` and ``effect`` default to the catalogue's midpoints (shares 0–1).
    """
    u = offer.take_up_mean if take_up is None else take_up
    e = offer.effect_mean if effect is None else effect
    s = _terms(targets, offer, depth)
    saves = u * e * s["P"]
    value = u * e * s["A"]
    contact, acceptance = s["C0"], u * s["C1"]
    cost = contact + acceptance
    net = value - cost
    monthly = u * e * s["M"]
    return Outcome(
        targeted=s["n"], takers=u * s["n"], saves=saves, value_saved=value, contact_cost=contact,
        offer_cost=acceptance, giveaway_cost=u * s["G"], net_value=net,
        roi=net / cost if cost > 0 else None,
        cost_per_save=cost / saves if saves > 1e-9 else None,
        payback_months=cost / monthly if monthly > 1e-9 else None,
    )


def depth_curve(targets: pl.DataFrame, offer: Offer, steps: int = 20) -> pl.DataFrame:
    """Net value (currency) against the share targeted, 0 to 100 %, with the optimum flagged."""
    depths = np.linspace(0.0, 1.0, steps + 1)
    nets = [simulate(targets, offer, float(d)).net_value for d in depths]
    best = int(np.argmax(nets))
    return pl.DataFrame({"depth": depths, "net_value": nets,
                         "optimum": [i == best for i in range(len(depths))]})


@dataclass(frozen=True)
class Uncertainty:
    """Monte Carlo summary of net value (currency): mean, 90 % interval, P(ROI > 0)."""

    draws: int
    mean: float
    low: float
    high: float
    p_positive: float


def _beta_draws(rng: np.random.Generator, bounds: tuple[float, float], draws: int) -> np.ndarray:
    alpha, beta = beta_from_range(*bounds)
    if math.isinf(alpha):
        return np.full(draws, sum(bounds) / 2)
    return rng.beta(alpha, beta, draws)


#: Units (``lib.common.fmt``) of ``tier_table``'s numeric columns: a save is an expected
#: number of customers (fractional), money is currency over the horizon.
TIER_TABLE_UNITS: dict[str, str] = {
    "targeted": "count", "takers": "count", "saves": "number", "value_saved": "currency",
    "cost": "currency", "giveaway_cost": "currency", "net_value": "currency", "roi": "share",
    "payback_months": "months", "cost_per_save": "currency"}


def monte_carlo(targets: pl.DataFrame, offer: Offer, depth: float, draws: int = 10_000,
                seed: int = 0) -> Uncertainty:
    """Draw take-up and effect from their Beta distributions (independent) and summarise the
    net value. ROI > 0 exactly when net value > 0, since cost is positive."""
    rng = np.random.default_rng(seed)
    u = _beta_draws(rng, offer.take_up, draws)
    e = _beta_draws(rng, offer.effect, draws)
    s = _terms(targets, offer, depth)
    net = u * e * s["A"] - s["C0"] - u * s["C1"]
    low, high = np.quantile(net, [0.05, 0.95])
    return Uncertainty(draws, float(net.mean()), float(low), float(high), float((net > 0).mean()))


def simple_clv(monthly_margin, monthly_churn, monthly_discount: float):
    """Value of keeping a customer (currency) when churn and discount rates are constant:
    margin · Σₖ₌₀^∞ ((1 − c)/(1 + d))ᵏ = margin · (1 + d) / (d + c), for d + c > 0.

    Works on numbers, numpy arrays and polars expressions alike (margin in currency per month,
    churn and discount as monthly shares)."""
    return monthly_margin * (1 + monthly_discount) / (monthly_discount + monthly_churn)


def catalogue_rows(offers: tuple[Offer, ...]) -> list[dict[str, object]]:
    """The catalogue as flat rows for a data editor (ranges split into low/high columns)."""
    return [{"id": o.id, "name_en": o.name_en, "name_zh": o.name_zh, "type": o.type,
             "eligible_tiers": ",".join(map(str, o.eligible_tiers)),
             "contact_cost": o.contact_cost, "cost_per_acceptance": o.cost_per_acceptance,
             "take_up_low": o.take_up[0], "take_up_high": o.take_up[1],
             "effect_low": o.effect[0], "effect_high": o.effect[1],
             "duration_months": o.duration_months} for o in offers]


def _cell_number(row: dict, key: str, offer_id: str) -> float:
    try:
        return float(row[key])
    except (KeyError, TypeError, ValueError):
        raise RulesError("offers_bad_cost", offer=offer_id, key=key) from None


def catalogue_text(rows: list[dict[str, object]]) -> str:
    """Edited rows back to catalogue TOML (checked later by ``parse_catalogue``)."""
    import tomlkit

    doc = tomlkit.document()
    doc.add(tomlkit.comment("Offer catalogue edited on the Offers ROI page; see data/offers.toml for the fields."))
    offers = tomlkit.aot()
    for row in rows:
        offer_id = str(row.get("id") or "").strip()
        if not offer_id:
            continue
        try:
            tiers = [int(part) for part in str(row.get("eligible_tiers") or "").replace("，", ",").split(",") if part.strip()]
            months = int(float(row.get("duration_months")))
        except (TypeError, ValueError):
            raise RulesError("offers_bad_tiers", offer=offer_id) from None
        entry = tomlkit.table()
        entry.update({
            "id": offer_id, "name_en": str(row.get("name_en") or offer_id),
            "name_zh": str(row.get("name_zh") or row.get("name_en") or offer_id),
            "type": str(row.get("type") or ""), "eligible_tiers": tiers,
            "contact_cost": _cell_number(row, "contact_cost", offer_id),
            "cost_per_acceptance": _cell_number(row, "cost_per_acceptance", offer_id),
            "take_up": [_cell_number(row, "take_up_low", offer_id), _cell_number(row, "take_up_high", offer_id)],
            "effect": [_cell_number(row, "effect_low", offer_id), _cell_number(row, "effect_high", offer_id)],
            "duration_months": months,
        })
        offers.append(entry)
    doc["offer"] = offers
    return tomlkit.dumps(doc)
