"""Session keys live in lib/ui/keys.py only: no page or lib module writes one as a literal.

An AST walk over dashboard.py, views/ and lib/ (but lib/ui/keys.py) flags a string literal or
f-string used as: a subscript or ``in`` test of ``session_state``; the first argument of
``session_state.get/pop/setdefault``; a widget's ``key=``; a form's name (``st.form("…")``).
"""
from __future__ import annotations

import ast
from pathlib import Path

from lib.ui.keys import Keys, scoped

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "dashboard.py", *sorted((ROOT / "views").glob("*.py")),
           *sorted(p for p in (ROOT / "lib").rglob("*.py") if p != ROOT / "lib" / "ui" / "keys.py")]


def _literal(node: ast.AST | None) -> bool:
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))


def _is_session_state(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "session_state") or (
        isinstance(node, ast.Name) and node.id == "session_state")


def literal_keys(tree: ast.AST, widgets: bool = True) -> list[int]:
    """Line numbers of literal session keys in ``tree``. ``widgets``: also widget ``key=`` and
    form names (only modules that draw with Streamlit have widgets; elsewhere ``key=`` is an
    error's parameter)."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and _is_session_state(node.value) and _literal(node.slice):
            lines.append(node.lineno)
        elif isinstance(node, ast.Compare) and any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops) \
                and any(_is_session_state(c) for c in node.comparators) and _literal(node.left):
            lines.append(node.lineno)
        elif isinstance(node, ast.Call):
            func = node.func
            if (isinstance(func, ast.Attribute) and func.attr in {"get", "pop", "setdefault"}
                    and _is_session_state(func.value) and node.args and _literal(node.args[0])):
                lines.append(node.lineno)
            if not widgets:
                continue
            if isinstance(func, ast.Attribute) and func.attr == "form" and node.args and _literal(node.args[0]):
                lines.append(node.lineno)
            if any(kw.arg == "key" and _literal(kw.value) for kw in node.keywords):
                lines.append(node.lineno)
    return lines


def test_the_checker_finds_each_kind_of_literal_key():
    # one of each form the walk must catch, and the allowed forms beside them
    source = '''
st.session_state["a"] = 1
x = st.session_state.get("b")
st.session_state.pop(f"c_{n}", None)
if "d" in st.session_state: pass
st.button("go", key="e")
with st.form("f"): pass
st.session_state[Keys.LANG] = 1
st.button("go", key=scoped(Keys.OPS_STATUS, 7))
max(items, key=lambda p: p)
'''
    assert literal_keys(ast.parse(source)) == [2, 3, 4, 5, 6, 7]
    assert literal_keys(ast.parse(source), widgets=False) == [2, 3, 4, 5]


def test_no_page_or_lib_module_uses_a_literal_session_key():
    found = {}
    for path in SOURCES:
        text = path.read_text(encoding="utf-8")
        if lines := literal_keys(ast.parse(text), widgets="streamlit" in text):
            found[str(path.relative_to(ROOT))] = lines
    assert found == {}


def test_keys_are_distinct_and_scoped_keys_join_with_underscores():
    values = [v for k, v in vars(Keys).items() if k.isupper()]
    assert len(values) == len(set(values))
    assert scoped(Keys.OPS_STATUS, 7) == "ops_status_7"
    assert scoped("mapping", "f1", None) == "mapping_f1_None"
