"""What a user reads from a Streamlit markdown body (as AppTest's ``.value`` gives it).

AppTest exposes the markdown source, where data fields carry backslash escapes
(``lib.common.markup.plain``: ``a\\.csv``). CommonMark shows a backslash before ASCII punctuation as the
punctuation alone; this undoes exactly that, independently of lib.common.markup, so page tests can look
for a file or column name as the user sees it.
"""
import re
import string

_ESCAPE = re.compile(r"\\([" + re.escape(string.punctuation) + r"])")


def shown(markdown: str) -> str:
    """``markdown`` with each backslash escape replaced by the character it escapes, and without
    U+2060 (the invisible word joiner that keeps "http://" and the like from becoming links)."""
    return _ESCAPE.sub(r"\1", markdown).replace("\u2060", "")
