"""Stored and uploaded text made inert where it meets markup: Streamlit's markdown, Plotly's labels.

A province, a plan name, a tier name from the rules or an uploaded header is data, never markup:
``![p](http://evil.example/x.png)`` in a caption would make every viewer's browser fetch that
host, and ``<a href=...>`` in a Plotly label is a live link (also in the downloadable report).
These two helpers are the one place where such text is escaped; ``lib.i18n.t`` applies ``plain``
to every data field of a message.
"""
from __future__ import annotations

import html
import re
import string

# CommonMark lets a backslash escape any ASCII punctuation, which then shows as itself. Escaping
# all of it (not a hand-picked list) also covers Streamlit's extensions: ``:red[..]`` and
# ``:material/..:`` directives, ``$..$`` LaTeX, GFM autolinks (``http://``, ``www.``, ``a@b.c``),
# tables (``|``), HTML tags and entities.
_PUNCTUATION = frozenset(string.punctuation)


def plain(text: object) -> str:
    """``text`` escaped for Streamlit markdown, so it shows as the same characters and nothing else.

    Every ASCII punctuation character gets a backslash, except one that a backslash already
    escapes: so ``plain(plain(x)) == plain(x)``, and a message built from messages (a field that
    is itself a translated text with escaped fields) is not escaped twice. The price: a backslash
    right before punctuation in the data (``\\[``) shows as the punctuation alone.

    Newlines become spaces: a line break in data could start a heading, a list or a table.

    Parameters
    ----------
    text : any value; ``str(text)`` is escaped.

    Returns
    -------
    Markdown source that renders as the characters of ``text``, with no link, image, format,
    icon, formula or HTML.
    """
    source = " ".join(str(text).splitlines())
    out: list[str] = []
    i, n = 0, len(source)
    while i < n:
        char = source[i]
        if char == "\\" and i + 1 < n and source[i + 1] in _PUNCTUATION:
            out.append(source[i:i + 2])          # already an escape: keep it as it is
            i += 2
            continue
        out.append("\\" + char if char in _PUNCTUATION else char)
        i += 1
    return _AUTOLINK.sub(_join, "".join(out))


def _join(match: re.Match) -> str:
    before, after = (part for part in match.groups() if part is not None)
    return before + WORD_JOINER + after


#: U+2060 WORD JOINER: invisible, zero width, no line break.
WORD_JOINER = "\u2060"
# GFM autolink literals ("http://…", "www.…", "a@b.c") are found in the text *after* markdown
# escapes are resolved (remark's find-and-replace on text nodes: seen in Chromium), so the
# backslashes do not stop them; an invisible word joiner inside the pattern does ("http:⁠//",
# "www⁠.", "a⁠@b") and the text still reads the same. Applied to escaped text, so the joiner
# goes between the escaped characters (``_join``).
_AUTOLINK = re.compile(r"(?i)(https?\\:)(\\/\\/)|(?<![\w.])(www)(\\\.)|(\w)(\\@)")


def unplain(text: str) -> str:
    """The characters ``plain`` escaped, without their backslashes: for a message made for
    markdown (``lib.i18n.t``) that ends up where markdown is not read (a Plotly label, a table
    cell), so that "Top\\-up" shows as "Top-up"."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] == "\\" and i + 1 < n and text[i + 1] in _PUNCTUATION:
            out.append(text[i + 1])
            i += 2
            continue
        out.append(text[i])
        i += 1
    return "".join(out).replace(WORD_JOINER, "")


def plotly_text(text: object) -> str:
    """``text`` escaped for Plotly's labels (axis ticks, hover text, legend, annotations).

    Plotly reads a small HTML subset in every label (``<a href>``, ``<b>``, ``<br>``, ...) and
    decodes entities; ``&``, ``<`` and ``>`` as entities show as themselves and make no tag.
    """
    return html.escape(str(text), quote=False)
