"""One error type: every refusal of ours is an ``AppError`` rendered from the catalogue by code.

The catalogue check scans lib's source (AST) for every construction of an error class with a
literal code (and a literal hint) and asserts both languages have its text with the same
template fields; the rendering tests compare with sentences written out here by hand from
``lib/i18n/`` (not rebuilt with ``t``).
"""
from __future__ import annotations

import ast
import pickle
import re
from pathlib import Path

import pytest

from lib.auth import PermissionDenied
from lib.auth.signin_limits import SignInRefused
from lib.errors import AppError
from lib.i18n import STRINGS
from lib.i18n.errors import error_text, known
from lib.ingest import IngestError
from lib.operations.holdout import OperationsError
from lib.rules import RulesError
from lib.store import StoreError

LIB = Path(__file__).resolve().parent.parent / "lib"


def error_classes(trees: dict[Path, ast.Module]) -> set[str]:
    """Names of the classes deriving (through any chain) from ``AppError`` in ``trees``."""
    bases: dict[str, set[str]] = {}
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases[node.name] = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "")
                                    for b in node.bases}
    found = {"AppError"}
    while True:
        more = {name for name, parents in bases.items() if parents & found} - found
        if not more:
            return found
        found |= more


def raised_codes(root: Path = LIB) -> list[tuple[str, str, int, str]]:
    """``(key, file, line, role)`` for every literal code or hint given to an error class."""
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in root.rglob("*.py")}
    classes = error_classes(trees)
    sites = []
    for path, tree in trees.items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name not in classes or not node.args:
                continue
            where = (str(path.relative_to(root.parent)), node.lineno)
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                sites.append((first.value, *where, "code"))
            hints = [kw.value for kw in node.keywords if kw.arg in ("hint", "hint_code")]
            if name in ("IngestError", "AppError") and len(node.args) >= 3:
                hints.append(node.args[2])
            sites += [(h.value, *where, "hint") for h in hints
                      if isinstance(h, ast.Constant) and isinstance(h.value, str)]
    return sites


def test_the_scan_sees_the_error_classes_and_their_raise_sites():
    """The scan must find the classes and a good number of sites, or the next test is empty."""
    trees = {path: ast.parse(path.read_text(encoding="utf-8")) for path in LIB.rglob("*.py")}
    assert {"StoreError", "IngestError", "RulesError", "OperationsError", "PermissionDenied",
            "SignInRefused"} <= error_classes(trees)
    sites = raised_codes()
    assert len(sites) > 100
    assert any(code == "store_busy" for code, *_ in sites)
    assert any(role == "hint" for *_, role in sites)


def test_every_code_raised_in_lib_reads_in_both_languages():
    missing, unequal = [], []
    for key, file, line, role in raised_codes():
        texts = STRINGS.get(key)
        if texts is None or not all(text.strip() for text in texts):
            missing.append(f"{file}:{line} {role} {key}")
            continue
        english, chinese = texts
        if not re.search(r"[\u4e00-\u9fff]", chinese):
            missing.append(f"{file}:{line} {role} {key}: no Chinese text")
        if set(re.findall(r"{(\w+)", english)) != set(re.findall(r"{(\w+)", chinese)):
            unequal.append(f"{file}:{line} {key}")
    assert missing == [] and unequal == []


@pytest.mark.parametrize("cls", [StoreError, IngestError, RulesError, OperationsError,
                                 PermissionDenied, SignInRefused])
def test_every_error_class_is_the_one_type(cls):
    assert issubclass(cls, AppError)


def test_rendering_fills_parameters_in_both_languages():
    """Expected sentences typed from lib/i18n/app.py ("store_schema_too_new", "rules_bad_number")."""
    error = StoreError("store_schema_too_new", found=9, known=7)
    assert error_text(error, "en") == ("The database has schema version 9, newer than this "
                                       "program knows (7). Upgrade the program.")
    assert error_text(error, "zh") == "数据库结构版本 9 高于本程序支持的 7。请升级程序。"
    rules = RulesError("rules_bad_number", key="tiers.spend_min", low=0, high=1)
    assert error_text(rules, "en") == "'tiers.spend_min' must be a number from 0 to 1."
    assert error_text(rules, "zh") == "“tiers.spend_min”必须是 0 到 1 之间的数字。"
    assert isinstance(rules, ValueError)   # callers that catch ValueError still do


def test_a_hint_follows_the_problem_joined_as_each_language_writes():
    """lib/i18n/ingest.py: "ingest_empty_file" then "ingest_hint_choose_file"; a space between
    English sentences, none between Chinese ones; markdown escapes the file name's underscore."""
    error = AppError("ingest_empty_file", {"file": "a_b.csv"}, "ingest_hint_choose_file")
    assert error_text(error, "en") == ("a_b.csv is empty (no bytes or only blank lines). Check that "
                                       "you chose the exported data file and upload it again.")
    assert error_text(error, "zh") == ("a_b.csv 是空文件（没有内容或只有空行）。"
                                       "请确认选择的是导出的数据文件，然后重新上传。")
    assert error_text(error, "en", markup=True).startswith("a\\_b\\.csv is empty")


def test_the_ui_and_the_subclasses_render_the_same_way():
    from lib.ui import error_message

    denied = PermissionDenied("auth_denied", user="li", role="viewer", action="import")
    assert known(denied)
    for error in (denied, StoreError("store_busy"), IngestError("ingest_empty_file", {"file": "x"})):
        assert error_message(error, "zh") == error_text(error, "zh", markup=True)
    assert error_message(AppError("no_such_code"), "en").endswith("(no_such_code)")


def test_errors_survive_pickling_with_their_type_code_params_and_hint():
    """The isolated file reader sends refusals across a process boundary."""
    for error in (IngestError("ingest_empty_file", {"file": "a.csv"}, "ingest_hint_choose_file"),
                  StoreError("store_bad_window", value=0), SignInRefused("auth_locked", 30),
                  OperationsError("ops_no_customers")):
        back = pickle.loads(pickle.dumps(error))
        assert type(back) is type(error)
        assert (back.code, back.params, back.hint, str(back)) == \
               (error.code, error.params, error.hint, str(error))
    assert pickle.loads(pickle.dumps(SignInRefused("auth_busy", 10))).retry_seconds == 10
