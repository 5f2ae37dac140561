"""Validation of a mapped table: typed contract columns out, one report row per problem.

Rules (DESIGN.md, "The data contract" and "Bad input and safety"):

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

import datetime as dt
import io
import re
from dataclasses import dataclass

import polars as pl

from lib import coerce
from lib.i18n import t
from lib.ingest_errors import IngestError
from lib.mapping import FieldSource, Mapping, check_source, missing_requirements, synonyms_hint
from lib.readers import RawTable
from lib.schema import (
    CONTRACT_COLUMNS,
    FIELDS_BY_NAME,
    REQUIRED_GROUPS,
    SPEND_COLUMNS,
    UNIT_FACTORS,
    contract_dtypes,
    normalise_header,
)

EARLIEST_DATE = dt.date(1990, 1, 1)
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
VALUE_CHARS = 80
REPORT_SCHEMA: dict[str, pl.DataType] = {
    "row": pl.Int64(), "column": pl.String(), "field": pl.String(), "value": pl.String(),
    "severity": pl.String(), "code": pl.String(), "message_en": pl.String(),
    "message_zh": pl.String(),
}
_FORMULA_START = r"^[=+\-@\t\r]"


@dataclass
class ValidationResult:
    """What :func:`validate` returns.

    Attributes
    ----------
    accepted : typed contract columns (mapped fields, ``customer_id``, ``snapshot_date`` when
        mapped or given) with ``lib.schema`` dtypes, then every unmapped source column as text
        under ``x_<normalised header>``. Not yet derived (see ``lib.derive``).
    report : one row per problem: ``row`` (1-based data row, null for the file), ``column``
        (source header), ``field``, ``value`` (text, at most 80 characters), ``severity``
        ("error" = row rejected, "warning" = value blanked, row kept), ``code``,
        ``message_en``, ``message_zh``.
    rows_read, rows_accepted, rows_rejected : counts of data rows.
    """

    accepted: pl.DataFrame
    report: pl.DataFrame
    rows_read: int
    rows_accepted: int
    rows_rejected: int

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
             today: dt.date | None = None) -> ValidationResult:
    """Coerce the mapped columns to the contract, reject or blank what is wrong, report why.

    Parameters
    ----------
    raw : table from :func:`lib.readers.read_table`.
    mapping : contract field → :class:`lib.mapping.FieldSource`.
    snapshot_date : date of the rows when the file has no snapshot column (and for its blanks).
    today : latest acceptable join/churn date (default: ``date.today()``).

    Raises
    ------
    IngestError when required groups are unmapped (naming the fields and their synonyms), when a
    mapped column is not in the file, or when the mapping itself is malformed.
    """
    try:
        return _validate(raw, mapping, snapshot_date, today)
    except IngestError:
        raise
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:  # noqa: BLE001 - polars panics derive from BaseException
        name = getattr(raw, "source_name", "")
        detail = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise IngestError("ingest_internal_error", {"file": name, "detail": detail},
                          "ingest_hint_report") from None


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


def _check_mapping(raw: RawTable, mapping: Mapping, snapshot_given: bool) -> dict[str, FieldSource]:
    name = raw.source_name
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
    headers = raw.frame.columns
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


# --------------------------------------------------------------------------- per-field expressions

@dataclass
class _Plan:
    field: str
    label: str            # source header(s) for the report
    raw: pl.Expr          # source text for the report
    value: str            # column name of the typed value (null when blank or bad)
    problem: str          # column name of the problem code (null when fine)


def _numeric(parts: list[pl.Expr]) -> tuple[pl.Expr, pl.Expr]:
    """(value, invalid): sum of the parts' numbers; blank parts count as absent."""
    numbers = [coerce.parse_number(p) for p in parts]
    invalid = pl.any_horizontal([p.is_not_null() & n.is_null() for p, n in zip(parts, numbers)])
    all_blank = pl.all_horizontal([p.is_null() for p in parts])
    total = numbers[0] if len(numbers) == 1 else pl.sum_horizontal(numbers)
    value = pl.when(all_blank | invalid).then(None).otherwise(total)
    return value, invalid


def _field_exprs(field: str, parts: list[pl.Expr], unit: str | None, snap: pl.Expr,
                 today: dt.date) -> tuple[pl.Expr, pl.Expr]:
    """(typed value before blanking, problem code) for one mapped field."""
    kind = FIELDS_BY_NAME[field].kind
    text = parts[0]
    none = pl.lit(None, dtype=pl.String)
    if kind == "id":
        value = text.str.replace(r"^(\d+)\.0+$", "${1}")
        return value, pl.when(value.is_null()).then(pl.lit("ingest_id_blank")).otherwise(none)
    if kind == "text":
        if field == "churn_type":
            value = coerce.parse_churn_type(text)
            bad = text.is_not_null() & value.is_null()
            return value, pl.when(bad).then(pl.lit("ingest_bad_churn_type")).otherwise(none)
        return text, none
    if kind == "bool":
        value = coerce.parse_bool(text)
        bad = text.is_not_null() & value.is_null()
        return value, pl.when(bad).then(pl.lit("ingest_not_a_boolean")).otherwise(none)
    if kind == "date":
        value = coerce.parse_date(text)
        problem = (
            pl.when(text.is_not_null() & value.is_null() & coerce.is_ambiguous_date(text))
            .then(pl.lit("ingest_date_ambiguous"))
            .when(text.is_not_null() & value.is_null()).then(pl.lit("ingest_not_a_date"))
        )
        if field == "churn_date":
            problem = problem.when(value > snap).then(pl.lit("ingest_churn_after_snapshot"))
        problem = problem.when((value < pl.lit(EARLIEST_DATE)) | (value > pl.lit(today))).then(
            pl.lit("ingest_date_out_of_range"))
        if field == "join_date":
            problem = problem.when(value > snap).then(pl.lit("ingest_join_after_snapshot"))
        return value, problem.otherwise(none)
    # int / float
    value, invalid = _numeric(parts)
    factor = UNIT_FACTORS.get(field, {}).get(unit or "", 1.0)
    if factor != 1.0:
        value = value * factor
    problem = pl.when(invalid | (value.is_not_null() & ~value.is_finite())).then(
        pl.lit("ingest_not_a_number"))
    if kind == "int":
        whole = coerce.parse_whole(value)
        problem = problem.when(value.is_not_null() & whole.is_null()).then(
            pl.lit("ingest_not_a_whole_number"))
        value = whole
    if field in SPEND_FIELDS:
        problem = problem.when(value < 0).then(pl.lit("ingest_negative_spend"))
    if field in NON_NEGATIVE:
        problem = problem.when(value < 0).then(pl.lit("ingest_negative_value"))
    if field in RANGES:
        low, high = RANGES[field]
        problem = problem.when((value < low) | (value > high)).then(
            pl.lit("ingest_value_out_of_range"))
    return value, problem.otherwise(none)


def _extra_names(headers: list[str], skip: set[int]) -> dict[int, str]:
    """Sanitised ``x_<normalised header>`` names of the unmapped columns, unique."""
    names: dict[int, str] = {}
    seen: set[str] = set()
    for i, header in enumerate(headers):
        if i in skip:
            continue
        base = re.sub(r"[^\w]+", "_", normalise_header(header)).strip("_")[:60] or f"col{i + 1}"
        name = f"x_{base}"
        k = 2
        while name in seen:
            name = f"x_{base}_{k}"
            k += 1
        seen.add(name)
        names[i] = name
    return names


# --------------------------------------------------------------------------- the pipeline

def _validate(raw: RawTable, mapping: Mapping, snapshot_date: object,
              today: object) -> ValidationResult:
    if not isinstance(raw, RawTable) or not isinstance(raw.frame, pl.DataFrame):
        raise IngestError("ingest_unreadable", {"file": getattr(raw, "source_name", ""),
                                                "detail": "not a table"}, "ingest_hint_formats")
    name = str(raw.source_name)
    snapshot = _as_date(snapshot_date, name, "snapshot_date")
    today_date = _as_date(today, name, "today") or dt.date.today()
    sources = _check_mapping(raw, mapping, snapshot is not None)
    headers = list(raw.frame.columns)
    position = {h: i for i, h in enumerate(headers)}
    n_rows = raw.frame.height

    src = [f"s{i}" for i in range(len(headers))]
    lf = raw.frame.lazy().select(
        [pl.nth(i).cast(pl.String).alias(s) for i, s in enumerate(src)]
    ).with_columns(pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("r"))
    none = pl.lit(None, dtype=pl.String)

    # Row entirely blank: rejected with one error, its other problems not reported.
    blank_row = (pl.all_horizontal([pl.col(s).str.strip_chars().fill_null("") == "" for s in src])
                 if src else pl.lit(True))
    lf = lf.with_columns(blank_row.alias("blank"))

    # Snapshot date first: other checks compare with it.
    if "snapshot_date" in sources:
        s_col = src[position[sources["snapshot_date"].columns[0]]]
        text = coerce.clean(pl.col(s_col))
        value = coerce.parse_date(text)
        problem = (
            pl.when(text.is_null() & pl.lit(snapshot is None)).then(pl.lit("ingest_snapshot_missing"))
            .when(text.is_not_null() & value.is_null() & coerce.is_ambiguous_date(text))
            .then(pl.lit("ingest_date_ambiguous"))
            .when(text.is_not_null() & value.is_null()).then(pl.lit("ingest_not_a_date"))
            .when((value < pl.lit(EARLIEST_DATE)) | (value > pl.lit(today_date)))
            .then(pl.lit("ingest_date_out_of_range"))
            .otherwise(none)
        )
        lf = lf.with_columns(problem.alias("p_snapshot_date"), value.alias("t_snapshot_date"))
        lf = lf.with_columns(
            pl.when(pl.col("p_snapshot_date").is_null())
            .then(pl.coalesce(pl.col("t_snapshot_date"), pl.lit(snapshot, dtype=pl.Date)))
            .otherwise(None).alias("v_snapshot_date")
        ).drop("t_snapshot_date")
    else:
        lf = lf.with_columns(pl.lit(snapshot, dtype=pl.Date).alias("v_snapshot_date"),
                             none.alias("p_snapshot_date"))
    snap = pl.col("v_snapshot_date")

    plans: list[_Plan] = []
    typed: list[pl.Expr] = []
    for field, source in sources.items():
        cols = [src[position[c]] for c in source.columns]
        label = " + ".join(source.columns)
        raw_text = (pl.col(cols[0]) if len(cols) == 1 else
                    pl.concat_str([pl.col(c).fill_null("") for c in cols], separator=" + "))
        plans.append(_Plan(field, label, raw_text, f"v_{field}", f"p_{field}"))
        if field == "snapshot_date":
            continue
        value, problem = _field_exprs(field, [coerce.clean(pl.col(c)) for c in cols],
                                      source.unit, snap, today_date)
        typed += [value.alias(f"t_{field}"), problem.alias(f"p_{field}")]
    if "customer_id" not in sources:
        typed.append(pl.concat_str([pl.lit("R"), pl.col("r").cast(pl.String).str.zfill(7)])
                     .alias("t_customer_id"))
    lf = lf.with_columns(typed)
    # Blank rows report nothing but themselves; a value with a problem is blanked.
    lf = lf.with_columns(
        [pl.when(pl.col("blank")).then(None).otherwise(pl.col(p.problem)).alias(p.problem)
         for p in plans]
    )
    lf = lf.with_columns(
        [pl.when(pl.col(p.problem).is_null()).then(pl.col(f"t_{p.field}")).otherwise(None)
         .alias(p.value) for p in plans if p.field != "snapshot_date"]
        + ([] if "customer_id" in sources else [pl.col("t_customer_id").alias("v_customer_id")])
    )
    # Repeated customer id for the same snapshot: the first row is kept.
    id_ok = pl.col("v_customer_id").is_not_null()
    first = pl.struct(["v_customer_id", "v_snapshot_date"]).is_first_distinct()
    dup = id_ok & ~first & ~pl.col("blank")
    if "customer_id" in sources:
        lf = lf.with_columns(
            pl.when(dup).then(pl.lit("ingest_duplicate_id")).otherwise(pl.col("p_customer_id"))
            .alias("p_customer_id")
        )
    # Requirement groups, row by row.
    group_ok: dict[str, str] = {}
    missing_codes: list[tuple[str, str, tuple[str, ...]]] = []
    for k, (group, code) in enumerate(ROW_GROUPS):
        members = [f for f in group if f in sources]
        ok = pl.any_horizontal([pl.col(f"v_{f}").is_not_null() for f in members])
        no_problem = pl.all_horizontal([pl.col(f"p_{f}").is_null() for f in members])
        lf = lf.with_columns(ok.alias(f"g{k}"),
                             (~ok & no_problem & ~pl.col("blank")).alias(f"m{k}"))
        for f in members:
            group_ok[f] = f"g{k}"
        missing_codes.append((f"m{k}", code, tuple(members)))

    def severity(p: _Plan) -> pl.Expr:
        code = pl.col(p.problem)
        if p.field in ALWAYS_HARD:
            return pl.lit("error")
        expr = pl.when(code.is_in(list(HARD_CODES.get(p.field, ())))).then(pl.lit("error"))
        if p.field in group_ok:
            expr = expr.when(~pl.col(group_ok[p.field])).then(pl.lit("error"))
        return expr.otherwise(pl.lit("warning"))

    hard_parts = [pl.col("blank"), snap.is_null()]
    if "customer_id" in sources:
        hard_parts.append(pl.col("p_customer_id").is_not_null())
    for p in plans:
        if p.field in HARD_CODES:
            hard_parts.append(pl.col(p.problem).is_in(list(HARD_CODES[p.field])).fill_null(False))
    hard_parts += [~pl.col(g) for g in dict.fromkeys(group_ok.values())]
    lf = lf.with_columns(pl.any_horizontal(hard_parts).alias("rejected"))
    lf = lf.with_columns([severity(p).alias(f"sev_{p.field}") for p in plans])
    work = lf.collect()

    # Accepted rows: typed contract columns, then the unmapped source columns as text.
    dtypes = contract_dtypes()
    out_fields = [f for f in CONTRACT_COLUMNS
                  if f in sources or f == "customer_id" or (f == "snapshot_date" and snapshot)]
    used = {position[c] for s in sources.values() for c in s.columns}
    extras = _extra_names(headers, used)
    accepted = work.filter(~pl.col("rejected")).select(
        [pl.col(f"v_{f}").cast(dtypes[f]).alias(f) for f in out_fields]
        + [pl.col(src[i]).alias(x) for i, x in extras.items()]
    )

    report = _report(work, plans, missing_codes, sources, raw, today_date, snapshot)
    return ValidationResult(accepted=accepted, report=report, rows_read=n_rows,
                            rows_accepted=accepted.height, rows_rejected=n_rows - accepted.height)


# --------------------------------------------------------------------------- the report

def _message_params(field: str | None, column: str | None, today: dt.date,
                    snapshot: dt.date | None) -> dict[str, object]:
    low, high = RANGES.get(field or "", ("", ""))
    return {"field": field or "", "column": column or "", "today": today.isoformat(),
            "earliest": EARLIEST_DATE.isoformat(), "low": low, "high": high,
            "snapshot": snapshot.isoformat() if snapshot else ""}


def _report(work: pl.DataFrame, plans: list[_Plan],
            missing_codes: list[tuple[str, str, tuple[str, ...]]],
            sources: dict[str, FieldSource], raw: RawTable, today: dt.date,
            snapshot: dt.date | None) -> pl.DataFrame:
    pieces: list[pl.DataFrame] = []
    pieces.append(work.filter(pl.col("blank")).select(
        pl.col("r").alias("row"), pl.lit(None, pl.String).alias("column"),
        pl.lit(None, pl.String).alias("field"), pl.lit(None, pl.String).alias("value"),
        pl.lit("error").alias("severity"), pl.lit("ingest_blank_row").alias("code")))
    if "snapshot_date" not in sources:
        pieces.append(work.filter(pl.col("v_snapshot_date").is_null() & ~pl.col("blank")).select(
            pl.col("r").alias("row"), pl.lit(None, pl.String).alias("column"),
            pl.lit("snapshot_date").alias("field"), pl.lit(None, pl.String).alias("value"),
            pl.lit("error").alias("severity"), pl.lit("ingest_snapshot_missing").alias("code")))
    for p in plans:
        pieces.append(work.filter(pl.col(p.problem).is_not_null()).select(
            pl.col("r").alias("row"), pl.lit(p.label).alias("column"), pl.lit(p.field).alias("field"),
            p.raw.str.slice(0, VALUE_CHARS).alias("value"), pl.col(f"sev_{p.field}").alias("severity"),
            pl.col(p.problem).alias("code")))
    for flag, code, members in missing_codes:
        label = " / ".join(" + ".join(sources[f].columns) for f in members)
        pieces.append(work.filter(pl.col(flag)).select(
            pl.col("r").alias("row"), pl.lit(label).alias("column"),
            pl.lit(" | ".join(members)).alias("field"), pl.lit(None, pl.String).alias("value"),
            pl.lit("error").alias("severity"), pl.lit(code).alias("code")))
    rows = pl.concat([piece.cast({"row": pl.Int64, "value": pl.String}) for piece in pieces],
                     how="vertical").sort("row", maintain_order=True)
    keys = rows.select(["code", "field", "column"]).unique(maintain_order=True)
    messages = pl.DataFrame(
        [{"code": c, "field": f, "column": col,
          "message_en": t(c, "en", **_message_params(f, col, today, snapshot)),
          "message_zh": t(c, "zh", **_message_params(f, col, today, snapshot))}
         for c, f, col in keys.iter_rows()],
        schema={"code": pl.String, "field": pl.String, "column": pl.String,
                "message_en": pl.String, "message_zh": pl.String},
    )
    rows = rows.join(messages, on=["code", "field", "column"], how="left", nulls_equal=True,
                     maintain_order="left")

    file_level = [(code, params) for code, params in raw.warnings]
    if "customer_id" not in sources:
        file_level.append(("ingest_ids_generated", {"file": raw.source_name}))
    head = pl.DataFrame(
        [{"row": None, "column": params.get("column") or params.get("header"),
          "field": "customer_id" if code == "ingest_ids_generated" else None, "value": None,
          "severity": "warning", "code": code,
          "message_en": _safe_t(code, "en", params), "message_zh": _safe_t(code, "zh", params)}
         for code, params in file_level],
        schema=REPORT_SCHEMA,
    )
    return pl.concat([head, rows.select(list(REPORT_SCHEMA))], how="vertical")


def _safe_t(code: str, lang: str, params: dict) -> str:
    try:
        return t(code, lang, **params)
    except (KeyError, IndexError, ValueError):
        return t(code, lang)


def report_csv(result: ValidationResult) -> bytes:
    """The report as CSV bytes: UTF-8 with BOM (Excel opens Chinese text correctly) and formula
    safe (text starting with = + - @, tab or carriage return gets a leading apostrophe)."""
    frame = result.report
    safe = frame.with_columns(
        [pl.when(pl.col(c).str.contains(_FORMULA_START)).then(pl.lit("'") + pl.col(c))
         .otherwise(pl.col(c)).alias(c)
         for c, dtype in frame.schema.items() if dtype == pl.String]
    )
    buffer = io.BytesIO()
    safe.write_csv(buffer)
    return b"\xef\xbb\xbf" + buffer.getvalue()
