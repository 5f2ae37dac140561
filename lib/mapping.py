"""Which source column(s) feed which contract field: auto-mapping by synonyms, the CLI's
``--map`` syntax and the check of what is still missing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from lib.ingest_errors import IngestError
from lib.schema import (
    CONTRACT_COLUMNS,
    FIELDS_BY_NAME,
    REQUIRED_GROUPS,
    SPEND_COLUMNS,
    UNIT_FACTORS,
    normalise_header,
    synonym_index,
)

#: Header fragments that mark a spend component ("Total day charge", "通话费用", "流量消费").
CHARGE_MARKERS: tuple[str, ...] = ("charge", "费用", "消费")
#: Kinds whose source may be the sum of several columns.
SUMMABLE_KINDS = frozenset({"int", "float"})
#: Fields the import can do without: ids are generated from row numbers.
GENERATED_FIELDS = frozenset({"customer_id"})
_BRACKETED = re.compile(r"[(（\[【].*?[)）\]】]")


@dataclass(frozen=True)
class FieldSource:
    """Where one contract field comes from.

    Attributes
    ----------
    field : contract field name (``lib.schema.CONTRACT_COLUMNS``).
    columns : source column(s); several are summed (spend = sum of the charges).
    unit : unit of the source for fields that convert ("days"/"years"/"months" for
        ``tenure_months``, "mb"/"gb" for ``data_gb``); ``None`` = the contract unit.
    """

    field: str
    columns: tuple[str, ...]
    unit: str | None = None


Mapping = dict[str, FieldSource]


def auto_map(headers: list[str]) -> Mapping:
    """Propose a mapping from the headers alone.

    Exact synonym matches (after ``normalise_header``) come first, then matches once a bracketed
    note is dropped ("月均消费(元)" → "月均消费"); the first matching header wins per field.
    When no spend field maps but two or more unmapped headers name a charge ("Total day charge",
    "Total eve charge", ...), ``spend_m1`` is proposed as their sum.

    Example
    -------
    >>> m = auto_map(["State", "Account length", "Churn"])
    >>> m["tenure_months"]
    FieldSource(field='tenure_months', columns=('Account length',), unit='days')
    """
    try:
        names = [str(h) for h in headers]
    except Exception:  # noqa: BLE001
        raise IngestError("ingest_map_invalid", {"detail": "headers"}, "ingest_hint_map_syntax") from None
    index = synonym_index()
    mapping: Mapping = {}
    used: set[str] = set()
    for key in (normalise_header, _without_notes):
        for header in names:
            if header in used:
                continue
            hit = index.get(key(header))
            if hit is None or hit[0] in mapping:
                continue
            field, unit = hit
            mapping[field] = FieldSource(field, (header,), unit)
            used.add(header)
    if not any(f in mapping for f in (*SPEND_COLUMNS, "arpu")):
        charges = [h for h in names if h not in used
                   and any(m in normalise_header(h) for m in CHARGE_MARKERS)]
        charges = list(dict.fromkeys(charges))
        if len(charges) >= 2:
            mapping["spend_m1"] = FieldSource("spend_m1", tuple(charges))
    return dict(sorted(mapping.items(), key=lambda kv: CONTRACT_COLUMNS.index(kv[0])))


def _without_notes(header: str) -> str:
    return normalise_header(_BRACKETED.sub("", header))


def parse_map_option(text: str) -> FieldSource:
    """Parse the CLI syntax ``SOURCE[+SOURCE...]=FIELD[@unit]``.

    Example
    -------
    >>> parse_map_option("Account length=tenure_months@days")
    FieldSource(field='tenure_months', columns=('Account length',), unit='days')
    >>> parse_map_option("Total day charge+Total eve charge=spend_m1").columns
    ('Total day charge', 'Total eve charge')
    """
    text = str(text)
    source, eq, target = text.rpartition("=")
    if not eq or not source.strip() or not target.strip():
        raise IngestError("ingest_map_syntax", {"text": text[:200]}, "ingest_hint_map_syntax")
    columns = tuple(part.strip() for part in source.split("+"))
    if any(not c for c in columns):
        raise IngestError("ingest_map_syntax", {"text": text[:200]}, "ingest_hint_map_syntax")
    field, _, unit = target.strip().partition("@")
    field = field.strip()
    unit_name = unit.strip().lower() or None
    if field not in FIELDS_BY_NAME:
        normalised = normalise_header(field)
        field = normalised if normalised in FIELDS_BY_NAME else field
    return check_source(FieldSource(field, tuple(dict.fromkeys(columns)), unit_name))


def check_source(source: FieldSource) -> FieldSource:
    """Raise :class:`IngestError` unless ``source`` names a field, its units and summable kinds."""
    if not isinstance(source, FieldSource):
        raise IngestError("ingest_map_invalid", {"detail": repr(source)[:200]},
                          "ingest_hint_map_syntax")
    field = source.field
    if not isinstance(field, str) or field not in FIELDS_BY_NAME:
        raise IngestError("ingest_map_unknown_field", {"field": str(field)[:100],
                                                       "fields": ", ".join(CONTRACT_COLUMNS)},
                          "ingest_hint_fields")
    columns = source.columns
    if (not isinstance(columns, tuple) or not columns
            or not all(isinstance(c, str) and c for c in columns)):
        raise IngestError("ingest_map_invalid", {"detail": f"{field}: {columns!r}"[:200]},
                          "ingest_hint_map_syntax")
    allowed = UNIT_FACTORS.get(field, {})
    if source.unit is not None and source.unit not in allowed:
        raise IngestError("ingest_map_bad_unit",
                          {"field": field, "unit": str(source.unit)[:50],
                           "units": ", ".join(allowed) or "-"},
                          "ingest_hint_units")
    if len(columns) > 1 and FIELDS_BY_NAME[field].kind not in SUMMABLE_KINDS:
        raise IngestError("ingest_map_sum_not_numeric",
                          {"field": field, "columns": " + ".join(columns)[:200]},
                          "ingest_hint_map_syntax")
    return source


def missing_requirements(mapping: Mapping, snapshot_date_given: bool) -> list[tuple[str, ...]]:
    """Requirement groups no mapped field satisfies, in ``REQUIRED_GROUPS`` order.

    ``customer_id`` is never reported: without it the import generates ids from row numbers
    (with a warning). ``("snapshot_date",)`` is appended when it is neither mapped nor given.
    """
    mapped = set(mapping or {})
    missing = [group for group in REQUIRED_GROUPS
               if not mapped.intersection(group) and not GENERATED_FIELDS.issuperset(group)]
    if "snapshot_date" not in mapped and not snapshot_date_given:
        missing.append(("snapshot_date",))
    return missing


def synonyms_hint(fields: tuple[str, ...] | list[str], per_field: int = 6) -> str:
    """"field: syn1, syn2, ..." for the fields of missing groups, for messages."""
    parts = []
    for name in fields:
        synonyms = [s.partition("@")[0] for s in FIELDS_BY_NAME[name].synonyms]
        picked = list(dict.fromkeys([name, *synonyms]))[:per_field]
        parts.append(f"{name}: {', '.join(picked)}")
    return "; ".join(parts)
