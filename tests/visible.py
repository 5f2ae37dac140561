"""What a user reads on a page drawn by AppTest, and the English catalogue strings it must not hold.

``visible_texts(at)`` walks the element tree (main area and sidebar) and returns each piece of
text a user sees: markdown bodies (as shown, ``tests.rendered.shown``), captions, alerts, titles,
widget labels, help texts and options, metric labels, tab and expander labels, page links, table
headers and the cells of text columns, and the titles, axis titles, legend names, tick and
category labels, annotations and cell texts of Plotly figures.

``english_fragments()`` turns the English side of ``lib.i18n.STRINGS`` into the pieces of literal
English a Chinese page could leak: each template is split at its ``{fields}`` and markup, and a
piece counts when it holds a word of at least three letters. A piece that also occurs in the
Chinese side of the catalogue (ARPU, VIP, ROC AUC, a CLI command) is meant to be shown in Chinese
too, so it is left out; the test module adds its own allow-list of proper names and codes.

Independent of the page code: it reads AppTest's protobufs and the catalogue's raw text only.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterator

from tests.rendered import shown

#: Element types whose ``.value`` is markdown a user reads.
_MARKDOWN = {"markdown", "caption", "title", "header", "subheader", "info", "warning", "error",
             "success", "exception", "toast", "latex"}
_WIDGETS = {"selectbox", "multiselect", "radio", "select_slider", "button", "download_button",
            "checkbox", "toggle", "slider", "number_input", "text_input", "text_area",
            "date_input", "time_input", "file_uploader", "color_picker", "form_submit_button",
            "button_group", "chat_input"}
#: Plotly keys whose string values are drawn as text (titles, names, labels, ticks).
_PLOTLY_TEXT_KEYS = {"text", "name", "ticktext", "title", "labels", "x", "y", "header", "cells",
                     "legendgrouptitle", "hovertext", "label"}


def _proto(node) -> object | None:
    return getattr(node, "proto", None)


def _widget_texts(node) -> Iterator[str]:
    proto = _proto(node)
    for attr in ("label", "help", "placeholder"):
        value = getattr(proto, attr, "") if proto is not None else ""
        if isinstance(value, str) and value:
            yield value
    try:
        options = node.options
    except Exception:       # widgets without options
        options = None
    if options:
        for option in options:
            if isinstance(option, str):
                yield option


def _plotly_strings(value, key: str | None = None) -> Iterator[str]:
    if isinstance(value, dict):
        for k, v in value.items():
            if k in {"hovertemplate", "texttemplate", "customdata", "meta", "uid", "legendgroup",
                     "colorscale", "color", "bgcolor", "font", "family", "type", "mode",
                     "tickformat", "hoverformat", "xref", "yref", "xanchor", "yanchor",
                     "textposition", "orientation", "fill", "shape", "ids", "locations",
                     "featureidkey", "geojson", "marker", "line", "template", "colorway",
                     "bordercolor", "plot_bgcolor", "paper_bgcolor", "autorange", "map",
                     "mapbox", "geo", "sizing", "side", "anchor", "overlaying", "hoverinfo"}:
                if k == "marker" and isinstance(v, dict):
                    yield from _plotly_strings(v.get("colorbar", {}), "colorbar")
                continue
            yield from _plotly_strings(v, k)
    elif isinstance(value, list):
        for item in value:
            yield from _plotly_strings(item, key)
    elif isinstance(value, str) and key in _PLOTLY_TEXT_KEYS | {"colorbar"} and value.strip():
        # ticks and hover templates hold "%{x}" placeholders; the literal text around them counts
        yield re.sub(r"%\{[^}]*\}", " ", re.sub(r"<[^>]+>", " ", value))


def _frame_texts(frame, config: dict, editable: bool) -> Iterator[str]:
    for column in frame.columns:
        spec = config.get(str(column)) or {}
        if spec.get("hidden"):
            continue
        yield spec.get("label") or str(column)   # a column_config label is what the header shows
        if editable and not spec.get("disabled"):
            continue          # cells the user types (a file's header, an offer's English name)
        series = frame[column]
        if series.dtype == object or str(series.dtype) in {"string", "str", "category"}:
            for cell in series.dropna().unique()[:500]:
                if isinstance(cell, str):
                    yield cell


def visible_texts(at) -> list[str]:
    """Every text a user reads on the page AppTest ``at`` drew (see the module docstring)."""
    out: list[str] = []

    def walk(node) -> None:
        kind = getattr(node, "type", "")
        if kind in _MARKDOWN:
            value = getattr(node, "value", "")
            if isinstance(value, str):
                out.append(shown(value))
        elif kind == "metric":
            out.extend(s for s in (node.proto.label, node.proto.help) if s)
        elif kind in _WIDGETS:
            out.extend(_widget_texts(node))
        elif kind in {"tab", "expander", "popover"}:
            label = getattr(node, "label", "")
            if label:
                out.append(label)
        elif kind == "page_link":
            out.extend(s for s in (node.proto.label, node.proto.help) if s)
        elif kind in {"dataframe", "table"}:
            try:
                config = json.loads(getattr(node.proto, "columns", "") or "{}")
                editable = bool(getattr(node.proto, "editing_mode", 0))
                out.extend(_frame_texts(node.value, config, editable))
            except Exception:   # an Arrow payload AppTest cannot turn into a frame
                pass
        elif kind == "plotly_chart":
            out.extend(_plotly_strings(json.loads(node.proto.spec)))
        elif kind == "alert":
            out.append(shown(node.proto.body))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return [text for text in out if text and text.strip()]


_FIELD = re.compile(r"\{[^{}]*\}")
_MARKUP = re.compile(r"\*\*|__|`+|:material/\w+:|\[|\]\([^)]*\)|[#>]")
_WORD = re.compile(r"[A-Za-z]{3,}")


def fragments(template: str) -> list[str]:
    """The literal English pieces of a catalogue template: split at fields and markup, trimmed
    of punctuation and space, kept when they hold a word of three letters or more."""
    pieces: list[str] = []
    for part in _MARKUP.split(_FIELD.sub("\0", template)):
        for piece in part.split("\0"):
            piece = piece.strip(" \t\n.,;:!?()'\"-–—·/|%+=<>*_")
            if _WORD.search(piece):
                pieces.append(piece)
    return pieces


def english_fragments(strings: dict[str, tuple[str, str]], allowed: set[str]) -> dict[str, str]:
    """Fragment → catalogue key for every English fragment a Chinese page must not show.

    Left out: fragments that occur in the Chinese side of any catalogue entry, and ``allowed``.
    """
    chinese = "\n".join(zh for _en, zh in strings.values())
    found: dict[str, str] = {}
    for key, (english, _zh) in strings.items():
        for piece in fragments(english):
            if piece in allowed or piece in chinese:
                continue
            found.setdefault(piece, key)
    return found


def leaks(texts: list[str], pieces: dict[str, str]) -> list[tuple[str, str, str]]:
    """(fragment, its key, the text it was found in) for each English fragment in ``texts``;
    matched as whole words (no letter on either side), case-sensitively."""
    if not pieces:
        return []
    ordered = sorted(pieces, key=len, reverse=True)
    pattern = re.compile("(?<![A-Za-z])(?:" + "|".join(re.escape(p) for p in ordered) + ")(?![A-Za-z])")
    found = []
    for text in texts:
        for match in pattern.finditer(text):
            found.append((match.group(0), pieces[match.group(0)], text[:160]))
    return found
