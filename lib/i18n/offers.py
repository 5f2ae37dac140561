"""Strings of the Offers ROI page, the offer catalogue and the budget optimiser."""
from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    "offers_bad_range": ("Offer '{offer}': {key} must be [low, high] with 0 ≤ low ≤ high ≤ 1.",
                         "优惠“{offer}”：{key} 必须为 [下限, 上限]，且 0 ≤ 下限 ≤ 上限 ≤ 1。"),
    "offers_bad_cost": ("Offer '{offer}': {key} must be a number of at least 0.",
                        "优惠“{offer}”：{key} 必须是不小于 0 的数字。"),
    "offers_missing_id": ("Every offer needs an id.", "每个优惠都需要 id。"),
    "offers_bad_tiers": ("Offer '{offer}': eligible_tiers must list tiers from 1 to 6.",
                         "优惠“{offer}”：eligible_tiers 必须列出 1 到 6 之间的星级。"),
    "offers_bad_type": ("Offer '{offer}': type must be one of {types}.",
                        "优惠“{offer}”：type 必须是以下之一：{types}。"),
    "offers_bad_duration": ("Offer '{offer}': duration_months must be a whole number of at least 1.",
                            "优惠“{offer}”：duration_months 必须是不小于 1 的整数。"),
    "offers_empty": ("The catalogue has no offer.", "优惠目录为空。"),
    "offers_duplicate_id": ("Offer ids must be unique; repeated: {ids}.", "优惠 id 必须唯一；重复：{ids}。"),
}
