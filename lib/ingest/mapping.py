"""Which source column(s) feed which contract field: auto-mapping by synonyms, the CLI's
``--map`` syntax and the check of what is still missing.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from lib.ingest.errors import IngestError
from lib.store.schema import (
    CONTRACT_COLUMNS,
    FIELDS_BY_NAME,
    REQUIRED_GROUPS,
    SPEND_COLUMNS,
    UNIT_FACTORS,
    UNIT_WORDS,
    normalise_header,
    synonym_index,
)

#: Header fragments that mark a spend component ("Total day charge", "通话费用", "流量消费").
CHARGE_MARKERS: tuple[str, ...] = ("charge", "费用", "消费")
#: Kinds whose source may be the sum of several columns.
SUMMABLE_KINDS = frozenset({"int", "float"})
#: Fields the import can do without: ids are generated from row numbers.
GENERATED_FIELDS = frozenset({"customer_id"})
_CJK = re.compile(r"[\u4e00-\u9fff]")
_BRACKETED = re.compile(r"[(（\[【].*?[)）\]】]")
#: Latin words of a header: runs of letters, camel case split ("EstimatedSalary", "TenureYrs").
_LATIN_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")


@dataclass(frozen=True)
class FieldSource:
    """Where one contract field comes from.

    Attributes
    ----------
    field : contract field name (``lib.store.schema.CONTRACT_COLUMNS``).
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
        raise IngestError("ingest_map_invalid", {"detail": "headers"},
                          "ingest_hint_map_syntax") from None
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
            stated = header_unit(field, header)
            if unit is None and stated and UNIT_FACTORS[field][stated] != 1.0:
                unit = stated  # "Tenure (years)", "网龄（年）": the header says how to read it
            mapping[field] = FieldSource(field, (header,), unit)
            used.add(header)
    if not any(f in mapping for f in (*SPEND_COLUMNS, "arpu")):
        charges = [h for h in names if h not in used
                   and any(m in normalise_header(h) for m in CHARGE_MARKERS)]
        charges = list(dict.fromkeys(charges))
        if len(charges) >= 2:
            mapping["spend_m1"] = FieldSource("spend_m1", tuple(charges))
    return dict(sorted(mapping.items(), key=lambda kv: CONTRACT_COLUMNS.index(kv[0])))


def header_unit(field: str, header: str) -> str | None:
    """The unit a header states for a convertible field, or ``None`` when it states none (or
    several).

    Example
    -------
    >>> header_unit("tenure_months", "Tenure (years)"), header_unit("tenure_months", "在网时长（月）")
    ('years', 'months')
    >>> header_unit("tenure_months", "Tenure") is None
    True
    """
    stated = [unit for unit, spellings in UNIT_WORDS.get(field, {}).items()
              if header_says(header, spellings)]
    return stated[0] if len(stated) == 1 else None


def header_says(header: str, words: tuple[str, ...]) -> bool:
    """True when ``header`` holds one of ``words``: a latin word as a whole word (any case,
    "EstimatedSalary" holds "salary" only as a camel-case part), a Chinese word anywhere."""
    text = str(header)
    latin = {w.lower() for w in _LATIN_WORD.findall(text)}
    lowered = text.lower()
    return any(w in latin if w.isascii() else w in lowered for w in words)


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


def check_mapping(mapping: Mapping, headers: list[str], name: str,
                  snapshot_given: bool) -> dict[str, FieldSource]:
    """The mapping checked against a file's headers, in contract order.

    Raises
    ------
    IngestError when the mapping is malformed, names a column the file lacks, or leaves a
    requirement group (or the snapshot date) unmet: the message names the missing fields, the
    headers one could map and the synonyms that would map by themselves.
    """
    if not isinstance(mapping, dict):
        raise IngestError("ingest_map_invalid", {"detail": type(mapping).__name__},
                          "ingest_hint_map_syntax")
    checked: dict[str, FieldSource] = {}
    for key, source in mapping.items():
        source = check_source(source)
        if key != source.field:
            raise IngestError("ingest_map_invalid", {"detail": f"{key!s:.50} ≠ {source.field}"},
                              "ingest_hint_map_syntax")
        checked[key] = source
    present = set(headers)
    for source in checked.values():
        for column in source.columns:
            if column not in present:
                raise IngestError("ingest_mapped_column_missing",
                                  {"file": name, "column": column[:100], "field": source.field,
                                   "columns": _list_text(headers)},
                                  "ingest_hint_columns")
    missing = missing_requirements(checked, snapshot_given)
    if missing == [("snapshot_date",)]:
        raise IngestError("ingest_snapshot_required",
                          {"file": name, "synonyms": synonyms_hint(["snapshot_date"])},
                          "ingest_hint_snapshot")
    if missing:
        hint_fields: list[str] = []
        for group in missing:
            hint_fields += ["spend_m1", "arpu"] if "arpu" in group else list(group)
        raise IngestError("ingest_missing_fields",
                          {"file": name,
                           "groups": "; ".join(" | ".join(g) for g in missing),
                           "columns": _list_text(headers),
                           "synonyms": synonyms_hint(hint_fields)},
                          "ingest_hint_missing_fields")
    return dict(sorted(checked.items(), key=lambda kv: CONTRACT_COLUMNS.index(kv[0])))


def _list_text(items: list[str], limit: int = 300) -> str:
    text = ", ".join(items)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def synonyms_hint(fields: tuple[str, ...] | list[str], per_field: int = 6) -> str:
    """"field: syn1, syn2, ..." for the fields of missing groups, for messages."""
    parts = []
    for name in fields:
        synonyms = [s.partition("@")[0] for s in FIELDS_BY_NAME[name].synonyms]
        chinese = [s for s in synonyms if _CJK.search(s)]
        latin = [s for s in synonyms if not _CJK.search(s)]
        half = per_field // 2
        picked = list(dict.fromkeys([name, *latin]))[:per_field - half] + chinese[:half]
        parts.append(f"{name}: {', '.join(picked)}")
    return "; ".join(parts)
