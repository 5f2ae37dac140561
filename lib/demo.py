"""Seeded, deterministic demo data: a mobile operator's customer base, one frame per month.

``generate_snapshots`` simulates the base month by month with vectorised numpy on carried
state arrays (memory grows with one snapshot, not with the number of months) and yields one
polars frame per monthly snapshot in the contract's names and dtypes (``lib.schema``). The
caller applies ``lib.derive.derive``; nothing derived is added here.

A snapshot for month M holds everyone active at some time in M: the base at the start of M
plus the customers who joined in M. Churners of M carry ``churned=True`` with a churn date,
type and reason in M and are gone from later snapshots. Units: money in CNY per month,
data in GB, voice and roaming in minutes, points in loyalty points.

The world it draws (shapes taken from DOMAIN.md):

* Spend levels by brand are log-normal with a heavy premium tail, so 4-star-and-up customers
  are 5-10 % of the base and bring more than half of the revenue.
* Churn runs through competing monthly hazards: switching operator (most common), brand
  downgrade, value decline (spend falls for 2-4 months, then the customer leaves) and
  involuntary suspension (arrears build up for 2-3 months first). Voluntary hazards rise in the
  first months of tenure, after complaints, for prepaid and young customers, fall with tier,
  contract and group payment, and differ by a per-customer frailty.
* Gross adds follow churn (churn/gross-add ratio about 0.9-1.05), so the base is stable.
* One past retention campaign, at snapshot index ``snapshots // 2``: 10 % of the active 3-star+
  customers, drawn from those at elevated risk, get ``OFFER_ID``; 80 % treated, 20 % control;
  30 % of the treated accept, which lowers their hazards from the next month on.
"""
from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator

import numpy as np
import polars as pl

from lib.rules import default_rules
from lib.schema import CONTRACT_COLUMNS, SPEND_MONTHS, contract_dtypes

# --- the world's lookup tables -------------------------------------------------------------

#: Mainland provinces: (name, population in millions, 2020 census), then cities, largest first.
#: Municipalities list districts as their "cities", as their operators' branches do.
PROVINCES: tuple[tuple[str, float, tuple[str, ...]], ...] = (
    ("广东", 126.0, ("广州", "深圳", "东莞", "佛山", "惠州", "汕头")),
    ("山东", 101.5, ("济南", "青岛", "烟台", "潍坊", "临沂", "淄博")),
    ("河南", 99.4, ("郑州", "洛阳", "南阳", "新乡", "商丘")),
    ("江苏", 84.7, ("苏州", "南京", "无锡", "徐州", "常州", "南通")),
    ("四川", 83.7, ("成都", "绵阳", "宜宾", "南充", "德阳")),
    ("河北", 74.6, ("石家庄", "保定", "唐山", "邯郸", "廊坊")),
    ("湖南", 66.4, ("长沙", "衡阳", "株洲", "岳阳", "常德")),
    ("浙江", 64.6, ("杭州", "宁波", "温州", "金华", "绍兴", "嘉兴")),
    ("安徽", 61.0, ("合肥", "阜阳", "芜湖", "安庆", "蚌埠")),
    ("湖北", 57.8, ("武汉", "襄阳", "宜昌", "荆州", "黄冈")),
    ("广西", 50.1, ("南宁", "柳州", "桂林", "玉林")),
    ("云南", 47.2, ("昆明", "曲靖", "玉溪", "大理")),
    ("江西", 45.2, ("南昌", "赣州", "九江", "上饶")),
    ("辽宁", 42.6, ("沈阳", "大连", "鞍山", "锦州")),
    ("福建", 41.5, ("福州", "厦门", "泉州", "漳州")),
    ("陕西", 39.5, ("西安", "咸阳", "宝鸡", "榆林")),
    ("贵州", 38.6, ("贵阳", "遵义", "毕节", "六盘水")),
    ("山西", 34.9, ("太原", "运城", "大同", "长治")),
    ("重庆", 32.1, ("渝北区", "九龙坡区", "江北区", "渝中区", "万州区")),
    ("黑龙江", 31.9, ("哈尔滨", "大庆", "齐齐哈尔", "牡丹江")),
    ("新疆", 25.9, ("乌鲁木齐", "喀什", "克拉玛依")),
    ("甘肃", 25.0, ("兰州", "天水", "白银", "酒泉")),
    ("上海", 24.9, ("浦东新区", "闵行区", "宝山区", "松江区", "徐汇区")),
    ("吉林", 24.1, ("长春", "吉林", "四平", "通化")),
    ("内蒙古", 24.0, ("呼和浩特", "包头", "鄂尔多斯", "赤峰")),
    ("北京", 21.9, ("朝阳区", "海淀区", "丰台区", "西城区", "东城区")),
    ("天津", 13.9, ("滨海新区", "南开区", "河西区", "和平区")),
    ("海南", 10.1, ("海口", "三亚", "儋州")),
    ("宁夏", 7.2, ("银川", "石嘴山", "吴忠")),
    ("青海", 5.9, ("西宁", "海东")),
    ("西藏", 3.6, ("拉萨", "日喀则")),
)
#: Relative size of a province's cities by rank (largest first).
CITY_RANK_WEIGHTS = (3.0, 2.2, 1.4, 1.1, 0.9, 0.8)
#: Sales grids per city by rank.
GRIDS_BY_RANK = (20, 14, 10, 8, 6, 6)

#: Brands: premium post-paid, youth, mass prepaid. Index = brand code.
BRANDS = ("全球通", "动感地带", "神州行")
#: Plan fees (CNY per month) per brand; plan name = brand + fee + "元套餐".
PLAN_FEES = ((58, 88, 128, 158, 238, 388, 588), (18, 28, 38, 58, 88), (8, 18, 28, 38, 58))
#: Spend level per brand: (median CNY per month, log-normal sigma).
SPEND_LEVEL = ((80.0, 1.3), (36.0, 0.6), (19.0, 0.6))
#: Brand shares by age band (<26, 26-45, 46+).
BRAND_BY_AGE = np.array([[0.10, 0.65, 0.25], [0.22, 0.25, 0.53], [0.19, 0.06, 0.75]])
CONTRACTS = ("none", "12m", "24m")
CONTRACT_BY_BRAND = np.array([[0.40, 0.25, 0.35], [0.70, 0.20, 0.10], [0.90, 0.10, 0.00]])
PAYMENTS = ("prepaid", "postpaid_bank", "postpaid_cash", "wechat_pay")
PAYMENT_BY_BRAND = np.array([[0.00, 0.60, 0.15, 0.25], [0.40, 0.20, 0.00, 0.40],
                             [0.80, 0.00, 0.00, 0.20]])
#: Behaviour types: light, data-heavy, voice-heavy business, balanced.
BEHAVIOUR_BY_BRAND = np.array([[0.05, 0.20, 0.45, 0.30], [0.10, 0.60, 0.05, 0.25],
                               [0.55, 0.05, 0.10, 0.30]])
#: Usage per CNY of spend by behaviour type: data GB, voice minutes; SMS per month; roaming share.
DATA_GB_PER_CNY = np.array([0.05, 0.35, 0.06, 0.15], dtype=np.float32)
VOICE_MIN_PER_CNY = np.array([3.0, 1.0, 4.0, 2.5], dtype=np.float32)
SMS_PER_MONTH = np.array([8.0, 3.0, 15.0, 6.0], dtype=np.float32)
ROAMING_SHARE = np.array([0.05, 0.08, 0.50, 0.10], dtype=np.float32)
#: Loyalty points per CNY of spend, by brand; bonus share per year of tenure (up to 10 years);
#: points lapse at 1 / POINTS_MONTHS a month, so a balance settles near POINTS_MONTHS months' worth.
TENURE_POINTS_BONUS, POINTS_MONTHS = 0.06, 36
POINTS_PER_CNY = np.array([0.8, 0.6, 0.5], dtype=np.float32)
#: Seasonality of spend by calendar month (January first).
SEASON = np.array([1.02, 1.06, 0.98, 0.98, 1.0, 1.0, 1.03, 1.04, 1.0, 1.0, 1.0, 1.03],
                  dtype=np.float32)

CHURN_TYPES = ("switch", "downgrade", "value_decline", "involuntary")
#: Reason codes with probabilities per churn type (switch: without / after complaints).
REASONS = ("competitor_offer", "network_quality", "service_quality", "price", "relocation",
           "social_circle", "usage_drop", "family_plan", "second_sim", "non_payment",
           "real_name_check")
REASON_P = {
    "switch": (0.38, 0.20, 0.12, 0.15, 0.08, 0.07, 0, 0, 0, 0, 0),
    "switch_complained": (0.20, 0.35, 0.30, 0.08, 0.04, 0.03, 0, 0, 0, 0, 0),
    "downgrade": (0, 0, 0, 0.55, 0, 0, 0.30, 0.15, 0, 0, 0),
    "value_decline": (0, 0, 0, 0.20, 0, 0, 0.45, 0, 0.35, 0, 0),
    "involuntary": (0, 0, 0, 0, 0, 0, 0, 0, 0, 0.92, 0.08),
}

# --- hazards (per month) --------------------------------------------------------------------

BASE_HAZARD = {"switch": 0.0180, "downgrade": 0.0035, "value_decline": 0.0048,
               "involuntary": 0.0019}
DOWNGRADE_BY_BRAND = np.array([2.0, 1.0, 0.3], dtype=np.float32)
TIER_RISK = np.array([0, 1.25, 1.0, 0.8, 0.7, 0.6, 0.55], dtype=np.float32)
INVOLUNTARY_BY_TIER = np.array([0, 1.4, 1.0, 0.7, 0.35, 0.25, 0.2], dtype=np.float32)
CONTRACT_RISK = np.array([1.0, 0.65, 0.5], dtype=np.float32)
FRAILTY_SHAPE, FRAILTY_SCALE = 2.0, 0.5
#: Cumulative base hazard per month of tenure used for survivor selection of the first base.
SELECTION_PER_MONTH = 0.02
NEW_SAME_MONTH_CHURN = 0.012
COMPLAINT_RATE = 0.011
BURN_IN_MONTHS = 6
OLDEST_TENURE_MONTHS = 180

OFFER_ID = "OFFER_BONUS_50"
CAMPAIGN_SHARE, CONTROL_SHARE, ACCEPT_SHARE = 0.10, 0.20, 0.30
ELEVATED_RISK_QUANTILE = 0.6
#: Hazard multipliers after the campaign: control, treated not accepting, accepted.
OFFER_EFFECT = np.array([1.0, 1.0, 0.9, 0.45], dtype=np.float32)

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


class _World:
    """Static lookup tables: province, city, grid and plan names with their weights."""

    def __init__(self) -> None:
        self.province_names = [p[0] for p in PROVINCES]
        pop = np.array([p[1] for p in PROVINCES])
        self.province_p = pop / pop.sum()
        width = max(len(p[2]) for p in PROVINCES)
        self.city_table = np.zeros((len(PROVINCES), width))
        self.city_offset = np.zeros(len(PROVINCES), dtype=np.int16)
        self.city_names: list[str] = []
        grids: list[int] = []
        self.grid_names: list[str] = []
        for i, (_, _, cities) in enumerate(PROVINCES):
            self.city_offset[i] = len(self.city_names)
            self.city_table[i, : len(cities)] = CITY_RANK_WEIGHTS[: len(cities)]
            for rank, city in enumerate(cities):
                self.city_names.append(city)
                grids.append(GRIDS_BY_RANK[rank])
                self.grid_names += [f"{city}-网格{k:02d}"
                                    for k in range(1, GRIDS_BY_RANK[rank] + 1)]
        self.city_grids = np.array(grids, dtype=np.int16)
        self.grid_offset = np.concatenate([[0], np.cumsum(grids)[:-1]]).astype(np.int32)
        self.plan_names = [f"{brand}{fee}元套餐"
                           for brand, fees in zip(BRANDS, PLAN_FEES) for fee in fees]
        self.plan_offset = np.cumsum([0] + [len(f) for f in PLAN_FEES])[:-1]


def _month_start(m: int) -> tuple[int, int]:
    """Day number (days since 1970-01-01) of the first day of month index ``m``, and its length."""
    year, month = divmod(m, 12)
    return dt.date(year, month + 1, 1).toordinal() - EPOCH, calendar.monthrange(year, month + 1)[1]


# --- customers --------------------------------------------------------------------------------

def _new_customers(rng: np.random.Generator, world: _World, n: int, m: int,
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
    province = rng.choice(len(PROVINCES), n, p=world.province_p).astype(np.int16)
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
        "frailty": rng.gamma(FRAILTY_SHAPE, scale).astype(np.float32),
        "points": points.astype(np.float32),
        "arrears": np.zeros(n, dtype=np.float32),
        "pending": np.zeros(n, dtype=np.int8),  # 0 none, 3 value decline, 4 involuntary
        "pending_left": np.zeros(n, dtype=np.int8),
        "offer": np.zeros(n, dtype=np.int8),  # 0 none, 1 control, 2 treated, 3 accepted
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
    voluntary = risk * OFFER_EFFECT[base["offer"]]
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
              risk: np.ndarray, churn: np.ndarray, day0: int, days: int) -> None:
    """Run the retention campaign on the base at the start of a month (updates ``base``).

    ``CAMPAIGN_SHARE`` of the 3-star+ customers, drawn from those at elevated risk (top
    ``1 - ELEVATED_RISK_QUANTILE`` of voluntary risk, or in a value-decline spell); a random
    ``CONTROL_SHARE`` is held out; ``ACCEPT_SHARE`` of the treated accept, and an accepted offer
    ends a value-decline spell with probability 0.6 (unless the customer leaves this month).
    """
    eligible = tier >= 3
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
    staying = churn[chosen] == 0
    rescued = chosen[accepted & staying & (base["pending"][chosen] == 3)
                     & (rng.random(size) < 0.6)]
    base["pending"][rescued] = 0


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

def _spend(rng: np.random.Generator, rows: dict[str, np.ndarray], m: int, day0: int, days: int,
           churn_day: np.ndarray) -> np.ndarray:
    """Spend in month ``m`` (CNY): level with drift, seasonality and noise; partial months
    pro rata for joiners and churners; value-decliners lose 20-45 % of their level a month."""
    n = rows["level"].size
    shock = rows["drift"] + 0.03 * rng.standard_normal(n, dtype=np.float32)
    decline = np.where(rows["pending"] == 3, rng.uniform(0.55, 0.8, n), 1.0).astype(np.float32)
    rows["level"] = np.clip(rows["level"] * np.exp(shock) * decline, 3, 20000).astype(np.float32)
    first = np.maximum(rows["join"], day0)
    last = np.where(churn_day >= 0, churn_day, day0 + days - 1)
    share = np.maximum((last - first + 1) / days, 0.1)
    noise = np.exp(0.1 * rng.standard_normal(n, dtype=np.float32))
    return np.round(rows["level"] * SEASON[m % 12] * noise * share, 2).astype(np.float32)


def _usage(rng: np.random.Generator, rows: dict[str, np.ndarray],
           spend: np.ndarray) -> dict[str, np.ndarray]:
    """Usage in the month from spend and behaviour type: GB, minutes, calls, SMS, roaming min."""
    n, b = spend.size, rows["behaviour"]

    def noise(sigma: float) -> np.ndarray:
        return np.exp(sigma * rng.standard_normal(n, dtype=np.float32))

    voice = np.round(spend * VOICE_MIN_PER_CNY[b] * noise(0.35))
    roams = rng.random(n, dtype=np.float32) < ROAMING_SHARE[b]
    return {
        "data_gb": np.round(spend * DATA_GB_PER_CNY[b] * noise(0.35), 2),
        "voice_minutes": voice,
        "outgoing_calls": np.round(voice * 0.55 / 2.6 * noise(0.25)),
        "sms": rng.poisson(SMS_PER_MONTH[b]).astype(np.float32),
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


def _frame(world: _World, rows: dict[str, np.ndarray], m: int, snapshot_day: int,
           churn: np.ndarray, churn_day: np.ndarray, reason: np.ndarray,
           service_calls: np.ndarray, usage: dict, id_width: int) -> pl.DataFrame:
    """Assemble one snapshot frame in the contract's column order and dtypes."""
    spend = {f"spend_m{k}": rows["hist"][(m - k + 1) % SPEND_MONTHS] for k in range(1, 7)}
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
        self.world = _World()
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
            _campaign(rng, base, tier, risk, churn, day0, days)
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
        spend = _spend(rng, rows, m, day0, days, churn_day)
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
            usage = _usage(rng, rows, spend)
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
    ``polars.DataFrame`` with every ``lib.schema`` contract column in contract dtypes, one row
    per customer active at some time in the month (``arpu`` and ``tenure_months`` are null;
    ``lib.derive.derive`` fills what follows from the rest). ``customer_id`` ("C0000001") is
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
