"""Which source column(s) feed which field: the one header auto-mapper (snapshot files and
contact-outcome files alike: :func:`match_headers` over a :class:`Vocabulary`), the snapshot
proposal with a confidence and a reason per field (:func:`propose`: by name, and for the churn
flag by name and content), the CLI's ``--map`` syntax and the check of what is still missing.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

import polars as pl

from lib.i18n import t_text
from lib.ingest.errors import IngestError
from lib.ingest.flags import flag_values, header_says, sample_text, speaks_of_churn
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

#: Header fragments that mark a spend component ("Total day charge", "通话费用", "流量消费",
#: "日间话费": 话费 is how a Chinese bill names a call charge).
CHARGE_MARKERS: tuple[str, ...] = ("charge", "费用", "消费", "话费")
#: Kinds whose source may be the sum of several columns.
SUMMABLE_KINDS = frozenset({"int", "float"})
#: Fields the import can do without: ids are generated from row numbers.
GENERATED_FIELDS = frozenset({"customer_id"})
_CJK = re.compile(r"[\u4e00-\u9fff]")
_BRACKETED = re.compile(r"[(（\[【].*?[)）\]】]")


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

#: Confidence (0–1) of each way a field is found; the editor shows it and a reason beside it.
CONFIDENCE: dict[str, float] = {
    "template": 1.0,          # a saved mapping of this source, or the user's own choice
    "synonym_values": 0.98,   # a known name whose values fit the field (churn flag: two values)
    "synonym": 0.95,          # a known name, values not looked at (no sample, or not checkable)
    "synonym_note": 0.85,     # a known name once a bracketed note is dropped ("月均消费(元)")
    "churn_name_values": 0.9,  # a name that speaks of churn, with two-valued flag values
    "charges": 0.7,           # spend as the sum of several charge columns
    "churn_name_only": 0.6,   # a name that speaks of churn, values not seen
    "not_flag": 0.35,         # a known churn name whose values are not a flag: check it
}


@dataclass(frozen=True)
class Guess:
    """One field's proposed source with how sure the mapper is and why.

    Attributes
    ----------
    source : the proposed :class:`FieldSource`.
    confidence : 0–1 (see ``CONFIDENCE``); 1.0 for a choice the user or a template made.
    reason : i18n key of the reason (``mapping_reason_*`` in ``lib/i18n/ingest.py``).
    params : fields of the reason's template (``column``, ``values``, ``n``, ``name``).
    """

    source: FieldSource
    confidence: float
    reason: str
    params: dict[str, str] = dataclasses.field(default_factory=dict)

    def reason_text(self, lang: str = "en") -> str:
        """The reason in ``lang`` as plain text."""
        try:
            return t_text(self.reason, lang, **self.params)
        except (KeyError, IndexError, ValueError):
            return t_text(self.reason, lang)


@dataclass(frozen=True)
class Vocabulary:
    """The fields one kind of file maps to: their order and their known header names.

    ``index`` maps a normalised synonym to ``(field, unit or None)``.
    """

    order: tuple[str, ...]
    index: dict[str, tuple[str, str | None]]

    @classmethod
    def of(cls, synonyms: dict[str, tuple[str, ...]]) -> "Vocabulary":
        """From ``{field: synonyms}`` (a synonym may carry ``@unit``); the first field that
        claims a synonym keeps it."""
        index: dict[str, tuple[str, str | None]] = {}
        for field, names in synonyms.items():
            for synonym in (field, *names):
                text, _, unit = str(synonym).partition("@")
                index.setdefault(normalise_header(text), (field, unit or None))
        return cls(tuple(synonyms), index)


def contract_vocabulary() -> Vocabulary:
    """The snapshot contract's vocabulary (``lib.store.schema.FIELDS``)."""
    return Vocabulary(CONTRACT_COLUMNS, synonym_index())


def match_headers(headers: list[str], vocabulary: Vocabulary) -> dict[str, Guess]:
    """Headers matched to fields by name alone, the one matcher of every import.

    Exact synonym matches (after ``normalise_header``) come first, then matches once a
    bracketed note is dropped ("月均消费(元)" → "月均消费"); the first matching header wins per
    field and no header feeds two fields. Any list of anything is accepted: an entry that is
    not text is read as its ``str``; nothing is raised.

    Example
    -------
    >>> v = Vocabulary.of({"manager": ("account manager", "客户经理")})
    >>> match_headers(["客户经理(工号)"], v)["manager"].reason
    'mapping_reason_synonym_note'
    """
    names = _header_texts(headers)
    guesses: dict[str, Guess] = {}
    used: set[str] = set()
    for key, how in ((normalise_header, "synonym"), (_without_notes, "synonym_note")):
        for header in names:
            if header in used:
                continue
            hit = vocabulary.index.get(key(header))
            if hit is None or hit[0] in guesses:
                continue
            field, unit = hit
            guesses[field] = Guess(FieldSource(field, (header,), unit), CONFIDENCE[how],
                                   f"mapping_reason_{how}", {"column": header})
            used.add(header)
    return {f: guesses[f] for f in vocabulary.order if f in guesses}


@dataclass(frozen=True)
class Proposal:
    """A proposed mapping of a file: per field a :class:`Guess`, in contract order."""

    guesses: dict[str, Guess]

    @property
    def mapping(self) -> Mapping:
        """The proposed :data:`Mapping` (field → source)."""
        return {field: guess.source for field, guess in self.guesses.items()}


def propose(headers: list[str], sample: pl.DataFrame | None = None) -> Proposal:
    """Propose how a snapshot file's columns feed the contract, each with a confidence and a
    reason.

    By name first (:func:`match_headers`), with the unit a header states ("Tenure (years)").
    The churn flag is decided by name *and* content when ``sample`` (the file's text columns,
    as :class:`lib.ingest.readers.RawTable` holds them) is given: a column is the flag when its
    name speaks of churn, exit, attrition or leaving (``lib.ingest.flags``: not a score, reason or
    date: ``NOT_FLAG_WORDS``) and its values are two-valued flags (0/1, yes/no, true/false,
    是/否, "Attrited Customer"/"Existing Customer"); a known churn name whose values are not a
    flag stays proposed only when no other column is, at low confidence. Without ``sample``
    a churn-speaking name is proposed at lower confidence. When no spend field maps but two or
    more unmapped headers name a charge ("Total day charge", "Total eve charge", ...),
    ``spend_m1`` is proposed as their sum.

    Never raises, whatever the headers (duplicates, empty, any text).

    Example
    -------
    >>> sample = pl.DataFrame({"Id": ["1", "2"], "Customer Left": ["Yes", "No"]})
    >>> propose(["Id", "Customer Left"], sample).guesses["churned"].confidence
    0.9
    """
    names = _header_texts(headers)
    guesses = match_headers(names, contract_vocabulary())
    for field, guess in list(guesses.items()):
        source = guess.source
        stated = header_unit(field, source.columns[0])
        if source.unit is None and stated and UNIT_FACTORS[field][stated] != 1.0:
            # "Tenure (years)", "网龄（年）": the header says how to read it
            guesses[field] = dataclasses.replace(guess, source=dataclasses.replace(source, unit=stated))
    _decide_churn_flag(guesses, names, sample)
    if not any(f in guesses for f in (*SPEND_COLUMNS, "arpu")):
        used = {c for g in guesses.values() for c in g.source.columns}
        charges = list(dict.fromkeys(h for h in names if h not in used
                                     and any(m in normalise_header(h) for m in CHARGE_MARKERS)))
        if len(charges) >= 2:
            guesses["spend_m1"] = Guess(FieldSource("spend_m1", tuple(charges)),
                                        CONFIDENCE["charges"], "mapping_reason_charges",
                                        {"n": str(len(charges)), "column": " + ".join(charges)})
    return Proposal({f: guesses[f] for f in CONTRACT_COLUMNS if f in guesses})


def auto_map(headers: list[str], sample: pl.DataFrame | None = None) -> Mapping:
    """The proposed mapping of :func:`propose`, without confidences.

    Example
    -------
    >>> m = auto_map(["State", "Account length", "Churn"])
    >>> m["tenure_months"]
    FieldSource(field='tenure_months', columns=('Account length',), unit='days')
    """
    return propose(headers, sample).mapping


def _decide_churn_flag(guesses: dict[str, Guess], names: list[str],
                       sample: pl.DataFrame | None) -> None:
    """Settle ``churned`` in ``guesses`` by name and content (see :func:`propose`)."""
    by_name = guesses.get("churned")
    taken = {c for f, g in guesses.items() if f != "churned" for c in g.source.columns}
    if by_name is not None:
        taken.update(by_name.source.columns)
    if sample is None:
        if by_name is None:
            header = next((h for h in names if h not in taken and speaks_of_churn(h)), None)
            if header is not None:
                guesses["churned"] = Guess(FieldSource("churned", (header,)),
                                           CONFIDENCE["churn_name_only"],
                                           "mapping_reason_churn_name_only", {"column": header})
        return
    if by_name is not None:
        column = by_name.source.columns[0]
        if column not in sample.columns:
            return
        values = flag_values(sample[column])
        if values is not None:
            guesses["churned"] = dataclasses.replace(
                by_name, confidence=CONFIDENCE["synonym_values"],
                reason="mapping_reason_synonym_values",
                params={"column": column, "values": " / ".join(values)})
            return
        # a known name whose values are no flag: kept, low, unless a flag column speaks of churn
        guesses["churned"] = dataclasses.replace(
            by_name, confidence=CONFIDENCE["not_flag"], reason="mapping_reason_not_flag",
            params={"column": column, "values": sample_text(sample[column])})
    for header in names:
        if header in taken or header not in sample.columns or not speaks_of_churn(header):
            continue
        values = flag_values(sample[header])
        if values is not None:
            guesses["churned"] = Guess(FieldSource("churned", (header,)),
                                       CONFIDENCE["churn_name_values"],
                                       "mapping_reason_churn_name_values",
                                       {"column": header, "values": " / ".join(values)})
            return


def _header_texts(headers: object) -> list[str]:
    """Headers as text, whatever was passed (an iterable of anything, or nothing usable)."""
    try:
        return [str(h) for h in headers]   # type: ignore[union-attr]
    except Exception:  # noqa: BLE001 - not iterable: no header to map
        return []


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
