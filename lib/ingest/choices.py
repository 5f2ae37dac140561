"""The mapping editor's content, without Streamlit: per contract field, the file's columns to
choose from, the proposed choice with its confidence and reason, and sample values of every
column; and the mapping read back from what the user chose.

``lib.ui.mapping_editor`` draws it (one select box per field, a multi-select where a field may
sum several columns); the Data page only calls that.
"""
from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from lib.ingest.mapping import (FieldSource, Mapping, Proposal, SUMMABLE_KINDS, header_unit)
from lib.i18n.mapping import FIELD_DOCS_ZH
from lib.store.schema import FIELDS, FIELDS_BY_NAME, REQUIRED_GROUPS, SPEND_COLUMNS, UNIT_FACTORS

#: Fields whose source may be several columns added up (spend from split charges).
SUM_FIELDS: frozenset[str] = frozenset({*SPEND_COLUMNS, "arpu"})
#: Distinct sample values shown per column.
SAMPLE_VALUES = 3
#: Characters of one sample value shown.
SAMPLE_CHARS = 24
#: Rows looked at for samples (the head of the file).
SAMPLE_ROWS = 500
#: Fields of a requirement group, shown first and never hidden; of the spend group only the
#: latest month and the average (earlier months sit with the optional fields: most files have
#: one spend column).
REQUIRED_FIELDS: frozenset[str] = frozenset(
    f for group in REQUIRED_GROUPS for f in group if f not in SPEND_COLUMNS[1:])


@dataclass(frozen=True)
class FieldChoice:
    """One contract field in the editor.

    Attributes
    ----------
    field : contract field name.
    doc : its meaning, unit included, in the editor's language (:func:`field_doc`).
    required : part of a requirement group.
    multiple : may take several columns, summed.
    chosen : the proposed column(s); empty = not in the file.
    confidence : of the proposal (0–1); ``None`` when nothing is proposed.
    reason : the proposal's reason in the editor's language ("" when nothing is proposed).
    """

    field: str
    doc: str
    required: bool
    multiple: bool
    chosen: tuple[str, ...]
    confidence: float | None
    reason: str


def field_doc(field: str, lang: str = "en") -> str:
    """A contract field's meaning in ``lang`` (the schema's ``doc`` in English)."""
    if lang == "zh" and field in FIELD_DOCS_ZH:
        return FIELD_DOCS_ZH[field]
    return FIELDS_BY_NAME[field].doc


def field_choices(proposal: Proposal, lang: str = "en") -> list[FieldChoice]:
    """Every contract field, required ones first (then contract order), with its proposal."""
    choices = []
    for field in FIELDS:
        guess = proposal.guesses.get(field.name)
        choices.append(FieldChoice(
            field=field.name, doc=field_doc(field.name, lang), required=field.name in REQUIRED_FIELDS,
            multiple=field.name in SUM_FIELDS and field.kind in SUMMABLE_KINDS,
            chosen=guess.source.columns if guess else (),
            confidence=guess.confidence if guess else None,
            reason=guess.reason_text(lang) if guess else ""))
    return sorted(choices, key=lambda c: not c.required)


def column_samples(frame: pl.DataFrame, n: int = SAMPLE_VALUES) -> dict[str, str]:
    """Per column, its first ``n`` distinct non-blank values ("243, 1, 117"), "–" for none."""
    head = frame.head(SAMPLE_ROWS)
    samples = {}
    for column in head.columns:
        values = head[column].cast(pl.String).str.strip_chars()
        seen = values.filter(values.is_not_null() & (values != "")).unique(maintain_order=True)
        shown = [v if len(v) <= SAMPLE_CHARS else v[: SAMPLE_CHARS - 1] + "…"
                 for v in seen.head(n).to_list()]
        samples[column] = ", ".join(shown) or "–"
    return samples


def mapping_from_choices(chosen: dict[str, tuple[str, ...]], proposal: Proposal) -> Mapping:
    """The mapping the user chose: ``{field: columns}`` (empty = not in the file).

    A field left as proposed keeps the proposal's unit; a newly chosen column takes the unit its
    header states ("在网时长（年）" → years), else the contract unit.
    """
    mapping: Mapping = {}
    for field, columns in chosen.items():
        columns = tuple(dict.fromkeys(c for c in columns if c))
        if not columns:
            continue
        guess = proposal.guesses.get(field)
        if guess is not None and guess.source.columns == columns:
            mapping[field] = guess.source
            continue
        stated = header_unit(field, columns[0]) if len(columns) == 1 else None
        unit = stated if stated and UNIT_FACTORS.get(field, {}).get(stated, 1.0) != 1.0 else None
        mapping[field] = FieldSource(field, columns, unit)
    return mapping
