"""lib.common.frames.relabel: labels per distinct value, nulls kept, no Python inside polars."""
import polars as pl

from lib.common.frames import relabel


def test_each_distinct_value_is_labelled_once_and_nulls_stay_null():
    calls = []

    def label(value):
        calls.append(value)
        return f"tier {value}"

    out = relabel(pl.Series("tier", [3, 1, None, 3, 1, 1]), label)
    assert out.name == "tier" and out.dtype == pl.String
    assert out.to_list() == ["tier 3", "tier 1", None, "tier 3", "tier 1", "tier 1"]
    assert sorted(calls) == [1, 3]


def test_an_all_null_or_empty_column_stays_null():
    assert relabel(pl.Series("x", [None, None], dtype=pl.Int64), str).to_list() == [None, None]
    assert relabel(pl.Series("x", [], dtype=pl.String), str).len() == 0


def test_a_label_may_be_none():
    assert relabel(pl.Series("x", ["a", "b"]), lambda v: None if v == "a" else v.upper()).to_list() == [None, "B"]
