"""Validation of a mapped table: typed contract columns out, one report row per problem.

Rules (docs/user-guide.md, "The data contract"; docs/architecture.md, "Bad input"):

* A problem in a required field rejects the row (severity "error"): blank or invalid
  ``customer_id``, a repeated ``customer_id`` for the same snapshot (the first row is kept), no
  usable tenure, churn indicator or spend, negative spend, a join or churn date before
  1990-01-01 or after ``today``, a churn date after the snapshot date, no snapshot date.
* A problem in an optional field blanks the value and keeps the row (severity "warning"). So
  does a problem in one field of a required group when another field of the group is usable
  (a bad ``join_date`` next to a good ``tenure_months``).
* Everything is a polars expression over the whole column; the report grows only with problems.
"""
from __future__ import annotations

import dataclasses

import datetime as dt
import re
from dataclasses import dataclass

import polars as pl

from lib.ingest import coerce

from lib.ingest import plausibility
from lib.ingest.errors import IngestError
from lib.ingest.report import ProblemColumn, build_report
from lib.ingest.mapping import Mapping, check_mapping
from lib.ingest.read_limits import MAX_TEXT_FIELD_CHARS
from lib.ingest.readers import RawTable
from lib.rules import Rules, RulesError, default_rules
from lib.store.schema import (
    CONTRACT_COLUMNS,
    FIELDS_BY_NAME,
    REQUIRED_GROUPS,
    SPEND_COLUMNS,
    UNIT_FACTORS,
    contract_dtypes,
    normalise_header,
)

EARLIEST_DATE = dt.date(1990, 1, 1)
#: A snapshot date given at import may lie at most this many years after today (and not before
#: ``EARLIEST_DATE``): 0001-01-01 or 2099-12-31 is a typing slip, refused. A date after today
#: but within the year is warned about by ``lib.ingest.plausibility.snapshot_warnings``.
SNAPSHOT_MAX_YEARS_AHEAD = 1
#: Significant digits a spreadsheet keeps of a number (Excel's 15): a longer numeric id read
#: from a workbook may have lost its last digits.
SPREADSHEET_DIGITS = 15
#: An id written in scientific notation ("1.23E+10"): a spreadsheet's rendering of a long
#: number, which no longer holds the id's digits.
SCIENTIFIC_ID = r"^[+-]?\d+(\.\d+)?[eE][+-]?\d+$"
#: A NUL byte: no character of any text (PostgreSQL cannot store it).
NUL = "\x00"
#: Bounds outside which a number is implausible, per field: (low, high), inclusive.
RANGES: dict[str, tuple[float, float]] = {"age": (10, 110), "tenure_months": (0, 1200)}
#: Fields that cannot be negative (a negative value is blanked with a warning).
NON_NEGATIVE: frozenset[str] = frozenset({
    "points", "voice_minutes", "outgoing_calls", "sms", "data_gb", "roaming", "complaints",
    "service_calls", "tenure_months",
})
SPEND_FIELDS: frozenset[str] = frozenset({*SPEND_COLUMNS, "arpu"})
#: Requirement groups checked row by row, with the code used when all their fields are blank.
ROW_GROUPS: tuple[tuple[tuple[str, ...], str], ...] = (
    (REQUIRED_GROUPS[1], "ingest_tenure_missing"),
    (REQUIRED_GROUPS[2], "ingest_churn_missing"),
    (REQUIRED_GROUPS[3], "ingest_spend_missing"),
)
#: Codes that reject the row whatever else the row holds, per field.
HARD_CODES: dict[str, frozenset[str]] = {
    "join_date": frozenset({"ingest_date_out_of_range"}),
    "churn_date": frozenset({"ingest_date_out_of_range", "ingest_churn_after_snapshot"}),
    **{f: frozenset({"ingest_negative_spend"}) for f in SPEND_FIELDS},
}
#: Fields whose every problem rejects the row.
ALWAYS_HARD: frozenset[str] = frozenset({"customer_id", "snapshot_date"})


@dataclass
class ValidationResult:
    """What :func:`validate` returns.

    Attributes
    ----------
    accepted : typed contract columns (mapped fields, ``customer_id``, ``snapshot_date`` when
        mapped or given) with ``lib.store.schema`` dtypes, then every unmapped source column as text
        under ``x_<normalised header>``. Not yet derived (see ``lib.pipeline.derive``).
    report : one row per problem: ``row`` (1-based data row, null for the file), ``column``
        (source header), ``field``, ``value`` (text, at most 80 characters), ``severity``
        ("error" = row rejected, "warning" = value blanked, row kept), ``code``,
        ``message_en``, ``message_zh``.
    rows_read, rows_accepted, rows_rejected : counts of data rows.
    tenure_unit : unit the file gave ``tenure_months`` in ("months", "days", "years"), already
        converted to months in ``accepted``; ``lib.pipeline.derive.derive`` needs it to place join dates.

    File-level rows (``row`` null) include the plausibility warnings of ``lib.ingest.plausibility``
    (tenure unit, spend that looks like a balance, snapshot date after today): see
    :meth:`plausibility_warnings`.
    """

    accepted: pl.DataFrame
    report: pl.DataFrame
    rows_read: int
    rows_accepted: int
    rows_rejected: int
    tenure_unit: str = "months"
    source_name: str = ""
    #: the checked mapping the rows were read by (field → source), in contract order
    sources: dict = dataclasses.field(default_factory=dict)
    #: the file's headers, in the file's order
    headers: tuple[str, ...] = ()

    def refusal(self) -> IngestError | None:
        """Why this file may not be imported at all, or None.

        A NUL byte is no character of any text: a file holding one is damaged or not plain text
        (within its first 256 KiB it is refused as binary before it is parsed). Its rows are
        named in the report (``ingest_nul_byte``), and the import is refused rather than storing
        the rest of a damaged file.
        """
        rows = self.report.filter(pl.col("code") == "ingest_nul_byte").get_column("row").unique(
            maintain_order=True)
        if rows.len() == 0:
            return None
        error = IngestError("ingest_nul_refused",
                            {"file": self.source_name, "count": rows.len(),
                             "rows": ", ".join(f"{r:,}" for r in rows.head(5).to_list())},
                            "ingest_hint_nul")
        error.check = self
        return error

    def plausibility_warnings(self) -> pl.DataFrame:
        """The report rows of the plausibility checks: the user confirms them before importing."""
        return self.report.filter(pl.col("code").is_in(sorted(plausibility.CODES)))

    def summary(self) -> pl.DataFrame:
        """Problem counts by severity, code, field and column (errors first), with messages."""
        if self.report.height == 0:
            return pl.DataFrame(schema={"severity": pl.String, "code": pl.String,
                                        "field": pl.String, "column": pl.String,
                                        "rows": pl.UInt32, "message_en": pl.String,
                                        "message_zh": pl.String})
        return (
            self.report.group_by(["severity", "code", "field", "column"], maintain_order=True)
            .agg(rows=pl.len(), message_en=pl.col("message_en").first(),
                 message_zh=pl.col("message_zh").first())
            .sort(["severity", "rows"], descending=[False, True], maintain_order=True)
        )


# --------------------------------------------------------------------------- entry point

def validate(raw: RawTable, mapping: Mapping, snapshot_date: dt.date | None = None,
             today: dt.date | None = None, rules: Rules | None = None) -> ValidationResult:
    """Coerce the mapped columns to the contract, reject or blank what is wrong, report why.

    Parameters
    ----------
    raw : table from :func:`lib.ingest.readers.read_table`.
    mapping : contract field → :class:`lib.ingest.mapping.FieldSource`.
    snapshot_date : date of the rows when the file has no snapshot column (and for its blanks).
    today : latest acceptable join/churn/snapshot date (default: ``date.today()``).
    rules : rules in force, for the plausibility thresholds (default: the shipped rules).

    Raises
    ------
    IngestError when required groups are unmapped (naming the fields and their synonyms), when a
    mapped column is not in the file, or when the mapping itself is malformed.
    """
    try:
        return _validate(raw, mapping, snapshot_date, today, rules or default_rules())
    except (IngestError, RulesError):
        raise
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - polars panics derive from BaseException
        name = getattr(raw, "source_name", "")
        detail = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise IngestError("ingest_internal_error", {"file": name, "detail": detail},
                          "ingest_hint_report") from None


def snapshot_date_bounds(today: dt.date) -> tuple[dt.date, dt.date]:
    """Earliest and latest snapshot date accepted at import: ``EARLIEST_DATE`` and
    ``SNAPSHOT_MAX_YEARS_AHEAD`` years after ``today`` (28 February for a 29 February)."""
    year = today.year + SNAPSHOT_MAX_YEARS_AHEAD
    try:
        return EARLIEST_DATE, today.replace(year=year)
    except ValueError:
        return EARLIEST_DATE, today.replace(year=year, day=28)


def check_snapshot_date(snapshot: dt.date | None, today: dt.date, name: str) -> None:
    """Refuse a snapshot date given at import outside :func:`snapshot_date_bounds`.

    Raises
    ------
    IngestError ``ingest_snapshot_date_out_of_range`` naming the date and the bounds.
    """
    if snapshot is None:
        return
    earliest, latest = snapshot_date_bounds(today)
    if not earliest <= snapshot <= latest:
        raise IngestError("ingest_snapshot_date_out_of_range",
                          {"file": name, "snapshot": snapshot.isoformat(),
                           "earliest": earliest.isoformat(), "latest": latest.isoformat()},
                          "ingest_hint_snapshot_date")


def _as_date(value: object, name: str, what: str) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise IngestError("ingest_bad_date_argument",
                          {"file": name, "what": what, "value": str(value)[:40]},
                          "ingest_hint_date_format") from None


# --------------------------------------------------------------------------- per-field expressions

@dataclass
class _Plan:
    field: str
    label: str            # source header(s) for the report
    raw: pl.Expr          # source text for the report
    cleaned: list[str]    # cleaned text column of each source column
    unit: str | None

    @property
    def typed(self) -> str:     # parsed value, before checks
        return f"t_{self.field}"

    @property
    def value(self) -> str:     # value kept (null when blank or bad)
        return f"v_{self.field}"

    @property
    def problem(self) -> str:   # problem code (null when fine)
        return f"p_{self.field}"

    @property
    def invalid(self) -> str:   # numbers only: some part does not parse
        return f"bad_{self.field}"


def _parse_stages(plan: _Plan) -> coerce.Stages:
    """Stages that make ``t_<field>`` (and ``bad_<field>`` for numbers) from the cleaned text."""
    field, kind, text = plan.field, FIELDS_BY_NAME[plan.field].kind, plan.cleaned[0]
    if kind == "id":
        return [[pl.col(text).str.replace(r"^(\d+)\.0+$", "${1}").alias(plan.typed)]]
    if kind == "text":
        if field == "churn_type":
            return coerce.parse_churn_type(text, plan.typed)
        return [[pl.col(text).alias(plan.typed)]]
    if kind == "bool":
        return coerce.parse_bool(text, plan.typed)
    if kind == "date":
        return coerce.parse_date(text, plan.typed)
    numbers = [f"n_{field}~{j}" for j in range(len(plan.cleaned))]
    parts = coerce.merge(*(coerce.parse_number(c, n) for c, n in zip(plan.cleaned, numbers)))
    invalid = pl.any_horizontal([pl.col(c).is_not_null() & pl.col(n).is_null()
                                 for c, n in zip(plan.cleaned, numbers)])
    all_blank = pl.all_horizontal([pl.col(c).is_null() for c in plan.cleaned])
    total = pl.col(numbers[0]) if len(numbers) == 1 else pl.sum_horizontal(numbers)
    factor = UNIT_FACTORS.get(field, {}).get(plan.unit or "", 1.0)
    if factor != 1.0:
        total = total * factor
    return parts + [[invalid.alias(plan.invalid),
                     pl.when(all_blank | invalid).then(None).otherwise(total).alias(plan.typed)]]


def _problem(plan: _Plan, snap: pl.Expr, today: dt.date, snapshot_given: bool) -> pl.Expr:
    """Problem code of one field, from its parsed and cleaned columns (all column reads)."""
    field, kind = plan.field, FIELDS_BY_NAME[plan.field].kind
    text, value = pl.col(plan.cleaned[0]), pl.col(plan.typed)
    none = pl.lit(None, dtype=pl.String)
    unparsed = text.is_not_null() & value.is_null()
    out_of_range = (value < pl.lit(EARLIEST_DATE)) | (value > pl.lit(today))
    too_long = text.str.len_chars() > MAX_TEXT_FIELD_CHARS
    if kind == "id":
        problem = (pl.when(value.is_null()).then(pl.lit("ingest_id_blank"))
                   .when(too_long).then(pl.lit("ingest_text_too_long")))
    elif kind == "text":
        problem = pl.when(too_long).then(pl.lit("ingest_text_too_long"))
        if field == "churn_type":
            problem = problem.when(unparsed).then(pl.lit("ingest_bad_churn_type"))
    elif kind == "bool":
        problem = pl.when(unparsed).then(pl.lit("ingest_not_a_boolean"))
    elif kind == "date":
        problem = pl.when(text.is_null() & pl.lit(field == "snapshot_date" and not snapshot_given))
        problem = problem.then(pl.lit("ingest_snapshot_missing"))
        problem = (problem.when(unparsed & coerce.is_ambiguous_date(pl.when(unparsed).then(text)))
                   .then(pl.lit("ingest_date_ambiguous"))
                   .when(unparsed).then(pl.lit("ingest_not_a_date")))
        if field == "churn_date":
            problem = problem.when(value > snap).then(pl.lit("ingest_churn_after_snapshot"))
        problem = problem.when(out_of_range).then(pl.lit("ingest_date_out_of_range"))
        if field == "join_date":
            problem = problem.when(value > snap).then(pl.lit("ingest_join_after_snapshot"))
    else:
        problem = pl.when(pl.col(plan.invalid) | (value.is_not_null() & ~value.is_finite())).then(
            pl.lit("ingest_not_a_number"))
        if kind == "int":
            problem = problem.when(value.is_not_null() & coerce.parse_whole(value).is_null()).then(
                pl.lit("ingest_not_a_whole_number"))
        if field in SPEND_FIELDS:
            problem = problem.when(value < 0).then(pl.lit("ingest_negative_spend"))
        if field in NON_NEGATIVE:
            problem = problem.when(value < 0).then(pl.lit("ingest_negative_value"))
        if field in RANGES:
            low, high = RANGES[field]
            problem = problem.when((value < low) | (value > high)).then(
                pl.lit("ingest_value_out_of_range"))
    return problem.otherwise(none)


def _kept_value(plan: _Plan, snapshot: dt.date | None) -> pl.Expr:
    value = pl.col(plan.typed)
    if FIELDS_BY_NAME[plan.field].kind == "int":
        value = coerce.parse_whole(value)
    if plan.field == "snapshot_date":
        value = pl.coalesce(value, pl.lit(snapshot, dtype=pl.Date))
    return pl.when(pl.col(plan.problem).is_null()).then(value).otherwise(None).alias(plan.value)


def _message_params(field: str | None, column: str | None, today: dt.date,
                    snapshot: dt.date | None) -> dict[str, object]:
    low, high = RANGES.get(field or "", ("", ""))
    return {"field": field or "", "column": column or "", "today": today.isoformat(),
            "earliest": EARLIEST_DATE.isoformat(), "low": low, "high": high,
            "max_chars": MAX_TEXT_FIELD_CHARS,
            "snapshot": snapshot.isoformat() if snapshot else ""}


def _long_columns(work: pl.DataFrame, columns: list[str]) -> set[str]:
    """Those of ``columns`` holding a value longer than ``MAX_TEXT_FIELD_CHARS`` (one pass)."""
    if not columns or work.height == 0:
        return set()
    flags = work.select([(pl.col(c).str.len_chars() > MAX_TEXT_FIELD_CHARS).any().alias(c)
                         for c in columns]).row(0, named=True)
    return {c for c, flagged in flags.items() if flagged}


def _cell_problems(work: pl.DataFrame, headers: list[str], src: list[str],
                   long_extras: set[str]) -> pl.DataFrame | None:
    """Report rows (no messages yet) for cells of any column: a NUL byte (error, row rejected)
    and, in a kept (unmapped) column, a value longer than ``MAX_TEXT_FIELD_CHARS`` (warning,
    value blanked). Columns are looked at one by one only when they hold such a cell."""
    nul_columns: list[str] = []
    if work.height and work.get_column("nul").any():
        flags = work.select([pl.col(s).str.contains(NUL, literal=True).any().alias(s)
                             for s in src]).row(0, named=True)
        nul_columns = [s for s, flagged in flags.items() if flagged]
    header_of = dict(zip(src, headers))
    pieces = []
    for s, code, severity, rows in (
            [(s, "ingest_nul_byte", "error", pl.col(s).str.contains(NUL, literal=True))
             for s in nul_columns]
            + [(s, "ingest_text_too_long", "warning",
                (pl.col(s).str.len_chars() > MAX_TEXT_FIELD_CHARS) & ~pl.col("rejected"))
               for s in long_extras]):
        pieces.append(work.filter(rows.fill_null(False)).select(
            pl.col("r").alias("row"), pl.lit(header_of[s]).alias("column"),
            pl.lit(None, pl.String).alias("field"),
            pl.col(s).str.slice(0, 80).str.replace_all(NUL, "\u2400", literal=True).alias("value"),
            pl.lit(severity).alias("severity"), pl.lit(code).alias("code")))
    return pl.concat(pieces, how="vertical") if pieces else None


def _id_warnings(work: pl.DataFrame, source, column: str, workbook: bool) -> list[tuple[str, dict]]:
    """File-level warnings about the id column's text: ids in scientific notation ("1.23E+10",
    a spreadsheet's rendering that no longer holds the digits: different customers may share
    one), and, from a workbook, numeric ids longer than a spreadsheet's 15 significant digits
    (a number cell cannot hold them exactly)."""
    text = pl.col(column).str.strip_chars()
    digits = text.str.replace(r"\.0+$", "").str.strip_chars_start("0")
    counts = work.filter(~pl.col("blank")).select(
        text.str.contains(SCIENTIFIC_ID).sum().alias("scientific"),
        (digits.str.contains(r"^\d+$") & (digits.str.len_chars() > SPREADSHEET_DIGITS))
        .sum().alias("long"),
        text.filter(text.str.contains(SCIENTIFIC_ID)).first().alias("example"),
    ).row(0, named=True)
    params = {"column": " + ".join(source.columns), "field": "customer_id"}
    warnings: list[tuple[str, dict]] = []
    if counts["scientific"]:
        warnings.append(("ingest_ids_scientific", params | {
            "count": int(counts["scientific"]), "example": str(counts["example"])[:40]}))
    if workbook and counts["long"]:
        warnings.append(("ingest_ids_beyond_spreadsheet_digits", params | {
            "count": int(counts["long"]), "digits": SPREADSHEET_DIGITS}))
    return warnings


def _extra_names(headers: list[str], skip: set[int]) -> dict[int, str]:
    """Sanitised ``x_<normalised header>`` names of the unmapped columns, unique."""
    names: dict[int, str] = {}
    seen: set[str] = set()
    for i, header in enumerate(headers):
        if i in skip:
            continue
        base = re.sub(r"[\W_]+", "_", normalise_header(header)).strip("_")[:60] or f"col{i + 1}"
        name = f"x_{base}"
        k = 2
        while name in seen:
            name = f"x_{base}_{k}"
            k += 1
        seen.add(name)
        names[i] = name
    return names


# --------------------------------------------------------------------------- the pipeline

@dataclass(frozen=True)
class _Layout:
    """Where the file's columns went: ``src[i]`` is source column ``i`` as text, ``c{i}`` its
    cleaned text (mapped columns only, ``used``), and ``plans`` the mapped fields' parse plans."""

    headers: list[str]
    position: dict[str, int]
    src: list[str]
    used: list[int]
    plans: list[_Plan]

    @property
    def by_field(self) -> dict[str, _Plan]:
        return {p.field: p for p in self.plans}


def _check_inputs(raw: RawTable, mapping: Mapping, snapshot_date: object, today: object):
    """The table, the dates and the mapping checked: (file name, snapshot date or None,
    today, field -> source). Raises ``IngestError`` for anything unusable."""
    if not isinstance(raw, RawTable) or not isinstance(raw.frame, pl.DataFrame):
        raise IngestError("ingest_unreadable", {"file": getattr(raw, "source_name", ""),
                                                "detail": "not a table"}, "ingest_hint_formats")
    name = str(raw.source_name)
    snapshot = _as_date(snapshot_date, name, "snapshot_date")
    today_date = _as_date(today, name, "today") or dt.date.today()
    check_snapshot_date(snapshot, today_date, name)
    sources = check_mapping(mapping, list(raw.frame.columns), name, snapshot is not None)
    return name, snapshot, today_date, sources


def _cleaned(raw: RawTable, sources: dict) -> tuple[pl.LazyFrame, _Layout]:
    """Every source column as text, the mapped ones cleaned, the blank-row flag, and each
    mapped field parsed (``t_<field>``)."""
    headers = list(raw.frame.columns)
    position = {h: i for i, h in enumerate(headers)}
    src = [f"s{i}" for i in range(len(headers))]
    used = sorted({position[c] for s in sources.values() for c in s.columns})
    cleaned = {i: f"c{i}" for i in used}
    lf = raw.frame.lazy().select(
        [pl.nth(i).cast(pl.String).alias(s) for i, s in enumerate(src)]
    ).with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("r"))
    lf = coerce.run(lf, coerce.merge(*(coerce.clean(src[i], c) for i, c in cleaned.items())))
    # A row with nothing in it is rejected with one error; its other problems are not reported.
    # (Mapped columns count as blank after cleaning, the others when empty.)
    lf = lf.with_columns(pl.all_horizontal(
        [pl.col(cleaned[i]).is_null() if i in cleaned
         else pl.col(s).fill_null("").str.len_bytes() == 0 for i, s in enumerate(src)]
        or [pl.lit(True)]
    ).alias("blank"))
    plans = [
        _Plan(field, " + ".join(source.columns),
              pl.col(src[position[source.columns[0]]]) if len(source.columns) == 1 else
              pl.concat_str([pl.col(src[position[c]]).fill_null("") for c in source.columns],
                            separator=" + "),
              [f"c{position[c]}" for c in source.columns], source.unit)
        for field, source in sources.items()
    ]
    lf = coerce.run(lf, coerce.merge(*(_parse_stages(p) for p in plans)))
    return lf, _Layout(headers, position, src, used, plans)


def _checked_values(lf: pl.LazyFrame, layout: _Layout, sources: dict, snapshot: dt.date | None,
                    today_date: dt.date) -> pl.LazyFrame:
    """Each field's problem (``p_<field>``) and kept value (``v_<field>``); the snapshot date
    first (other checks compare with it), then the others; repeated ids flagged."""
    by_field = layout.by_field
    given = snapshot is not None
    if "snapshot_date" in by_field:
        p = by_field["snapshot_date"]
        lf = lf.with_columns(_problem(p, pl.lit(None, dtype=pl.Date), today_date, given).alias(p.problem))
        lf = lf.with_columns(_kept_value(p, snapshot))
    else:
        lf = lf.with_columns(pl.lit(snapshot, dtype=pl.Date).alias("v_snapshot_date"))
    snap = pl.col("v_snapshot_date")
    others = [p for p in layout.plans if p.field != "snapshot_date"]
    blank = pl.col("blank")
    lf = lf.with_columns(
        [pl.when(blank).then(None).otherwise(_problem(p, snap, today_date, given))
         .alias(p.problem) for p in others]
    )
    lf = lf.with_columns(
        [_kept_value(p, snapshot) for p in others]
        + ([] if "customer_id" in sources else
           [pl.concat_str([pl.lit("R"), pl.col("r").cast(pl.String).str.zfill(7)])
            .alias("v_customer_id")])
    )
    if "snapshot_date" in by_field:  # blank rows report only themselves
        lf = lf.with_columns(pl.when(blank).then(None).otherwise(pl.col("p_snapshot_date"))
                             .alias("p_snapshot_date"))
    # Repeated customer id for the same snapshot: the first row is kept.
    if "customer_id" in sources:
        first = pl.struct(["v_customer_id", "v_snapshot_date"]).is_first_distinct()
        dup = pl.col("v_customer_id").is_not_null() & ~first & ~blank
        lf = lf.with_columns(
            pl.when(dup).then(pl.lit("ingest_duplicate_id")).otherwise(pl.col("p_customer_id"))
            .alias("p_customer_id")
        )
    return lf


def _row_groups(lf: pl.LazyFrame, sources: dict):
    """The requirement groups (``ROW_GROUPS``), row by row: ``g{k}`` (met) and ``m{k}`` (missing
    without another problem to explain it). Returns (frame, field -> its group's column,
    [(missing flag, code, member fields)])."""
    blank = pl.col("blank")
    group_of: dict[str, str] = {}
    missing_codes: list[tuple[str, str, tuple[str, ...]]] = []
    group_exprs: list[pl.Expr] = []
    for k, (group, code) in enumerate(ROW_GROUPS):
        members = [f for f in group if f in sources]
        ok = pl.any_horizontal([pl.col(f"v_{f}").is_not_null() for f in members])
        no_problem = pl.all_horizontal([pl.col(f"p_{f}").is_null() for f in members])
        if members == ["churn_date"]:
            ok = no_problem  # with only a churn date mapped, a blank one means still active
        group_exprs += [ok.alias(f"g{k}"), (~ok & no_problem & ~blank).alias(f"m{k}")]
        group_of.update({f: f"g{k}" for f in members})
        missing_codes.append((f"m{k}", code, tuple(members)))
    return lf.with_columns(group_exprs), group_of, missing_codes


def _severity(p: _Plan, group_of: dict[str, str]) -> pl.Expr:
    """"error" (the row is rejected) or "warning" (the value is blanked) of ``p``'s problem."""
    if p.field in ALWAYS_HARD:
        return pl.lit("error")
    code = pl.col(p.problem)
    expr = pl.when(pl.lit(False)).then(pl.lit("error"))
    if p.field in HARD_CODES:
        expr = expr.when(code.is_in(sorted(HARD_CODES[p.field]))).then(pl.lit("error"))
    if p.field in group_of:
        expr = expr.when(~pl.col(group_of[p.field])).then(pl.lit("error"))
    return expr.otherwise(pl.lit("warning"))


def _rejections(lf: pl.LazyFrame, layout: _Layout, group_of: dict[str, str]) -> pl.LazyFrame:
    """``rejected`` per row and ``sev_<field>`` per problem."""
    # A NUL byte anywhere in the row (mapped or kept column) rejects it: the import is then
    # refused (``ValidationResult.refusal``); PostgreSQL ended such an import with a traceback.
    lf = lf.with_columns(pl.any_horizontal(
        [pl.col(s).str.contains(NUL, literal=True).fill_null(False) for s in layout.src]
        or [pl.lit(False)]).alias("nul"))
    hard = [pl.col("blank"), pl.col("v_snapshot_date").is_null(), pl.col("nul")]
    for p in layout.plans:
        if p.field in ALWAYS_HARD:
            hard.append(pl.col(p.problem).is_not_null())
        elif p.field in HARD_CODES:
            hard.append(pl.col(p.problem).is_in(sorted(HARD_CODES[p.field])).fill_null(False))
    hard += [~pl.col(g) for g in dict.fromkeys(group_of.values())]
    return lf.with_columns(pl.any_horizontal(hard).alias("rejected"),
                           *[_severity(p, group_of).alias(f"sev_{p.field}") for p in layout.plans])


def _collected(lf: pl.LazyFrame, layout: _Layout, missing_codes: list) -> tuple[pl.DataFrame, str]:
    """The checked rows, keeping what the accepted frame, the report and the plausibility
    checks read (the parsed tenure before its range check; its column name is returned too);
    the parse intermediates go."""
    tenure_parsed = layout.by_field["tenure_months"].typed if "tenure_months" in layout.by_field else ""
    keep = ["r", "blank", "rejected", "nul", *layout.src, *(f"v_{f}" for f in CONTRACT_COLUMNS),
            *(f"p_{p.field}" for p in layout.plans), *(f"sev_{p.field}" for p in layout.plans),
            *(flag for flag, _, _ in missing_codes), tenure_parsed]
    schema = lf.collect_schema()  # once: resolving it per column made this quadratic
    lf = lf.select(pl.col(c) for c in dict.fromkeys(keep) if c in schema)
    # The in-memory engine measured faster than the streaming default on this many-level plan.
    return lf.collect(engine="in-memory"), tenure_parsed


def _accepted_rows(work: pl.DataFrame, layout: _Layout, sources: dict,
                   snapshot: dt.date | None) -> tuple[pl.DataFrame, set[str]]:
    """Accepted rows: typed contract columns, then the unmapped source columns as text (a
    text longer than ``MAX_TEXT_FIELD_CHARS`` blanked). Also the over-long columns' names."""
    dtypes = contract_dtypes()
    src = layout.src
    out_fields = [f for f in CONTRACT_COLUMNS
                  if f in sources or f == "customer_id" or (f == "snapshot_date" and snapshot)]
    extras = _extra_names(layout.headers, set(layout.used))
    long_extras = _long_columns(work, [src[i] for i in extras])
    accepted = work.filter(~pl.col("rejected")).select(
        [pl.col(f"v_{f}").cast(dtypes[f]).alias(f) for f in out_fields]
        + [(pl.when(pl.col(src[i]).str.len_chars() > MAX_TEXT_FIELD_CHARS).then(None)
            .otherwise(pl.col(src[i])) if src[i] in long_extras else pl.col(src[i])).alias(x)
           for i, x in extras.items()]
    )
    return accepted, long_extras


def _file_warnings(raw: RawTable, work: pl.DataFrame, layout: _Layout, sources: dict, name: str,
                   tenure_parsed: str, snapshot: dt.date | None, today_date: dt.date,
                   rules: Rules) -> list:
    """Warnings about the file as a whole: reading, ids, plausibility."""
    file_level = list(raw.warnings)
    if "customer_id" in sources:
        first_id_column = layout.src[layout.position[sources["customer_id"].columns[0]]]
        file_level += _id_warnings(work, sources["customer_id"], first_id_column,
                                   workbook=raw.sheet is not None)
    else:
        file_level.append(("ingest_ids_generated", {"file": name, "field": "customer_id"}))
    file_level += plausibility.plausibility_warnings(work, sources, tenure_parsed, snapshot,
                                                     today_date, rules)
    return file_level


def _validate(raw: RawTable, mapping: Mapping, snapshot_date: object,
              today: object, rules: Rules) -> ValidationResult:
    name, snapshot, today_date, sources = _check_inputs(raw, mapping, snapshot_date, today)
    lf, layout = _cleaned(raw, sources)
    lf = _checked_values(lf, layout, sources, snapshot, today_date)
    lf, group_of, missing_codes = _row_groups(lf, sources)
    lf = _rejections(lf, layout, group_of)
    work, tenure_parsed = _collected(lf, layout, missing_codes)
    accepted, long_extras = _accepted_rows(work, layout, sources, snapshot)
    report = build_report(
        work,
        problems=[ProblemColumn(p.field, p.label, p.raw, p.problem, f"sev_{p.field}")
                  for p in layout.plans],
        missing=[(flag, code, " | ".join(members),
                  " / ".join(" + ".join(sources[f].columns) for f in members))
                 for flag, code, members in missing_codes],
        file_level=_file_warnings(raw, work, layout, sources, name, tenure_parsed, snapshot,
                                  today_date, rules),
        cells=_cell_problems(work, layout.headers, layout.src, long_extras),
        row_level=list(raw.row_warnings),
        message_params=lambda field, column: _message_params(field, column, today_date,
                                                             snapshot),
    )
    tenure = sources.get("tenure_months")
    n_rows = raw.frame.height
    return ValidationResult(source_name=name, accepted=accepted, report=report, rows_read=n_rows,
                            rows_accepted=accepted.height, rows_rejected=n_rows - accepted.height,
                            tenure_unit=(tenure.unit if tenure else None) or "months",
                            sources=dict(sources), headers=tuple(raw.frame.columns))
