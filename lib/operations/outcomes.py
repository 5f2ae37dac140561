"""Contact outcomes of a call-back plan (回访计划): reached, not reached, refused, accepted offer,
complaint raised — per customer, with date, account manager and offer.

Three ways in, one code path: the call centre's result file (CSV/TXT/XLSX, read by
``lib.ingest.readers``, headers auto-mapped by English and Chinese synonyms), rows edited in the app,
and ``python -m lib outcomes FILE --plan ID``. Each ends in :func:`record_outcomes`, which checks
the rows against the plan (:func:`check_outcomes`) and stores the good ones in one transaction:
``plan_outcomes`` keeps the latest outcome per customer (upsert), ``outcome_log`` every outcome
ever recorded, so nothing stored is lost. Bad rows get a row-level report (``lib.ingest.report``
layout: row, column, field, value, severity, code, message_en, message_zh).

Row checks (each rejects the row; the others are stored):

- ``outcomes_missing_customer`` blank customer id;
- ``outcomes_unknown_customer`` the customer is not on the plan's list;
- ``outcomes_holdout_customer`` the customer is in the plan's hold-out (control) group: hold-out
  customers must not be contacted, and recording them would blur the comparison; they stay in
  the hold-out for the measured results (intention to treat);
- ``outcomes_duplicate_customer`` the customer appears on more than one row of the same input:
  every such row is rejected (send one row per customer);
- ``outcomes_bad_outcome`` blank or unknown outcome (English or Chinese words, see
  ``OUTCOME_WORDS``);
- ``outcomes_missing_date`` / ``outcomes_bad_date`` (unparseable or day/month ambiguous) /
  ``outcomes_future_date`` (after today) / ``outcomes_date_before_plan`` (before the plan was
  created);
- ``outcomes_unknown_offer`` an offer id that is neither one of the plan's offers nor in the
  offer catalogue.

A blank manager or offer takes the customer's assignment from the plan. A file for a plan that
does not exist, a file without customer or outcome columns, and a file with no good row are
refused as a whole (:class:`lib.ingest.errors.IngestError`); nothing is written then.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import polars as pl
import sqlalchemy as sa

from lib.ingest import coerce
from lib.auth import require
from lib.i18n import t
from lib.ingest.errors import IngestError
from lib.ingest.report import ProblemColumn, build_report
from lib.offers.roi import DEFAULT_CATALOGUE_PATH, Offer, parse_catalogue
from lib.ingest.readers import RawTable
from lib.ingest.read_worker import read_table_isolated
from lib.ingest.mapping import Vocabulary, match_headers
from lib.pipeline.snapshots import bulk_insert
from lib.store.scope import scope_terms
from lib.store import (callback_plans, now, offer_catalogues, outcome_log, plan_customers, plan_outcomes, read_frame,
                       versioned)
from lib.ingest.validate import ValidationResult
from lib.operations.outcome_codes import OUTCOMES
from lib.operations.outcome_queries import plan_rows

#: Ways of entering outcomes (stored in ``source``).
SOURCES: tuple[str, ...] = ("file", "app", "cli")

#: Words a result file may use for each outcome (compared lower-cased, spaces/_/- folded); the
#: app's own labels (``outcome_<code>`` in lib/i18n/outcomes.py) are added to these.
OUTCOME_WORDS: dict[str, tuple[str, ...]] = {
    "reached": ("reached", "contacted", "connected", "answered", "reached no decision", "success",
                "已接通", "接通", "已联系", "已触达", "触达", "已回访", "联系成功"),
    "not_reached": ("not reached", "not contacted", "no answer", "unreachable", "no contact",
                    "busy", "failed", "未接通", "无人接听", "未联系上", "联系不上", "未触达", "关机"),
    "refused": ("refused", "declined", "rejected", "refused offer", "no", "拒绝", "已拒绝",
                "不接受", "婉拒", "拒绝优惠"),
    "accepted": ("accepted", "accepted offer", "accept", "took offer", "taken", "yes", "接受",
                 "已接受", "接受优惠", "已办理", "办理", "同意"),
    "complaint": ("complaint", "complained", "complaint raised", "投诉", "已投诉", "客户投诉",
                  "投诉升级"),
}


@dataclass(frozen=True)
class OutcomeField:
    """A column of a result file: its name, whether a file must have it, header synonyms."""

    name: str
    required: bool
    synonyms: tuple[str, ...]


FIELDS: tuple[OutcomeField, ...] = (
    OutcomeField("customer_id", True, (
        "customer_id", "customer", "customer no", "customer number", "cust_id", "client_id",
        "subscriber", "subscriber_id", "msisdn", "phone", "phone number", "mobile", "account",
        "客户编号", "客户号", "客户id", "客户代码", "用户号码", "用户编号", "用户id", "手机号码",
        "手机号", "服务号码", "号码")),
    OutcomeField("outcome", True, (
        "outcome", "result", "contact result", "call result", "contact outcome", "call outcome",
        "disposition", "status", "接触结果", "回访结果", "联系结果", "外呼结果", "处理结果", "结果",
        "状态")),
    OutcomeField("outcome_date", True, (
        "outcome_date", "date", "contact date", "call date", "contact_date", "visit date",
        "日期", "回访日期", "接触日期", "联系日期", "外呼日期", "处理日期", "回访时间", "时间")),
    OutcomeField("manager", False, (
        "manager", "account manager", "account_manager", "agent", "staff", "caller", "owner",
        "客户经理", "经理", "坐席", "回访人", "外呼人员", "负责人", "工号")),
    OutcomeField("offer_id", False, (
        "offer_id", "offer", "offer code", "offer id", "campaign offer", "优惠", "优惠编号",
        "优惠id", "营销方案", "挽留方案", "活动编号", "活动")),
)
FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in FIELDS)
REQUIRED: tuple[str, ...] = tuple(f.name for f in FIELDS if f.required)

#: An outcome mapping: field name -> source column of the file.
OutcomeMapping = dict[str, str]


class OutcomeCheck(ValidationResult):
    """Rows checked against a plan: the snapshot import's result shape (counts, report in
    ``lib.ingest.report.REPORT_SCHEMA``, ``summary``), with ``accepted`` holding the rows to
    store: customer_id, outcome, outcome_date, manager, offer_id, row."""


@dataclass(frozen=True)
class OutcomeResult:
    """What :func:`record_outcomes` did: the check and how many outcomes it stored."""

    check: OutcomeCheck
    plan_id: int
    stored: int


# --------------------------------------------------------------------------- mapping

#: The outcome fields' names for the one header matcher (``lib.ingest.mapping``).
VOCABULARY = Vocabulary.of({field.name: field.synonyms for field in FIELDS})


def auto_map(headers: list[str]) -> OutcomeMapping:
    """Propose ``{field: header}`` from a result file's headers (English or Chinese), by the
    import's one header matcher (:func:`lib.ingest.mapping.match_headers`): exact synonym
    matches first, then matches once a bracketed note is dropped ("回访日期(YYYY-MM-DD)" →
    "回访日期"); the first matching header wins per field.

    Example
    -------
    >>> auto_map(["用户号码", "回访结果", "日期", "客户经理"])
    {'customer_id': '用户号码', 'outcome': '回访结果', 'outcome_date': '日期', 'manager': '客户经理'}
    """
    return {field: guess.source.columns[0]
            for field, guess in match_headers(headers, VOCABULARY).items()}


def _synonyms_hint(fields: tuple[str, ...] | list[str]) -> str:
    return "; ".join(f"{f.name}: {', '.join(f.synonyms[:4] + f.synonyms[-4:])}" for f in FIELDS if f.name in fields)


def parse_map_option(text: str) -> tuple[str, str]:
    """The command line's ``COLUMN=FIELD`` correction of the auto-mapping, as (field, column).

    Example
    -------
    >>> parse_map_option("回访人=manager")
    ('manager', '回访人')
    """
    column, eq, field = str(text).rpartition("=")
    field = field.strip()
    if not eq or not column.strip() or field not in FIELD_NAMES:
        raise IngestError("outcomes_map_syntax", {"text": str(text)[:200], "fields": ", ".join(FIELD_NAMES)},
                          "outcomes_hint_map")
    return field, column.strip()


def mapped_table(raw: RawTable, mapping: OutcomeMapping | None = None) -> pl.DataFrame:
    """The file's rows as text columns named by field (absent optional fields null) plus ``row``
    (1-based data row).

    Raises
    ------
    IngestError ``outcomes_missing_columns`` when a required field has no column, naming the
    file's headers and the synonyms that would map; ``outcomes_mapped_column_missing`` when the
    mapping names a column the file lacks.
    """
    mapping = auto_map(list(raw.frame.columns)) if mapping is None else dict(mapping)
    headers = list(raw.frame.columns)
    for field, column in mapping.items():
        if field not in FIELD_NAMES or column not in headers:
            raise IngestError("outcomes_mapped_column_missing",
                              {"file": raw.source_name, "column": str(column)[:100], "field": str(field),
                               "columns": ", ".join(headers)[:300], "synonyms": _synonyms_hint(FIELD_NAMES)},
                              "outcomes_hint_columns")
    missing = [name for name in REQUIRED if name not in mapping]
    if missing:
        raise IngestError("outcomes_missing_columns",
                          {"file": raw.source_name, "fields": ", ".join(missing),
                           "columns": ", ".join(headers)[:300], "synonyms": _synonyms_hint(missing)},
                          "outcomes_hint_columns")
    return raw.frame.select(
        [pl.col(mapping[name]).cast(pl.String).alias(name) if name in mapping
         else pl.lit(None, pl.String).alias(name) for name in FIELD_NAMES]
    ).with_row_index("row", offset=1).with_columns(pl.col("row").cast(pl.Int64))


def rows_table(rows: list[dict]) -> pl.DataFrame:
    """Rows entered in the app (dicts with the field names; dates as ``datetime.date`` or text)
    as the same text table a file gives, ``row`` numbered from 1 in the given order."""
    def text(value: object) -> str | None:
        if value is None or (isinstance(value, float) and value != value):
            return None
        if isinstance(value, dt.datetime):
            return value.date().isoformat()
        if isinstance(value, dt.date):
            return value.isoformat()
        return str(value)

    data = {name: [text(r.get(name)) for r in rows] for name in FIELD_NAMES}
    return pl.DataFrame(data, schema={name: pl.String for name in FIELD_NAMES}).with_row_index(
        "row", offset=1).with_columns(pl.col("row").cast(pl.Int64))


# --------------------------------------------------------------------------- the plan

def plan_row(conn: sa.Connection, plan_id: int, source_name: str = "") -> dict:
    """The plan's stored row; ``IngestError`` ``outcomes_unknown_plan`` when there is none."""
    try:
        key = int(plan_id)
    except (TypeError, ValueError):
        key = None
    row = None if key is None else conn.execute(
        sa.select(callback_plans).where(callback_plans.c.plan_id == key)).mappings().first()
    if row is None:
        raise IngestError("outcomes_unknown_plan", {"plan": str(plan_id)[:50], "file": source_name},
                          "outcomes_hint_plan")
    return dict(row)


def writable_plan(conn: sa.Connection, plan_id: int, source_name: str = "") -> dict:
    """The plan's row if outcomes may be recorded for it: it exists and is active or closed (a
    draft has not started: its hold-out is only binding once the plan is active; a closed plan
    still takes late results and corrections)."""
    plan = plan_row(conn, plan_id, source_name)
    if plan["status"] == "draft":
        raise IngestError("outcomes_plan_draft", {"plan": plan["name"], "file": source_name},
                          "outcomes_hint_activate")
    return plan


def catalogue_in_force(conn: sa.Connection) -> tuple[Offer, ...]:
    """The offer catalogue in force, read only (the shipped one when none is stored yet; see
    ``lib.offers.store.current_catalogue``, which stores it)."""
    found = versioned.latest(conn, offer_catalogues)
    return parse_catalogue(found.text if found is not None else DEFAULT_CATALOGUE_PATH.read_text(encoding="utf-8"))


def _word_key(expr: pl.Expr) -> pl.Expr:
    return expr.str.to_lowercase().str.replace_all(r"[\s_\-]+", " ").str.strip_chars()


def outcome_words() -> dict[str, str]:
    """Every accepted spelling (normalised) → outcome code, the app's labels in both languages
    included."""
    words: dict[str, str] = {}
    for code in OUTCOMES:
        labels = (code, code.replace("_", " "), t(f"outcome_{code}", "en"), t(f"outcome_{code}", "zh"))
        for word in (*labels, *OUTCOME_WORDS[code]):
            key = re.sub(r"[\s_\-]+", " ", word.lower()).strip()
            words.setdefault(key, code)
    return words


# --------------------------------------------------------------------------- checks

def check_outcomes(conn: sa.Connection, plan_id: int, table: pl.DataFrame, *,
                   source_name: str = "", column_labels: OutcomeMapping | None = None,
                   today: dt.date | None = None) -> OutcomeCheck:
    """Check outcome rows against plan ``plan_id``; nothing is written.

    Parameters
    ----------
    table : text columns named by ``FIELD_NAMES`` plus ``row`` (from :func:`mapped_table` or
        :func:`rows_table`).
    source_name : file name (or "app") for messages.
    column_labels : the source header of each field, shown in the report (default: field names).
    today : dates after it are refused (default: today's date).

    Raises
    ------
    PermissionDenied unless the acting user may ``run_operations``: the check is a write's dry
    run, and its row report tells which customers are on the plan's list or in its hold-out.
    IngestError ``outcomes_unknown_plan`` when the plan does not exist, ``outcomes_plan_draft``
    when it is still a draft.
    """
    require("run_operations")
    plan = writable_plan(conn, plan_id, source_name)
    today = today or dt.date.today()
    created = plan["created_at"].date() if plan.get("created_at") else None
    members = read_frame(conn, sa.select(
        plan_customers.c.customer_id, plan_customers.c.arm, plan_customers.c.manager.label("plan_manager"),
        plan_customers.c.offer_id.label("plan_offer")).where(plan_customers.c.plan_id == int(plan_id),
                                                             *scope_terms(plan_customers.c)))
    members = members.cast({"customer_id": pl.String, "arm": pl.String, "plan_manager": pl.String,
                            "plan_offer": pl.String}) if members.height else pl.DataFrame(
        schema={"customer_id": pl.String, "arm": pl.String, "plan_manager": pl.String, "plan_offer": pl.String})
    plan_offers = {o.strip() for o in (plan.get("offer_ids") or "").split(",") if o.strip()}
    offers = sorted(plan_offers | set(members["plan_offer"].drop_nulls().to_list())
                    | {offer.id for offer in catalogue_in_force(conn)})
    labels = {name: name for name in FIELD_NAMES} | dict(column_labels or {})

    stages = coerce.merge(*(coerce.clean(name, f"c_{name}") for name in FIELD_NAMES))
    work = coerce.run(table.lazy(), stages).rename({"row": "r"})
    work = coerce.run(work, coerce.parse_date("c_outcome_date", "v_date")).with_columns(
        _word_key(pl.col("c_outcome")).replace_strict(outcome_words(), default=None,
                                                      return_dtype=pl.String).alias("v_outcome"),
        pl.all_horizontal([pl.col(f"c_{n}").is_null() for n in FIELD_NAMES]).alias("blank"),
        (pl.len().over("c_customer_id") > 1).alias("dup"),
    # in the file's row order: the outcome log's ids follow it on every engine
    ).join(members.lazy(), left_on="c_customer_id", right_on="customer_id", how="left",
           maintain_order="left")
    blank, cid = pl.col("blank"), pl.col("c_customer_id")
    null = pl.lit(None, pl.String)

    def problem(*cases: tuple[pl.Expr, str]) -> pl.Expr:
        expr = pl.when(blank).then(null)
        for condition, code in cases:
            expr = expr.when(condition).then(pl.lit(code))
        return expr.otherwise(null)

    date = pl.col("v_date")
    work = work.with_columns(
        problem((cid.is_null(), "outcomes_missing_customer"),
                (pl.col("arm").is_null(), "outcomes_unknown_customer"),
                (pl.col("arm") == "holdout", "outcomes_holdout_customer"),
                (pl.col("dup"), "outcomes_duplicate_customer")).alias("p_customer_id"),
        problem((pl.col("v_outcome").is_null(), "outcomes_bad_outcome")).alias("p_outcome"),
        problem((pl.col("c_outcome_date").is_null(), "outcomes_missing_date"),
                (date.is_null(), "outcomes_bad_date"),
                (date > pl.lit(today), "outcomes_future_date"),
                (date < pl.lit(created, pl.Date) if created else pl.lit(False), "outcomes_date_before_plan"),
                ).alias("p_outcome_date"),
        problem((pl.col("c_offer_id").is_not_null() & ~pl.col("c_offer_id").is_in(offers),
                 "outcomes_unknown_offer")).alias("p_offer_id"),
    ).with_columns(pl.lit("error").alias("severity")).collect()

    checked = ("customer_id", "outcome", "outcome_date", "offer_id")
    bad = blank | pl.any_horizontal([pl.col(f"p_{n}").is_not_null() for n in checked])
    problems = [ProblemColumn(n, labels.get(n, n), pl.col(f"c_{n}") if n != "customer_id" else cid,
                              f"p_{n}", "severity") for n in checked]
    params = {"file": source_name, "outcomes": ", ".join(OUTCOMES), "today": today.isoformat(),
              "created": created.isoformat() if created else "", "offers": ", ".join(offers)[:300]}
    report = build_report(work, problems, [], [], lambda field, column: {**params, "column": column or ""})
    accepted = work.filter(~bad).select(
        pl.col("c_customer_id").alias("customer_id"), pl.col("v_outcome").alias("outcome"),
        pl.col("v_date").alias("outcome_date"),
        pl.coalesce("c_manager", "plan_manager").alias("manager"),
        pl.coalesce("c_offer_id", "plan_offer").alias("offer_id"), pl.col("r").alias("row"))
    return OutcomeCheck(accepted, report, table.height, accepted.height, table.height - accepted.height)


# --------------------------------------------------------------------------- writes

def record_outcomes(engine: sa.Engine, plan_id: int, table: pl.DataFrame, *, source: str,
                    source_name: str = "", column_labels: OutcomeMapping | None = None,
                    today: dt.date | None = None) -> OutcomeResult:
    """Check ``table`` against the plan and store its good rows, all in one transaction.

    The one write path of outcomes: the result file, the app's editor and the command line all
    end here. ``plan_outcomes`` gets the latest outcome per customer (rows replaced), and every
    stored row is also appended to ``outcome_log``.

    Parameters
    ----------
    table : text rows (:func:`mapped_table`, :func:`rows_table`).
    source : "file", "app" or "cli".

    Raises
    ------
    PermissionDenied unless the acting user may ``run_operations``.
    IngestError ``outcomes_unknown_plan`` (unknown plan) or ``outcomes_nothing_accepted`` (no
    good row); nothing is written then.
    """
    user = require("run_operations")
    if source not in SOURCES:
        raise ValueError(f"source must be one of {SOURCES}")
    with engine.begin() as conn:
        check = check_outcomes(conn, plan_id, table, source_name=source_name,
                               column_labels=column_labels, today=today)
        if check.rows_accepted == 0:
            refusal = IngestError("outcomes_nothing_accepted", {"file": source_name, "rows": check.rows_read},
                                  "outcomes_hint_report")
            refusal.check = check  # the row-level report, for callers that show it
            raise refusal
        frame = check.accepted.drop("row").with_columns(
            plan_id=pl.lit(int(plan_id), pl.Int64), source=pl.lit(source), recorded_by=pl.lit(user.name),
            recorded_at=pl.lit(now(), pl.Datetime("us")))
        ids = frame["customer_id"].to_list()
        for start in range(0, len(ids), 1000):
            conn.execute(sa.delete(plan_outcomes).where(plan_outcomes.c.plan_id == int(plan_id),
                                                        plan_outcomes.c.customer_id.in_(ids[start:start + 1000])))
        columns = [c.name for c in outcome_log.columns if c.name != "log_id"]  # the log's id is its sequence's
        bulk_insert(conn, plan_outcomes, frame.select([c.name for c in plan_outcomes.columns]))
        bulk_insert(conn, outcome_log, frame.select(columns))
    return OutcomeResult(check, int(plan_id), frame.height)


def read_outcome_file(data: bytes, source_name: str, sheet: str | None = None) -> RawTable:
    """Read a call centre's result file (workbooks in the bounded worker).

    Raises ``PermissionDenied`` unless the acting user may ``run_operations``, before a byte of
    the file is read.
    """
    require("run_operations")
    return read_table_isolated(data, source_name, sheet=sheet)


def record_outcome_file(engine: sa.Engine, plan_id: int, data: bytes, source_name: str, *,
                        mapping: OutcomeMapping | None = None, sheet: str | None = None,
                        source: str = "file", today: dt.date | None = None) -> OutcomeResult:
    """Read a call-centre result file, map it (auto-mapping unless ``mapping`` is given) and
    :func:`record_outcomes` it. The permission and the plan are checked before the file is read."""
    require("run_operations")
    with engine.connect() as conn:
        writable_plan(conn, plan_id, source_name)
    raw = read_outcome_file(data, source_name, sheet=sheet)
    mapping = auto_map(list(raw.frame.columns)) if mapping is None else mapping
    return record_outcomes(engine, plan_id, mapped_table(raw, mapping), source=source,
                           source_name=source_name, column_labels=mapping, today=today)


def check_outcome_file(conn: sa.Connection, plan_id: int, raw: RawTable,
                       mapping: OutcomeMapping | None = None, today: dt.date | None = None) -> OutcomeCheck:
    """Dry run of a read result file (the page's preview): mapping and checks, nothing written;
    ``run_operations`` needed (see :func:`check_outcomes`)."""
    mapping = auto_map(list(raw.frame.columns)) if mapping is None else mapping
    return check_outcomes(conn, plan_id, mapped_table(raw, mapping), source_name=raw.source_name,
                          column_labels=mapping, today=today)


def outcome_history(conn: sa.Connection, plan_id: int, token: tuple = ()) -> pl.DataFrame:
    """Every outcome recorded for the plan, newest first (the log); ``token``: cache key only."""
    o = outcome_log.c
    m = plan_customers.c   # the log of the plan customers in the acting user's scope only
    return read_frame(conn, sa.select(o.log_id, o.customer_id, o.outcome, o.outcome_date, o.manager,
                                      o.offer_id, o.source, o.recorded_by, o.recorded_at)
                      .select_from(outcome_log.join(plan_customers, sa.and_(
                          m.plan_id == o.plan_id, m.customer_id == o.customer_id)))
                      .where(o.plan_id == int(plan_id), *scope_terms(m)).order_by(o.log_id.desc()))


def plan_outcome_rows(conn: sa.Connection, plan_id: int, token: tuple = ()) -> pl.DataFrame:
    """The plan's treated customers with their latest recorded outcome (nulls when none):
    customer_id, tier, province, plan_manager, plan_offer, outcome, outcome_date, manager,
    offer_id, source, recorded_by, recorded_at. ``token`` is a cache key only."""
    frame = read_frame(conn, plan_rows(int(plan_id)))
    schema = {"customer_id": pl.String, "tier": pl.Int64, "province": pl.String, "plan_manager": pl.String,
              "plan_offer": pl.String, "outcome": pl.String, "outcome_date": pl.Date, "manager": pl.String,
              "offer_id": pl.String, "source": pl.String, "recorded_by": pl.String, "recorded_at": pl.Datetime}
    return frame.cast(schema) if frame.height else pl.DataFrame(schema=schema)
