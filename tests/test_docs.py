"""The README is a front door and the docs hold together: size, the two commands, live links."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = sorted((ROOT / "docs").glob("*.md"))
_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_readme_is_a_front_door():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.encode("utf-8")) <= 12 * 1024
    block = re.search(r"```\n(.*?)```", readme, re.S).group(1).splitlines()
    assert [line.split()[0:2] for line in block] == [["make", "run"], ["make", "test"]]
    for doc in DOCS:
        if doc.name != "overview.png":
            assert f"docs/{doc.name}" in readme, f"README does not point to docs/{doc.name}"


@pytest.mark.parametrize("path", [ROOT / "README.md", *DOCS], ids=lambda p: p.name)
def test_relative_links_resolve(path):
    text = path.read_text(encoding="utf-8")
    for target in _LINK.findall(text):
        if re.match(r"[a-z]+://", target) or target.startswith("mailto:"):
            continue
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        assert linked.exists(), f"{path.name}: {target} does not exist"
        if anchor and linked.suffix == ".md":
            headings = re.findall(r"^#+ (.+)$", linked.read_text(encoding="utf-8"), re.M)
            assert anchor in {_anchor(h) for h in headings}, f"{path.name}: no heading #{anchor}"


def test_no_docstring_cites_a_document_outside_the_repository():
    outside = re.compile(r"\b(DESIGN|DOMAIN|STYLE|PITFALLS)\.md\b|\.\./shared")
    for folder in ("lib", "views", "tests", "tools", "bench"):
        for source in (ROOT / folder).rglob("*.py"):
            if source.name == "test_docs.py":
                continue
            assert not outside.search(source.read_text(encoding="utf-8")), source
