"""The Data page's mapping editor, template choice and file profile, drawn with Streamlit.

Content comes from lib (``lib.ingest.mapping.propose``, ``lib.ingest.choices``,
``lib.ingest.templates``, ``lib.ingest.profile``, ``lib.pipeline.prechecks``); this module only
lays it out and reads the widgets back.
"""
from __future__ import annotations

import polars as pl
import sqlalchemy as sa
import streamlit as st

from lib.common import fmt
from lib.common.markup import plain
from lib.i18n import t, t_text
from lib.common.localise import field_label
from lib.ingest import RawTable
from lib.ingest.choices import FieldChoice, column_samples, field_choices, mapping_from_choices
from lib.ingest.mapping import Mapping, Proposal, propose
from lib.ingest.profile import FileProfile
from lib.ingest.templates import apply_template, matching_templates, save_template
from lib.pipeline.prechecks import Precheck, precheck_text
from lib.rules import Rules
from lib.ui.keys import Keys, scoped

#: The select boxes' value for "this field is not in the file".
NOT_IN_FILE = ""
#: Editor columns per row of fields.
GRID = 3


def proposal_for(engine: sa.Engine, raw: RawTable, key: str, lang: str) -> tuple[Proposal, str]:
    """The proposal the editor starts from and a key part naming it: a saved template whose
    headers match the file's (offered in a select box, the newest first), else the automatic
    proposal by name and content."""
    headers = list(raw.frame.columns)
    offered = matching_templates(engine, headers)
    if offered:
        names = [None, *[tpl.name for tpl in offered]]
        by_name = {tpl.name: tpl for tpl in offered}
        chosen = st.selectbox(
            t("template_pick", lang), names, index=1, key=scoped(Keys.TEMPLATE_PICK, key),
            format_func=lambda n: t_text("template_none", lang) if n is None else t_text(
                "template_option", lang, name=n, version=by_name[n].version,
                date=by_name[n].created_at.date().isoformat()))
        if chosen is not None:
            return apply_template(by_name[chosen], headers, raw.source_name), f"tpl_{chosen}"
    return propose(headers, raw.frame), "auto"


def _caption(choice: FieldChoice, picked: tuple[str, ...], samples: dict[str, str],
             lang: str) -> str:
    if not picked:
        return ""
    shown = t("mapping_samples", lang, values=" | ".join(samples.get(c, "–") for c in picked))
    if picked != choice.chosen:
        return f"{shown} · {t('mapping_reason_chosen', lang)}"
    if choice.confidence is None:
        return shown
    confidence = t("mapping_confidence", lang, share=fmt.number(choice.confidence, "share"))
    return f"{shown} · {confidence} — {plain(choice.reason)}"


def _field_widget(where, choice: FieldChoice, columns: list[str], samples: dict[str, str],
                  key: str, lang: str) -> tuple[str, ...]:
    if choice.multiple:
        picked = tuple(where.multiselect(
            field_label(choice.field, lang), columns, default=[c for c in choice.chosen if c in columns],
            key=scoped(key, choice.field), help=f"{choice.doc} {t_text('mapping_sum_help', lang)}",
            placeholder=t_text("mapping_not_in_file", lang)))
    else:
        options = [NOT_IN_FILE, *columns]
        first = choice.chosen[0] if choice.chosen and choice.chosen[0] in columns else NOT_IN_FILE
        value = where.selectbox(
            field_label(choice.field, lang), options, index=options.index(first), key=scoped(key, choice.field),
            help=choice.doc,
            format_func=lambda c: t_text("mapping_not_in_file", lang) if c == NOT_IN_FILE else c)
        picked = (value,) if value else ()
    caption = _caption(choice, picked, samples, lang)
    if caption:
        where.caption(caption)
    return picked


def mapping_editor(raw: RawTable, proposal: Proposal, key: str, lang: str) -> Mapping:
    """One select box per contract field (a multi-select where columns may be summed), with
    the chosen column's sample values and the proposal's confidence and reason; required fields
    first, optional ones in an expander. Returns the mapping chosen."""
    columns = list(raw.frame.columns)
    samples = column_samples(raw.frame)
    choices = field_choices(proposal, lang)
    chosen: dict[str, tuple[str, ...]] = {}
    required = [c for c in choices if c.required]
    optional = [c for c in choices if not c.required]
    st.markdown(f"**{t('mapping_required_fields', lang)}**")
    _grid(required, columns, samples, key, lang, chosen, st)
    mapped = sum(1 for c in optional if c.chosen)
    with st.expander(t("mapping_optional_fields", lang, n=mapped)):
        _grid(optional, columns, samples, key, lang, chosen, st)
    return mapping_from_choices(chosen, proposal)


def _grid(choices: list[FieldChoice], columns: list[str], samples: dict[str, str], key: str,
          lang: str, chosen: dict[str, tuple[str, ...]], where) -> None:
    for start in range(0, len(choices), GRID):
        cells = where.columns(GRID)
        for cell, choice in zip(cells, choices[start:start + GRID]):
            chosen[choice.field] = _field_widget(cell, choice, columns, samples, key, lang)


def template_saver(engine: sa.Engine, raw: RawTable, mapping: Mapping, key: str, lang: str,
                   allowed: bool) -> None:
    """A name box and a button that save ``mapping`` as a template of the file's source."""
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    name = left.text_input(t("template_name", lang), key=scoped(Keys.TEMPLATE_NAME, key),
                           disabled=not allowed)
    if right.button(t("template_save", lang), key=scoped(Keys.TEMPLATE_SAVE, key), disabled=not allowed):
        if not name.strip():
            st.warning(t("template_name_needed", lang))
            return
        saved = save_template(engine, name, list(raw.frame.columns), mapping)
        st.success(t("template_saved", lang, name=saved.name, version=saved.version))


def file_profile(profile: FileProfile, lang: str) -> None:
    """The profile table, labelled in ``lang``, and the churn share."""
    frame = profile.fields.with_columns(
        pl.col("null_share").map_elements(lambda v: fmt.number(v, "share"), return_dtype=pl.String))
    labels = {c: t_text(f"profile_col_{c}", lang) for c in frame.columns}
    st.dataframe(frame.rename(labels), hide_index=True, width="stretch")
    if profile.churn_share is not None:
        st.caption(t("profile_churn_share", lang, share=fmt.number(profile.churn_share, "share")))


def prechecks(found: list[Precheck], rules: Rules, lang: str) -> None:
    """Each check before the import as a warning, naming the page's own controls."""
    for check in found:
        st.warning(precheck_text(check, rules, lang, replace=t_text("data_replace", lang)))
