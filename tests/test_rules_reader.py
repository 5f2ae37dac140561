"""The one rules-section reader (lib.rules.reader): each branch of its fallback policy.

The "shipped" rules here are a small hand-written dict, so every expected value below is read
off the literals in this file, not off data/rules.toml or the reader.
"""
from __future__ import annotations

import math

import pytest

from lib.rules import RulesError, Section, default_rules, edit_rules_text, parse_rules

SHIPPED = {
    "ops": {"alpha": 0.05, "limit": 5000, "on": True, "mode": "region",
            "columns": ["sms", "data_gb"], "threshold": -0.5},
    "tags": {"a": {"x": 1}, "b": {"x": 2}},
    "seg": {"clusters": {"k_min": 2}},
}


def read(saved: dict, name: str = "ops", **kw) -> Section:
    return Section(saved, name, shipped=SHIPPED, **kw)


def refused(call) -> RulesError:
    with pytest.raises(RulesError) as error:
        call()
    return error.value


# --- rule 1: absent -> shipped ---------------------------------------------------------------

def test_a_key_the_saved_version_lacks_takes_the_shipped_value():
    section = read({"ops": {"alpha": 0.1}})
    assert section.share("alpha") == 0.1            # saved wins
    assert section.integer("limit", 1, 10_000) == 5000   # SHIPPED["ops"]["limit"]
    assert section.flag("on") is True
    assert not section.absent and section.saved("alpha") and not section.saved("limit")


def test_a_section_the_saved_version_lacks_is_read_whole_from_the_shipped_one():
    section = read({"other": {}})
    assert section.absent
    assert section.share("alpha") == 0.05
    assert section.choice("mode", ("region", "capacity")) == "region"


def test_a_nested_section_is_found_by_its_dotted_name():
    assert read({"seg": {"clusters": {"k_min": 3}}}, "seg.clusters").integer("k_min", 2, 20) == 3
    assert read({"seg": {}}, "seg.clusters").integer("k_min", 2, 20) == 2


def test_renamed_keys_count_only_when_the_new_section_is_absent():
    old = {"legacy": {"alpha": 0.2}}
    assert read(old, renamed={"alpha": "legacy"}).share("alpha") == 0.2
    both = {"legacy": {"alpha": 0.2}, "ops": {"alpha": 0.3}}
    assert read(both, renamed={"alpha": "legacy"}).share("alpha") == 0.3


# --- rule 2: present but invalid -> RulesError naming section, key and range ------------------

@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, "0.05", True, [0.05]])
def test_a_saved_number_of_the_wrong_kind_is_refused_not_replaced(bad):
    error = refused(lambda: read({"ops": {"alpha": bad}}).share("alpha"))
    assert error.code == "rules_bad_number"
    assert error.params == {"key": "ops.alpha", "section": "ops", "name": "alpha",
                            "low": 0.0, "high": 1.0}


def test_bounds_are_inclusive_unless_exclusive_is_asked_for():
    assert read({"ops": {"alpha": 1.0}}).share("alpha") == 1.0
    assert read({"ops": {"alpha": 0}}).share("alpha") == 0.0
    assert refused(lambda: read({"ops": {"alpha": 1.0}}).share("alpha", exclusive=True)).code \
        == "rules_bad_number"
    assert refused(lambda: read({"ops": {"alpha": 1.01}}).share("alpha")).params["high"] == 1.0
    assert refused(lambda: read({"ops": {"alpha": -0.01}}).number("alpha", 0, 5)).params["low"] == 0


def test_a_whole_number_may_be_written_3_0_but_not_3_5():
    assert read({"ops": {"limit": 3.0}}).integer("limit", 1, 10) == 3
    error = refused(lambda: read({"ops": {"limit": 3.5}}).integer("limit", 1, 10))
    assert (error.code, error.params["key"], error.params["low"], error.params["high"]) \
        == ("rules_bad_integer", "ops.limit", 1, 10)
    assert refused(lambda: read({"ops": {"limit": 11}}).integer("limit", 1, 10)).code == "rules_bad_number"
    assert refused(lambda: read({"ops": {"limit": math.nan}}).integer("limit", 1, 10)).code \
        == "rules_bad_number"


@pytest.mark.parametrize("bad", [1, "true", 0.0])
def test_a_flag_must_be_true_or_false(bad):
    error = refused(lambda: read({"ops": {"on": bad}}).flag("on"))
    assert (error.code, error.params["key"]) == ("rules_bad_flag", "ops.on")


def test_choices_name_what_is_allowed():
    error = refused(lambda: read({"ops": {"mode": "everyone"}}).choice("mode", ("region", "capacity")))
    assert (error.code, error.params["allowed"]) == ("rules_bad_choice", "region, capacity")
    own = refused(lambda: read({"ops": {"mode": 3}}).choice("mode", ("region",), code="my_code"))
    assert own.code == "my_code" and own.params["key"] == "ops.mode"


@pytest.mark.parametrize("bad", [[], ["sms", "fax"], "sms", [1]])
def test_a_list_of_choices_must_be_non_empty_and_among_the_allowed(bad):
    error = refused(lambda: read({"ops": {"columns": bad}}).choices("columns", ("sms", "data_gb")))
    assert (error.code, error.params["allowed"]) == ("rules_bad_choice", "sms, data_gb")


def test_distinct_choices_refuse_a_repeat_and_keep_the_order():
    section = read({"ops": {"columns": ["data_gb", "sms"]}})
    assert section.choices("columns", ("sms", "data_gb"), distinct=True) == ("data_gb", "sms")
    repeated = read({"ops": {"columns": ["sms", "sms"]}})
    assert repeated.choices("columns", ("sms",)) == ("sms", "sms")
    assert refused(lambda: repeated.choices("columns", ("sms",), distinct=True)).code == "rules_bad_choice"


def test_a_section_that_is_not_a_table_is_refused():
    error = refused(lambda: read({"ops": 3}))
    assert (error.code, error.params["key"]) == ("rules_bad_section", "ops")


# --- rule 3: neither saved nor shipped ------------------------------------------------------

def test_a_key_neither_saved_nor_shipped_is_missing():
    error = refused(lambda: read({"ops": {}}).number("nowhere", 0, 1))
    assert (error.code, error.params["key"]) == ("rules_missing_key", "ops.nowhere")


# --- rule 4: a collection is one value ------------------------------------------------------

def test_a_collection_comes_whole_from_one_side_never_merged():
    assert read({"tags": {"a": {"x": 9}}}, "tags").whole() == {"a": {"x": 9}}   # "b" stays deleted
    assert read({}, "tags").whole() == {"a": {"x": 1}, "b": {"x": 2}}


# --- rule 5: an optional rule is off when absent ---------------------------------------------

def test_an_optional_rule_the_version_lacks_is_off_not_shipped():
    assert read({"ops": {}}).optional_number("threshold", -1, 0) is None
    assert read({"ops": {"threshold": -0.25}}).optional_number("threshold", -1, 0) == -0.25
    assert refused(lambda: read({"ops": {"threshold": 0.5}}).optional_number("threshold", -1, 0)).code \
        == "rules_bad_number"


# --- the policy through parse_rules and the form --------------------------------------------

def test_core_rules_saved_without_a_key_use_the_shipped_value_and_the_form_can_add_it_back():
    shipped = default_rules()
    lines = [line for line in shipped.text.splitlines() if not line.startswith("vip_min_tier")]
    older = parse_rules("\n".join(lines))
    assert older.vip_min_tier == 4              # data/rules.toml: vip_min_tier = 4
    edited = parse_rules(edit_rules_text("\n".join(lines), {"tiers.vip_min_tier": 5}))
    assert edited.vip_min_tier == 5
    assert refused(lambda: edit_rules_text(shipped.text, {"tiers.no_such_key": 1})).code == "rules_missing_key"


def test_a_core_value_written_wrong_is_refused_with_its_range():
    text = default_rules().text.replace("vip_min_tier = 4", "vip_min_tier = 7")
    error = refused(lambda: parse_rules(text))
    assert (error.code, error.params["key"], error.params["low"], error.params["high"]) \
        == ("rules_bad_number", "tiers.vip_min_tier", 1, 6)
