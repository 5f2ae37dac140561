"""The page registry (lib/ui/pages.py) is the only place that names a page's file."""
from __future__ import annotations

import ast
from pathlib import Path

from lib.auth import ROLES
from lib.i18n import t
from lib.ui import pages

ROOT = Path(__file__).resolve().parent.parent
REGISTRY = ROOT / "lib" / "ui" / "pages.py"
SOURCES = [ROOT / "dashboard.py", *sorted((ROOT / "views").glob("*.py")),
           *sorted(p for p in (ROOT / "lib").rglob("*.py") if p != REGISTRY)]
NAVIGATION_CALLS = {"page_link", "switch_page", "Page", "navigation"}


def test_every_registered_page_file_exists_and_is_named_once():
    files = [page.file for page in pages.PAGES]
    # the nine pages of the navigation (docs/user-guide.md): Overview, Segments, Offers ROI,
    # Uplift, Lifecycle, Churn risk, Action list, Call-back operations, Data
    assert len(files) == len(set(files)) == 9
    assert len({page.url_path for page in pages.PAGES}) == 9
    for page in pages.PAGES:
        assert (ROOT / page.file).is_file(), page.file
        assert page.file.startswith("views/")
        assert set(page.roles) <= set(ROLES)
        assert t(page.title_key, "en") != page.title_key and t(page.title_key, "zh") != t(page.title_key, "en")
    assert [page.default for page in pages.PAGES].count(True) == 1


def test_views_that_are_not_pages_are_sections_imported_by_one():
    registered = {page.file for page in pages.PAGES}
    sections = {f"views/{p.name}" for p in (ROOT / "views").glob("*.py")} - registered
    assert sections == {"views/operations_outcomes.py"}
    importers = [p for p in (ROOT / "views").glob("*.py") if "from views import operations_outcomes" in p.read_text()]
    assert {f"views/{p.name}" for p in importers} <= registered and importers


def test_no_page_link_switch_page_or_navigation_outside_the_registry():
    """st.page_link / st.switch_page / st.Page / st.navigation called anywhere else, or a
    ``"views/….py"`` string written anywhere else, is a page named by hand."""
    found = []
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in NAVIGATION_CALLS
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "st"):
                found.append((str(path.relative_to(ROOT)), node.func.attr))
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and node.value.startswith("views/") and node.value.endswith(".py")):
                found.append((str(path.relative_to(ROOT)), node.value))
    assert found == [("dashboard.py", "navigation")]   # the entry script runs the registry's pages
