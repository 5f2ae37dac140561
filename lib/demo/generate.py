"""Seeded, deterministic demo data: a mobile operator's customer base, one frame per month.

``generate_snapshots`` simulates the base month by month with vectorised numpy on carried
state arrays (memory grows with one snapshot, not with the number of months) and yields one
polars frame per monthly snapshot in the contract's names and dtypes (``lib.store.schema``). The
caller applies ``lib.pipeline.derive.derive``; nothing derived is added here.

A snapshot for month M holds everyone active at some time in M: the base at the start of M
plus the customers who joined in M. Churners of M carry ``churned=True`` with a churn date,
type and reason in M and are gone from later snapshots. Units: money in CNY per month,
data in GB, voice and roaming in minutes, points in loyalty points.

The world it draws (shapes taken from docs/domain.md):

* Spend levels by brand are log-normal with a heavy premium tail, so 4-star-and-up customers
  are 5-10 % of the base and bring more than half of the revenue.
* Churn runs through competing monthly hazards: switching operator (most common), brand
  downgrade, value decline (spend falls for 2-4 months, then the customer leaves) and
  involuntary suspension (arrears build up for 2-3 months first). Voluntary hazards rise in the
  first months of tenure, after complaints, for prepaid and young customers, fall with tier,
  contract and group payment, and differ by a per-customer frailty.
* Months without spend (so RFM recency and frequency separate customers). Spend is what a
  post-paid customer used; a prepaid customer's spend is their top-ups. Prepaid customers
  (``payment_method`` "prepaid", 35-55 % of the base: most of the mass brand 神州行 and 40 %
  of the youth brand) draw down a balance and top up when it goes negative (always), when it
  would not cover another month at their level (50 % a month) or early (3 % a month); a top-up
  buys 1, 2, 3, 4 or 6 months of their level with probabilities 0.65/0.2/0.08/0.05/0.02 plus
  any shortfall, rounded up to 10 CNY (up to 100 CNY) or 50 CNY. So spend comes in lumps: 40-70 %
  of the prepaid have no top-up in the latest month and nearly all (80 %+) a month without one
  in the six, while their usage goes on. Month-skippers (second SIMs, lines kept but little
  used) are drawn with probability 0.15 times the frailty (capped at 0.5), so at-risk customers
  skip more; each skips a month with their own probability ~ Beta(1.5, 2) (mean 0.43), and
  anyone in a value-decline spell also skips a month with probability 0.35. An unused month has
  no spend and no usage; joiners use their first month. 4-12 % of the other customers have an
  unused month in the six; value-decline churners several times as often as those who stay.
* Gross adds follow churn (churn/gross-add ratio about 0.9-1.05), so the base is stable.
* One past retention campaign, at snapshot index ``snapshots // 2``: 50 % of the active
  customers (``CAMPAIGN_SHARE`` of tier ``CAMPAIGN_MIN_TIER`` and up, drawn at random: an
  ``ELEVATED_RISK_QUANTILE`` of 0) get ``OFFER_ID``; 50 % treated, 50 % control
  (``CONTROL_SHARE``); 50 % of the treated accept (``ACCEPT_SHARE``). A campaign this size is
  what lets the Uplift view accept a model on a 20,000-30,000 customer demo. The offer's true effect differs by customer (``OFFER_EFFECT``,
  multipliers of the voluntary hazards from the month after contact on), by a response group
  fixed at contact from what the snapshot before contact shows:

  - **lost causes**: already leaving, in a value-decline spell (spend falling, months skipped)
    or with arrears; the offer changes nothing (they are the riskiest of the campaign);
  - **sleeping dogs**: not lost, with ``SLEEPING_DOG_COMPLAINTS`` or more complaints in the six
    months; contact itself triples their hazards, accepted or not (risky, and hurt);
  - **persuadables**: everyone else chosen; accepting cuts their hazards to 0.1, being treated
    without accepting to 0.6 (the least risky of the campaign, and the ones it keeps).

  So churn risk and uplift are not aligned: ranking the campaign by risk puts lost causes and
  sleeping dogs first.
"""
from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator

import numpy as np
import polars as pl

from lib.demo.world import (
    ACCEPT_SHARE,
    BASE_HAZARD,
    BEHAVIOUR_BY_BRAND,
    BRANDS,
    BRAND_BY_AGE,
    BURN_IN_MONTHS,
    CAMPAIGN_MIN_TIER,
    CAMPAIGN_SHARE,
    CHURN_TYPES,
    COMPLAINT_RATE,
    CONTRACTS,
    CONTRACT_BY_BRAND,
    CONTRACT_RISK,
    CONTROL_SHARE,
    DATA_GB_PER_CNY,
    DOWNGRADE_BY_BRAND,
    ELEVATED_RISK_QUANTILE,
    FRAILTY_SCALE,
    FRAILTY_SHAPE,
    INITIAL_BALANCE_MONTHS,
    INVOLUNTARY_BY_TIER,
    NEW_SAME_MONTH_CHURN,
    OFFER_EFFECT,
    OFFER_ID,
    SLEEPING_DOG_COMPLAINTS,
    OLDEST_TENURE_MONTHS,
    PAYMENTS,
    PAYMENT_BY_BRAND,
    PLAN_FEES,
    POINTS_MONTHS,
    POINTS_PER_CNY,
    REASONS,
    REASON_P,
    ROAMING_SHARE,
    SEASON,
    SELECTION_PER_MONTH,
    SKIP_BETA,
    SKIPPER_MAX,
    SKIPPER_SHARE,
    SMS_PER_MONTH,
    SPEND_LEVEL,
    TENURE_POINTS_BONUS,
    TIER_RISK,
    TOPUP_EARLY,
    TOPUP_MONTHS,
    TOPUP_MONTHS_P,
    TOPUP_ROUND_FROM,
    TOPUP_ROUND_LARGE,
    TOPUP_ROUND_SMALL,
    TOPUP_WHEN_LOW,
    VALUE_DECLINE_SKIP,
    VOICE_MIN_PER_CNY,
    World,
)
from lib.rules import default_rules
from lib.store.schema import CONTRACT_COLUMNS, SPEND_MONTHS, contract_dtypes

EPOCH = dt.date(1970, 1, 1).toordinal()


def _cumulative(table: np.ndarray) -> np.ndarray:
    """Row-wise cumulative probabilities of a (groups, options) table."""
    cum = np.cumsum(table / table.sum(axis=1, keepdims=True), axis=1)
    cum[cum > 1 - 1e-9] = 2.0  # never passed by a uniform draw: no index beyond the last option
    return cum


def _draw(rng: np.random.Generator, group: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Draw an option index per row from ``table[group]`` probabilities (int8)."""
    cum = _cumulative(np.asarray(table, dtype=np.float64)).astype(np.float32)
    u = rng.random(group.size, dtype=np.float32)
    return (u[:, None] >= cum[group]).sum(axis=1).astype(np.int8)


def _month_start(m: int) -> tuple[int, int]:
    """Day number (days since 1970-01-01) of the first day of month index ``m``, and its length."""
    year, month = divmod(m, 12)
    return dt.date(year, month + 1, 1).toordinal() - EPOCH, calendar.monthrange(year, month + 1)[1]


# --- customers --------------------------------------------------------------------------------

def _new_customers(rng: np.random.Generator, world: World, n: int, m: int,
                   initial: bool, first_id: int) -> dict[str, np.ndarray]:
    """Draw ``n`` customers active at month ``m``: joined in ``m``, or before it when ``initial``.

    The initial base has survivor-shaped tenures (up to 15 years) and frailties lowered by the
    survival selection. Spend levels are CNY per month; points and arrears start near equilibrium.
    """
    day0, days = _month_start(m)
    if initial:  # tenure density of survivors: (1 + a t)^-2 on [0, T], drawn by inverse CDF
        a = FRAILTY_SCALE * SELECTION_PER_MONTH
        c = 1 - 1 / (1 + a * OLDEST_TENURE_MONTHS)
        tenure = (1 / (1 - rng.random(n) * c) - 1) / a
        join = day0 - 1 - np.floor(tenure * 30.44).astype(np.int32)
        scale = FRAILTY_SCALE / (1 + a * tenure)
    else:
        tenure = np.zeros(n)
        join = day0 + rng.integers(0, days, n).astype(np.int32)
        scale = np.full(n, FRAILTY_SCALE)
    age_at_join = np.clip(rng.normal(33, 12, n), 18, 75)
    order = np.argsort(join, kind="stable")
    join, tenure, scale, age_at_join = join[order], tenure[order], scale[order], age_at_join[order]
    age = np.minimum(age_at_join + tenure / 12, 78)
    band = np.digitize(age_at_join, [26, 46]).astype(np.int8)
    brand = _draw(rng, band, BRAND_BY_AGE)
    province = rng.choice(len(world.province_names), n, p=world.province_p).astype(np.int16)
    city = world.city_offset[province] + _draw(rng, province, world.city_table)
    grid = world.grid_offset[city] + (rng.random(n) * world.city_grids[city]).astype(np.int32)
    key_person = rng.random(n) < np.where(brand == 0, 0.015, 0.001)
    group_paid = rng.random(n) < np.where(brand == 0, 0.07, 0.006)
    median = np.array([s[0] for s in SPEND_LEVEL])[brand]
    sigma = np.array([s[1] for s in SPEND_LEVEL])[brand]
    level = median * np.exp(sigma * rng.standard_normal(n)) * np.where(key_person, 1.8, 1.0)
    level = np.clip(level, 5, 8000).astype(np.float32)
    plan = np.zeros(n, dtype=np.int16)
    for b, fees in enumerate(PLAN_FEES):
        idx = np.searchsorted(fees, level * 1.1, side="right") - 1
        plan = np.where(brand == b, world.plan_offset[b] + np.clip(idx, 0, len(fees) - 1), plan)
    behaviour = _draw(rng, brand, BEHAVIOUR_BY_BRAND)
    behaviour = np.where((age > 62) & (rng.random(n) < 0.5), 0, behaviour).astype(np.int8)
    payment = _draw(rng, brand, PAYMENT_BY_BRAND)
    points_rate = POINTS_PER_CNY[brand] * (1 + TENURE_POINTS_BONUS * np.minimum(tenure / 12, 10))
    points = POINTS_MONTHS * level * points_rate * (1 - (1 - 1 / POINTS_MONTHS) ** tenure)
    hist = np.full((SPEND_MONTHS, n), np.nan, dtype=np.float32)
    if initial:  # the six months before the start, for customers who had joined by then
        for k in range(1, SPEND_MONTHS + 1):
            mk = m - k
            had_joined = join < _month_start(mk)[0]
            noise = np.exp(0.1 * rng.standard_normal(n)).astype(np.float32)
            hist[mk % SPEND_MONTHS] = np.where(had_joined, level * noise, np.nan)
    frailty = rng.gamma(FRAILTY_SHAPE, scale).astype(np.float32)
    skipper = rng.random(n) < np.minimum(SKIPPER_SHARE * frailty, SKIPPER_MAX)
    skip = np.where(skipper, rng.beta(*SKIP_BETA, n), 0.0).astype(np.float32)
    # joiners activate with a first top-up; the initial base holds some balance already
    balance = level * rng.uniform(0, INITIAL_BALANCE_MONTHS, n) if initial else np.zeros(n)
    return {
        "cid": np.arange(first_id, first_id + n, dtype=np.int64),
        "join": join.astype(np.int32),
        "birth": (m - np.floor(age * 12)).astype(np.int32),
        "male": rng.random(n) < 0.52,
        "province": province, "city": city.astype(np.int16), "grid": grid.astype(np.int32),
        "brand": brand, "plan": plan, "contract": _draw(rng, brand, CONTRACT_BY_BRAND),
        "payment": payment, "behaviour": behaviour,
        "key_person": key_person, "group_paid": group_paid,
        "level": level,
        "drift": rng.normal(-0.0005, 0.006, n).astype(np.float32),
        "frailty": frailty,
        "skip": skip,  # probability of leaving a month unused (0 for most customers)
        "balance": np.where(payment == 0, balance, 0.0).astype(np.float32),  # prepaid, CNY
        "points": points.astype(np.float32),
        "arrears": np.zeros(n, dtype=np.float32),
        "pending": np.zeros(n, dtype=np.int8),  # 0 none, 3 value decline, 4 involuntary
        "pending_left": np.zeros(n, dtype=np.int8),
        "offer": np.zeros(n, dtype=np.int8),  # 0 none, 1 control, 2 treated, 3 accepted
        "response": np.zeros(n, dtype=np.int8),  # RESPONSE_GROUPS index, set at contact
        "contact": np.full(n, -1, dtype=np.int32),
        "hist": hist,
        "complaints": np.zeros((SPEND_MONTHS, n), dtype=np.int8),
    }


def _take(base: dict[str, np.ndarray], keep: np.ndarray) -> dict[str, np.ndarray]:
    """Rows of a state dict selected by a boolean mask or index array."""
    return {k: (v[:, keep] if v.ndim == 2 else v[keep]) for k, v in base.items()}


def _concat(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Stack two state dicts row-wise."""
    return {k: np.concatenate([a[k], b[k]], axis=a[k].ndim - 1) for k in a}


def _tier(base: dict[str, np.ndarray], bounds: np.ndarray, points_min: float) -> np.ndarray:
    """Star tier 1-6 from the mean spend of the stored months (CNY), points and key person."""
    hist = base["hist"]
    filled = ~np.isnan(hist)
    count = filled.sum(axis=0)
    avg = np.where(filled, hist, 0).sum(axis=0) / np.maximum(count, 1)
    avg = np.where(count > 0, avg, base["level"])
    tier = np.searchsorted(bounds, avg, side="right").astype(np.int8)
    six = (base["points"] >= points_min) | base["key_person"]
    return np.where(six, 6, np.clip(tier, 1, 5)).astype(np.int8)


def _static_risk(base: dict[str, np.ndarray], tier: np.ndarray, m: int) -> np.ndarray:
    """Voluntary churn risk multiplier from tier, contract, payment, group payment and age."""
    age = (m - base["birth"]) // 12
    return (TIER_RISK[tier] * CONTRACT_RISK[base["contract"]]
            * np.where(base["payment"] == 0, 1.2, 1.0).astype(np.float32)
            * np.where(base["group_paid"], 0.4, 1.0).astype(np.float32)
            * np.where(age < 26, 1.3, np.where(age >= 60, 0.8, 1.0)).astype(np.float32))


def _risk(base: dict[str, np.ndarray], tier: np.ndarray, day0: int, m: int) -> np.ndarray:
    """Voluntary churn risk multiplier (mean about 1) of the base at the start of a month:
    the static risk times tenure (high in the first 3 months), complaints and frailty."""
    tenure = (day0 - base["join"]) / 30.44
    tenure_risk = np.select([tenure < 3, tenure < 12, tenure < 36], [2.8, 1.4, 1.0], 0.8)
    complaints = base["complaints"].sum(axis=0)
    return (_static_risk(base, tier, m) * tenure_risk.astype(np.float32)
            * (1 + 0.7 * np.minimum(complaints, 4)).astype(np.float32) * base["frailty"])


def _involuntary_hazard(base: dict[str, np.ndarray], tier: np.ndarray) -> np.ndarray:
    """Monthly hazard of entering an arrears spell: up with arrears, prepaid and low tiers."""
    return (BASE_HAZARD["involuntary"] * INVOLUNTARY_BY_TIER[tier]
            * (1 + 6 * (base["arrears"] > 0)) * np.where(base["payment"] == 0, 1.4, 1.0)
            * ~base["group_paid"])


def _events(rng: np.random.Generator, base: dict[str, np.ndarray], tier: np.ndarray,
            risk: np.ndarray) -> np.ndarray:
    """Churn type code (0 none, 1 switch, 2 downgrade, 3 value decline, 4 involuntary) per row.

    Customers entering a value-decline or arrears spell are marked pending: they leave at its
    end, a spell lasting 2-4 resp. 2-3 months with the churn month; ``base`` is updated in place.
    """
    n = tier.size
    pending, left = base["pending"], base["pending_left"]
    voluntary = risk * OFFER_EFFECT[base["response"], base["offer"]]
    inv = _involuntary_hazard(base, tier)
    cum = np.cumsum(np.minimum(np.stack([
        BASE_HAZARD["switch"] * voluntary,
        BASE_HAZARD["downgrade"] * DOWNGRADE_BY_BRAND[base["brand"]] * voluntary,
        BASE_HAZARD["value_decline"] * voluntary,
        inv,
    ]), 0.25), axis=0)
    u = rng.random(n, dtype=np.float32)
    draw = (u[None, :] >= cum).sum(axis=0)  # 0..3 an event, 4 none
    draw = np.where(pending > 0, 4, draw)
    churn = np.where(draw < 2, draw + 1, 0).astype(np.int8)
    due = (pending > 0) & (left <= 0)
    churn = np.where(due, pending, churn).astype(np.int8)
    left -= (pending > 0).astype(np.int8)
    starts = draw >= 2
    starts &= draw < 4
    pending[starts] = draw[starts] + 1
    left[starts] = np.where(draw[starts] == 2, rng.integers(0, 3, starts.sum()),
                            rng.integers(0, 2, starts.sum()))
    return churn


def _campaign(rng: np.random.Generator, base: dict[str, np.ndarray], tier: np.ndarray,
              risk: np.ndarray, day0: int, days: int) -> None:
    """Run the retention campaign on the base at the start of a month (updates ``base``).

    ``CAMPAIGN_SHARE`` of the customers of tier ``CAMPAIGN_MIN_TIER`` and up, drawn from those
    at elevated risk (top ``1 - ELEVATED_RISK_QUANTILE`` of voluntary risk, or in a value-decline
    spell; a quantile of 0 takes them all); a random
    ``CONTROL_SHARE`` is held out; ``ACCEPT_SHARE`` of the treated accept. Each chosen customer's
    response group (module docstring) is fixed here from their state before contact.
    """
    eligible = tier >= CAMPAIGN_MIN_TIER
    if not eligible.any():
        return
    cut = np.quantile(risk[eligible], ELEVATED_RISK_QUANTILE)
    elevated = np.flatnonzero(eligible & ((risk >= cut) | (base["pending"] == 3)))
    size = min(int(round(CAMPAIGN_SHARE * eligible.sum())), elevated.size)
    chosen = np.sort(rng.choice(elevated, size, replace=False))
    treated = rng.random(size) >= CONTROL_SHARE
    accepted = treated & (rng.random(size) < ACCEPT_SHARE)
    base["offer"][chosen] = np.where(accepted, 3, np.where(treated, 2, 1))
    base["contact"][chosen] = np.where(treated, day0 + rng.integers(0, days, size), -1)
    lost = (base["pending"][chosen] > 0) | (base["arrears"][chosen] > 0)
    complained = base["complaints"][:, chosen].sum(axis=0) >= SLEEPING_DOG_COMPLAINTS
    base["response"][chosen] = np.where(lost, 3, np.where(complained, 2, 1))


def _reasons(rng: np.random.Generator, churn: np.ndarray, complained: np.ndarray) -> np.ndarray:
    """Reason code index per row (-1 when not churned), consistent with the churn type."""
    reason = np.full(churn.size, -1, dtype=np.int8)
    keys = ("switch", "downgrade", "value_decline", "involuntary")
    for code, key in enumerate(keys, start=1):
        rows = np.flatnonzero(churn == code)
        if key == "switch":
            plain = rng.choice(len(REASONS), rows.size, p=REASON_P["switch"])
            upset = rng.choice(len(REASONS), rows.size, p=REASON_P["switch_complained"])
            reason[rows] = np.where(complained[rows], upset, plain)
        else:
            reason[rows] = rng.choice(len(REASONS), rows.size, p=REASON_P[key])
    return reason


# --- one month --------------------------------------------------------------------------------

def _used(rng: np.random.Generator, rows: dict[str, np.ndarray], m: int, day0: int, days: int,
          churn_day: np.ndarray) -> np.ndarray:
    """What each customer uses in month ``m`` (CNY): level with drift, seasonality and noise;
    partial months pro rata for joiners and churners; value-decliners lose 20-45 % of their
    level a month. Month-skippers and value-decliners leave some months unused (0); joiners
    use their first month."""
    n = rows["level"].size
    shock = rows["drift"] + 0.03 * rng.standard_normal(n, dtype=np.float32)
    decline = np.where(rows["pending"] == 3, rng.uniform(0.55, 0.8, n), 1.0).astype(np.float32)
    rows["level"] = np.clip(rows["level"] * np.exp(shock) * decline, 3, 20000).astype(np.float32)
    first = np.maximum(rows["join"], day0)
    last = np.where(churn_day >= 0, churn_day, day0 + days - 1)
    share = np.maximum((last - first + 1) / days, 0.1)
    noise = np.exp(0.1 * rng.standard_normal(n, dtype=np.float32))
    skip = np.minimum(rows["skip"] + VALUE_DECLINE_SKIP * (rows["pending"] == 3), 0.95)
    unused = (rng.random(n, dtype=np.float32) < skip) & (rows["join"] < day0)
    used = np.round(rows["level"] * SEASON[m % 12] * noise * share, 2)
    return np.where(unused, 0.0, used).astype(np.float32)


def _spend(rng: np.random.Generator, rows: dict[str, np.ndarray], used: np.ndarray) -> np.ndarray:
    """Spend in the month (CNY): what post-paid customers used; prepaid customers' top-ups.

    A prepaid balance falls by what is used; a customer who used the line tops up when the
    balance is negative, with probability ``TOPUP_WHEN_LOW`` when it would not cover another
    month at their level, else ``TOPUP_EARLY``. A top-up buys 1-6 months of their level
    (``TOPUP_MONTHS``) plus any shortfall, in round amounts; ``rows["balance"]`` is updated.
    """
    n = used.size
    prepaid = rows["payment"] == 0
    balance = rows["balance"] - used
    chance = np.where(balance < 0, 1.0, np.where(balance < rows["level"], TOPUP_WHEN_LOW,
                                                 TOPUP_EARLY))
    tops = prepaid & (used > 0) & (rng.random(n, dtype=np.float32) < chance)
    months = TOPUP_MONTHS[rng.choice(TOPUP_MONTHS.size, n, p=TOPUP_MONTHS_P)]
    wanted = np.maximum(-balance, 0) + months * rows["level"]
    unit = np.where(wanted <= TOPUP_ROUND_FROM, TOPUP_ROUND_SMALL, TOPUP_ROUND_LARGE)
    amount = np.where(tops, np.ceil(wanted / unit) * unit, 0.0)
    rows["balance"] = np.where(prepaid, balance + amount, 0.0).astype(np.float32)
    return np.where(prepaid, amount, used).astype(np.float32)


def _usage(rng: np.random.Generator, rows: dict[str, np.ndarray],
           spend: np.ndarray) -> dict[str, np.ndarray]:
    """Usage in the month from what was used (CNY, not a prepaid top-up) and behaviour type:
    GB, minutes, calls, SMS, roaming min; none in an unused month."""
    n, b = spend.size, rows["behaviour"]

    def noise(sigma: float) -> np.ndarray:
        return np.exp(sigma * rng.standard_normal(n, dtype=np.float32))

    voice = np.round(spend * VOICE_MIN_PER_CNY[b] * noise(0.35))
    roams = rng.random(n, dtype=np.float32) < ROAMING_SHARE[b]
    return {
        "data_gb": np.round(spend * DATA_GB_PER_CNY[b] * noise(0.35), 2),
        "voice_minutes": voice,
        "outgoing_calls": np.round(voice * 0.55 / 2.6 * noise(0.25)),
        "sms": np.where(spend > 0, rng.poisson(SMS_PER_MONTH[b]), 0).astype(np.float32),
        "roaming": np.where(roams, np.round(voice * rng.uniform(0.05, 0.3, n)), 0.0),
    }


def _update_arrears(rng: np.random.Generator, rows: dict[str, np.ndarray],
                    spend: np.ndarray) -> None:
    """Arrears (CNY): unpaid bills pile up in an involuntary spell; otherwise occasional late
    payers (post-paid) and small negative balances (prepaid), cleared the next month."""
    n = spend.size
    postpaid = (rows["payment"] == 1) | (rows["payment"] == 2)
    late = rng.random(n) < np.where(postpaid, 0.03, 0.008)
    casual = np.where(postpaid, spend * rng.uniform(0.2, 1.0, n), rng.uniform(1, 20, n))
    spell = rows["pending"] == 4
    owed = np.where(spell, rows["arrears"] + spend * rng.uniform(0.7, 1.0, n) + 5,
                    np.where(late & ~rows["group_paid"], casual, 0.0))
    rows["arrears"] = np.round(owed, 2).astype(np.float32)


def _frame(world: World, rows: dict[str, np.ndarray], m: int, snapshot_day: int,
           churn: np.ndarray, churn_day: np.ndarray, reason: np.ndarray,
           service_calls: np.ndarray, usage: dict, id_width: int) -> pl.DataFrame:
    """Assemble one snapshot frame in the contract's column order and dtypes."""
    spend = {f"spend_m{k}": rows["hist"][(m - k + 1) % SPEND_MONTHS] for k in range(1, SPEND_MONTHS + 1)}
    raw = pl.DataFrame({
        "cid": rows["cid"], "join": rows["join"], "churn": churn, "churn_day": churn_day,
        "reason": reason, **spend, "province": rows["province"], "city": rows["city"],
        "grid": rows["grid"], "points": np.round(rows["points"]), "key_person": rows["key_person"],
        "group_paid": rows["group_paid"], "brand": rows["brand"], "plan": rows["plan"],
        "contract": rows["contract"], "payment": rows["payment"], **usage,
        "complaints": rows["complaints"].sum(axis=0, dtype=np.int64),
        "service_calls": service_calls, "arrears": rows["arrears"],
        "age": np.clip((m - rows["birth"]) // 12, 18, 80), "male": rows["male"],
        "offer": rows["offer"], "contact": rows["contact"],
    })

    def names(col: str, labels: list[str] | tuple[str, ...], start: int = 0) -> pl.Expr:
        """Label of each code (``start`` = code of the first label; lower codes give null)."""
        index = pl.col(col).cast(pl.Int64) - start
        return pl.lit(pl.Series(list(labels), dtype=pl.String)).gather(
            pl.when(index >= 0).then(index))

    churned = pl.col("churn") > 0
    offered = pl.col("offer") > 0
    out = {
        "customer_id": pl.concat_str(pl.lit("C"),
                                     pl.col("cid").cast(pl.String).str.zfill(id_width)),
        "snapshot_date": pl.lit(snapshot_day).cast(pl.Date),
        "join_date": pl.col("join").cast(pl.Date),
        "churned": churned,
        "churn_date": pl.when(churned).then(pl.col("churn_day")).cast(pl.Date),
        "churn_type": names("churn", CHURN_TYPES, start=1),
        "churn_reason": names("reason", REASONS),
        **{c: pl.col(c).cast(pl.Float64).round(2).fill_nan(None) for c in spend},
        "province": names("province", world.province_names),
        "city": names("city", world.city_names),
        "district": names("grid", world.grid_names),
        "brand": names("brand", BRANDS), "plan": names("plan", world.plan_names),
        "contract": names("contract", CONTRACTS), "payment_method": names("payment", PAYMENTS),
        "gender": pl.when(pl.col("male")).then(pl.lit("M")).otherwise(pl.lit("F")),
        "offer_id": pl.when(offered).then(pl.lit(OFFER_ID)),
        "treated": pl.when(offered).then(pl.col("offer") >= 2),
        "accepted": pl.when(offered).then(pl.col("offer") == 3),
        "contact_date": pl.when(pl.col("contact") >= 0).then(pl.col("contact")).cast(pl.Date),
    }
    for c in ("points", "voice_minutes", "outgoing_calls", "sms", "roaming"):
        out[c] = pl.col(c).cast(pl.Float64).round(0)
    for c in ("data_gb", "arrears"):
        out[c] = pl.col(c).cast(pl.Float64).round(2)
    dtypes = contract_dtypes()
    exprs = [(out[c] if c in out else pl.col(c) if c in raw.columns else pl.lit(None))
             .cast(dtypes[c]).alias(c) for c in CONTRACT_COLUMNS]
    return raw.select(exprs)


class _Simulation:
    """Month-by-month state of the base; ``step`` advances one month."""

    def __init__(self, customers: int, first_month: int, seed: int, campaign_month: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.world = World()
        rules = default_rules()
        self.bounds = np.array(rules.tier_spend_min, dtype=np.float32)
        self.points_min = rules.six_star_points_min
        self.campaign_month = campaign_month
        self.id_width = max(7, len(str(2 * customers)))
        start = first_month - BURN_IN_MONTHS
        n0 = max(1, int(round(customers / 1.035)))
        self.base = self._first_base(n0, start)
        self.next_id = n0 + 1
        self.month = start

    def _first_base(self, n: int, m: int) -> dict[str, np.ndarray]:
        """The base at month ``m``: candidates drawn like joiners, kept with probability
        proportional to their expected lifetime (1 / hazard), so the base mix is near its
        steady state and does not drift over the snapshots. Ids follow join dates."""
        cand = _new_customers(self.rng, self.world, 2 * n, m, True, 1)
        tier = _tier(cand, self.bounds, self.points_min)
        voluntary = BASE_HAZARD["switch"] + BASE_HAZARD["value_decline"] + BASE_HAZARD[
            "downgrade"] * DOWNGRADE_BY_BRAND[cand["brand"]]
        hazard = voluntary * _static_risk(cand, tier, m) + _involuntary_hazard(cand, tier)
        keys = np.log(self.rng.random(2 * n)) * hazard  # Efraimidis-Spirakis: weight 1/hazard
        keep = np.sort(np.argpartition(-keys, n - 1)[:n])
        base = _take(cand, keep)
        base["cid"] = np.arange(1, n + 1, dtype=np.int64)
        return base

    def step(self, emit: bool) -> pl.DataFrame | None:
        """Simulate the current month; return its snapshot frame when ``emit``."""
        rng, m, base = self.rng, self.month, self.base
        day0, days = _month_start(m)
        tier = _tier(base, self.bounds, self.points_min)
        risk = _risk(base, tier, day0, m)
        churn = _events(rng, base, tier, risk)
        if m == self.campaign_month:
            _campaign(rng, base, tier, risk, day0, days)
        lost = int((churn > 0).sum())
        adds = int(round(lost / rng.uniform(0.90, 1.02)))
        new = _new_customers(rng, self.world, adds, m, False, self.next_id)
        self.next_id += adds
        new_churn = np.where(rng.random(adds) < NEW_SAME_MONTH_CHURN, 1, 0).astype(np.int8)
        rows = _concat(base, new)
        churn = np.concatenate([churn, new_churn])
        n = churn.size
        first = np.maximum(rows["join"], day0)
        churn_day = np.where(churn > 0, first + (rng.random(n) * (day0 + days - first)).astype(
            np.int32), -1).astype(np.int32)
        used = _used(rng, rows, m, day0, days, churn_day)
        spend = _spend(rng, rows, used)
        rows["hist"][m % SPEND_MONTHS] = spend
        pending_now = (rows["pending"] > 0) | (churn > 0)
        rate = COMPLAINT_RATE * np.where(rows["behaviour"] == 1, 1.6, 1.0) * np.where(
            pending_now, 3.0, 1.0)
        complaints_now = rng.poisson(rate).astype(np.int8)
        rows["complaints"][m % SPEND_MONTHS] = complaints_now
        tenure_years = (day0 - rows["join"]) / 365.25
        earned = spend * POINTS_PER_CNY[rows["brand"]] * (
            1 + TENURE_POINTS_BONUS * np.clip(tenure_years, 0, 10))
        rows["points"] = (rows["points"] * (1 - 1 / POINTS_MONTHS) + earned).astype(np.float32)
        _update_arrears(rng, rows, spend)
        frame = None
        if emit:
            complained = rows["complaints"].sum(axis=0) > 0
            reason = _reasons(rng, churn, complained)
            service_calls = rng.poisson(0.12 + 1.0 * complaints_now + 0.6 * (rows["arrears"] > 0)
                                        + 0.4 * pending_now).astype(np.int64)
            usage = _usage(rng, rows, used)
            frame = _frame(self.world, rows, m, day0 + days - 1, churn, churn_day, reason,
                           service_calls, usage, self.id_width)
        self.base = _take(rows, churn == 0)
        self.month += 1
        return frame


def generate_snapshots(customers: int = 100_000, snapshots: int = 12, seed: int = 7,
                       last_snapshot: dt.date = dt.date(2026, 10, 31)) -> Iterator[pl.DataFrame]:
    """Yield one contract frame per monthly snapshot, oldest first.

    Parameters
    ----------
    customers : about how many customers the last snapshot holds (the base is stable).
    snapshots : number of monthly snapshots; their dates are month ends.
    seed : seed of ``numpy.random.default_rng``; the same arguments give identical frames.
    last_snapshot : date of the last snapshot; must be the last day of a month.

    Yields
    ------
    ``polars.DataFrame`` with every ``lib.store.schema`` contract column in contract dtypes, one row
    per customer active at some time in the month (``arpu`` and ``tenure_months`` are null;
    ``lib.pipeline.derive.derive`` fills what follows from the rest). ``customer_id`` ("C0000001") is
    stable across snapshots. Campaign columns: ``offer_id`` is set on the campaign's customers
    from snapshot ``snapshots // 2`` on (carried forward), ``treated`` False for the control
    group, ``accepted`` True only for treated customers who took the offer, ``contact_date``
    in the campaign month for the treated and null for the control group.

    Example
    -------
    >>> frames = list(generate_snapshots(customers=1000, snapshots=3))
    >>> [f["snapshot_date"][0].isoformat() for f in frames]
    ['2026-08-31', '2026-09-30', '2026-10-31']
    """
    if customers < 1 or snapshots < 1:
        raise ValueError("customers and snapshots must be at least 1")
    if (last_snapshot + dt.timedelta(days=1)).day != 1:
        month_end = calendar.monthrange(last_snapshot.year, last_snapshot.month)[1]
        raise ValueError(f"last_snapshot {last_snapshot} is not a month end; "
                         f"use e.g. {last_snapshot.replace(day=month_end)}")
    last_month = last_snapshot.year * 12 + last_snapshot.month - 1
    first_month = last_month - snapshots + 1
    sim = _Simulation(customers, first_month, seed, first_month + snapshots // 2)
    for _ in range(BURN_IN_MONTHS):
        sim.step(emit=False)
    for _ in range(snapshots):
        yield sim.step(emit=True)
