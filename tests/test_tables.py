"""The labelled-table helper (lib/ui/tables.py): headers translated, columns chosen, units kept.

Expected headers are the catalogue's words written out by hand (lib/i18n/offers.py:
offers_col_tier = Tier / 星级, offers_col_roi = ROI / 回报率).
"""
from __future__ import annotations

import polars as pl

from lib.ui.tables import Column, labelled

FRAME = pl.DataFrame({"tier": [1, 2], "roi": [0.5, 0.25], "extra": ["x", "y"]})
MAP = {"roi": Column("offers_col_roi", "share"), "tier": "offers_col_tier", "absent": "offers_col_cost"}


def test_mapped_columns_in_the_maps_order_with_translated_headers_and_units():
    shown, units, config = labelled(FRAME, MAP, "zh")
    assert shown.columns == ["回报率", "星级"]
    assert shown["回报率"].to_list() == [0.5, 0.25]          # values untouched: they still sort as numbers
    assert units == {"回报率": "share"}                       # a text column has no unit
    assert config == {}


def test_others_keeps_unmapped_columns_in_the_frames_order():
    shown, _, _ = labelled(FRAME, MAP, "en", others=True)
    assert shown.columns == ["Tier", "ROI", "extra"]


def test_a_suffix_follows_the_header():
    shown, units, _ = labelled(FRAME, {"roi": Column("offers_col_roi", "currency", " (%)")}, "en")
    assert shown.columns == ["ROI (%)"] and units == {"ROI (%)": "currency"}


def test_without_renaming_the_labels_go_into_the_config_only():
    shown, units, config = labelled(FRAME, MAP, "en", rename=False)
    assert shown.columns == ["roi", "tier"] and units == {"roi": "share"}
    assert (config["roi"]["label"], config["tier"]["label"]) == ("ROI", "Tier")
