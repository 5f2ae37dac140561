"""The demo operator's world: geography, brands and the behaviour parameters of its customers.

Static tables (population-weighted provinces, their largest cities, grids per city, brands
with plan fees in CNY per month), ``World`` with their lookup arrays, and the parameters of
spend, usage, churn hazards and the past campaign that ``lib.demo.generate`` simulates.
"""
from __future__ import annotations

import numpy as np

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

class World:
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


# --- behaviour parameters ---------------------------------------------------------------

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
#: The campaign: CAMPAIGN_SHARE of the active customers of tier CAMPAIGN_MIN_TIER and up, drawn
#: from those above the ELEVATED_RISK_QUANTILE of voluntary risk (0: from all of them), half held
#: out as a control group. Half the base with a 50/50 split (about 7,000 customers a side on a
#: 30,000 base) is what an uplift model needs to tell the response groups apart under the shipped
#: [uplift_model] rules: with a 3-month churn of 5-7 % a smaller campaign leaves too few churners
#: per group for the hold-out's Qini coefficient to beat random rankings.
CAMPAIGN_MIN_TIER = 1
CAMPAIGN_SHARE, CONTROL_SHARE, ACCEPT_SHARE = 0.50, 0.50, 0.50
ELEVATED_RISK_QUANTILE = 0.0
#: How the campaign's customers respond: their group is fixed at contact (lib.demo.generate
#: documents the rules) and never shown in the data; the Uplift view should recover it.
RESPONSE_GROUPS = ("none", "persuadable", "sleeping_dog", "lost_cause")
#: Voluntary-hazard multipliers from the month after contact on, per response group (rows, as
#: in RESPONSE_GROUPS) and campaign arm (columns: not in the campaign, control, treated not
#: accepting, accepted). Persuadables who accept keep most of their risk off (0.1), a contact
#: alone helps them a little (0.6); sleeping dogs churn more when contacted at all (3.0: a call
#: reminds them why they were unhappy, as in
#: Ascarza, Iyengar & Schleicher 2016); lost causes are not moved (1.0).
OFFER_EFFECT = np.array([[1.0, 1.0, 1.0, 1.0],
                         [1.0, 1.0, 0.6, 0.1],
                         [1.0, 1.0, 3.0, 3.0],
                         [1.0, 1.0, 1.0, 1.0]], dtype=np.float32)
#: Customers with at least this many complaints in the six months before contact are sleeping dogs.
SLEEPING_DOG_COMPLAINTS = 1

# --- months without spend: dormant months and prepaid top-ups ------------------------------

#: Month-skippers (second SIMs, lines kept but rarely used): a customer is one with probability
#: SKIPPER_SHARE times their frailty (mean 1, so frail, at-risk customers skip more), at most
#: SKIPPER_MAX; a skipper leaves a month unused (no spend, no usage) with a probability of their
#: own drawn from Beta(SKIP_BETA) (mean 0.43). A customer in a value-decline spell also leaves a
#: month unused with probability VALUE_DECLINE_SKIP. Joiners use their first month.
SKIPPER_SHARE, SKIPPER_MAX = 0.15, 0.5
SKIP_BETA = (1.5, 2.0)
VALUE_DECLINE_SKIP = 0.35
#: Prepaid customers' spend is their top-ups: they draw down a balance (CNY) by what they use
#: and top up when it goes negative (always), when it would not cover another month at their
#: level (TOPUP_WHEN_LOW a month) or early (TOPUP_EARLY a month). A top-up buys TOPUP_MONTHS
#: months of their level with probabilities TOPUP_MONTHS_P (mean 1.8) plus any shortfall,
#: rounded up to TOPUP_ROUND_SMALL CNY (amounts up to TOPUP_ROUND_FROM) or TOPUP_ROUND_LARGE.
TOPUP_WHEN_LOW, TOPUP_EARLY = 0.5, 0.03
TOPUP_MONTHS = np.array([1, 2, 3, 4, 6], dtype=np.float32)
TOPUP_MONTHS_P = (0.65, 0.20, 0.08, 0.05, 0.02)
TOPUP_ROUND_SMALL, TOPUP_ROUND_FROM, TOPUP_ROUND_LARGE = 10.0, 100.0, 50.0
#: Balance of the initial base's prepaid customers: up to this many months of their level.
INITIAL_BALANCE_MONTHS = 2.0
