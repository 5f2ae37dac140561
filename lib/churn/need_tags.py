"""Need tags (需求标签): what each customer on the call list needs, so front-line staff know what
to offer (docs/domain.md, "Retention operations").

Tags are rules kept in the ``[need_tags]`` section of the rules file, one table per tag:

- ``kind = "condition"`` (the default): ``when`` is a list of ``{ column, op, value }`` terms on
  stored ``customers`` columns, combined with ``match = "all"`` (default) or ``"any"``. Numeric
  columns take ``>= > <= < = !=``, flags and text take ``= !=``, text also ``in`` with a list.
  A term on a missing value (NULL) is false.
- ``kind = "contract_end"``: the contract data carry no end date or term column
  (``lib.store.schema``), so the end is derived: a customer on a contract type listed in ``terms``
  (type -> term in months) is taken to renew every term from the joining month, and is tagged
  when the next renewal is at most ``within_months`` months after the snapshot month
  (months left = term − (snapshot_month − join_month) mod term, from 1 to term). Types not
  listed (e.g. no contract) and customers without a joining month are never tagged.

Labels are i18n keys ``needtag_<name>`` (``lib/i18n/needtags.py``) or, for a tag an analyst
adds, ``label_en`` / ``label_zh`` in its table. The tags are SQL CASE expressions over the
``customers`` columns (``tag_columns``), evaluated by the database within the call list query.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import polars as pl
import sqlalchemy as sa

from lib.i18n import STRINGS, t
from lib.rules import Rules, RulesError, finite_number
from lib.store.schema import FIELDS_BY_NAME, stored_dtypes

SECTION = "need_tags"
COLUMN_PREFIX = "needtag_"
NUMERIC_OPS: tuple[str, ...] = (">=", ">", "<=", "<", "=", "!=")
EQUALITY_OPS: tuple[str, ...] = ("=", "!=")
TEXT_OPS: tuple[str, ...] = ("=", "!=", "in")
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


def _column_kinds() -> dict[str, str]:
    """Stored columns a tag may test, by kind ("number", "flag", "text"); identifiers and
    dates are left out (the integer month indexes stand for dates)."""
    kinds: dict[str, str] = {}
    for name, dtype in stored_dtypes().items():
        field = FIELDS_BY_NAME.get(name)
        if name == "customer_id" or (field is not None and field.kind in ("id", "date")):
            continue
        if dtype == pl.Boolean():
            kinds[name] = "flag"
        elif dtype == pl.String():
            kinds[name] = "text"
        else:
            kinds[name] = "number"
    return kinds


COLUMN_KINDS: dict[str, str] = _column_kinds()


@dataclass(frozen=True)
class Term:
    """One comparison ``column op value`` on a stored customer column."""

    column: str
    op: str
    value: Any


@dataclass(frozen=True)
class NeedTag:
    """One checked tag rule. ``terms`` for ``kind == "condition"``; ``contract_terms``
    (contract type -> term in months) and ``within_months`` for ``kind == "contract_end"``."""

    key: str
    kind: str
    match: str = "all"
    terms: tuple[Term, ...] = ()
    within_months: int = 0
    contract_terms: tuple[tuple[str, int], ...] = ()
    label_en: str | None = None
    label_zh: str | None = None

    def label(self, lang: str) -> str:
        """Display name in ``lang``: the table's own label, else the i18n catalogue's."""
        own = self.label_zh if lang == "zh" else self.label_en
        return own or t(f"{COLUMN_PREFIX}{self.key}", lang)

    def hint(self, lang: str) -> str | None:
        """What to offer (i18n ``needtag_<key>_hint``), or None for a tag without one."""
        key = f"{COLUMN_PREFIX}{self.key}_hint"
        return t(key, lang) if key in STRINGS else None


def _is_number(value: Any) -> bool:
    return finite_number(value)


def _term(key: str, entry: Any) -> Term:
    if not isinstance(entry, dict) or set(entry) - {"column", "op", "value"}:
        raise RulesError("needtags_bad_when", key=key)
    column, op, value = entry.get("column"), entry.get("op", ">="), entry.get("value")
    kind = COLUMN_KINDS.get(column) if isinstance(column, str) else None
    if kind is None:
        raise RulesError("needtags_bad_column", key=key, column=str(column))
    ops = {"number": NUMERIC_OPS, "flag": EQUALITY_OPS, "text": TEXT_OPS}[kind]
    if op not in ops:
        raise RulesError("needtags_bad_op", key=key, op=str(op), ops=" ".join(ops))
    if kind == "number" and not _is_number(value):
        raise RulesError("needtags_bad_value_number", key=key, column=column)
    if kind == "flag" and not isinstance(value, bool):
        raise RulesError("needtags_bad_value_flag", key=key, column=column)
    if kind == "text" and op == "in":
        if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
            raise RulesError("needtags_bad_value_list", key=key, column=column)
        value = tuple(value)
    elif kind == "text" and not isinstance(value, str):
        raise RulesError("needtags_bad_value_text", key=key, column=column)
    return Term(column, op, float(value) if kind == "number" else value)


def _tag(key: str, table: Any) -> NeedTag:
    if not isinstance(table, dict):
        raise RulesError("needtags_bad_section", key=key)
    if not _KEY.match(key):
        raise RulesError("needtags_bad_key", key=key)
    label_en, label_zh = table.get("label_en"), table.get("label_zh")
    has_own = all(isinstance(x, str) and x.strip() for x in (label_en, label_zh))
    if not has_own and f"{COLUMN_PREFIX}{key}" not in STRINGS:
        raise RulesError("needtags_no_label", key=key)
    labels = {"label_en": label_en.strip(), "label_zh": label_zh.strip()} if has_own else {}
    kind = table.get("kind", "condition")
    if kind == "condition":
        match = table.get("match", "all")
        if match not in ("all", "any"):
            raise RulesError("needtags_bad_match", key=key)
        when = table.get("when")
        if not isinstance(when, list) or not when:
            raise RulesError("needtags_bad_when", key=key)
        return NeedTag(key, kind, match, tuple(_term(key, e) for e in when), **labels)
    if kind == "contract_end":
        within = table.get("within_months")
        if isinstance(within, bool) or not isinstance(within, int) or not 1 <= within <= 120:
            raise RulesError("rules_bad_number", key=f"{SECTION}.{key}.within_months", low=1, high=120)
        terms = table.get("terms")
        if (not isinstance(terms, dict) or not terms
                or not all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 120
                           for v in terms.values())):
            raise RulesError("needtags_bad_terms", key=key)
        return NeedTag(key, kind, within_months=within,
                       contract_terms=tuple((str(k), int(v)) for k, v in terms.items()), **labels)
    raise RulesError("needtags_bad_kind", key=key)


def parse_need_tags(section: dict[str, Any]) -> tuple[NeedTag, ...]:
    """Check a ``[need_tags]`` section (tag name -> table) and return its tags in file order.

    Raises ``RulesError`` (an i18n code) naming the first bad tag.
    """
    return tuple(_tag(key, table) for key, table in section.items())


def need_tags(rules: Rules) -> tuple[NeedTag, ...]:
    """The tags of the rules in force (the shipped section when a saved version lacks it)."""
    # the tags are one collection (lib.rules.reader rule 4): a tag the analyst deleted stays out
    return parse_need_tags(rules.read(SECTION).whole())


def _condition(term: Term, columns: sa.ColumnCollection) -> sa.ColumnElement[bool]:
    col = columns[term.column]
    if term.op == "in":
        return col.in_(term.value)
    if isinstance(term.value, bool):
        return col.is_(term.value) if term.op == "=" else col.is_not(term.value)
    return {">=": col >= term.value, ">": col > term.value, "<=": col <= term.value,
            "<": col < term.value, "=": col == term.value, "!=": col != term.value}[term.op]


def tag_condition(tag: NeedTag, columns: sa.ColumnCollection) -> sa.ColumnElement[bool]:
    """SQL condition (portable: comparisons, IN, integer ``%`` on month indexes) that the
    stored customer row carries ``tag``."""
    if tag.kind == "contract_end":
        elapsed = columns.snapshot_month - columns.join_month
        by_term: dict[int, list[str]] = {}
        for contract, term in tag.contract_terms:
            by_term.setdefault(term, []).append(contract)
        ending = [sa.and_(columns.contract.in_(names), elapsed >= 0,
                          term - (elapsed % term) <= tag.within_months)
                  for term, names in sorted(by_term.items())]
        return sa.or_(*ending)
    parts = [_condition(term, columns) for term in tag.terms]
    return sa.and_(*parts) if tag.match == "all" else sa.or_(*parts)


def tag_columns(tags: tuple[NeedTag, ...], columns: sa.ColumnCollection) -> list[sa.ColumnElement[int]]:
    """One labelled column ``needtag_<name>`` per tag: CASE WHEN condition THEN 1 ELSE 0."""
    return [sa.case((tag_condition(tag, columns), 1), else_=0).label(COLUMN_PREFIX + tag.key)
            for tag in tags]


def collapse(frame: pl.DataFrame, tags: tuple[NeedTag, ...]) -> pl.DataFrame:
    """Replace the ``needtag_<name>`` 0/1 columns of ``frame`` by one ``need_tags`` column:
    the names of the tags a row carries, comma-separated in rules order ("" for none)."""
    names = [COLUMN_PREFIX + tag.key for tag in tags]
    if not names:
        return frame.with_columns(need_tags=pl.lit("", dtype=pl.String))
    parts = [pl.when(pl.col(n) == 1).then(pl.lit(tag.key)).otherwise(None)
             for n, tag in zip(names, tags)]
    return frame.with_columns(
        need_tags=pl.concat_list(parts).list.drop_nulls().list.join(",")
    ).drop(names)


def tags_text(keys: str | None, tags: tuple[NeedTag, ...], lang: str) -> str:
    """Stored tag names ("data_heavy,roaming") as labels in ``lang`` ("Data-heavy; Roaming")."""
    by_key = {tag.key: tag for tag in tags}
    labels = [by_key[k].label(lang) if k in by_key else k for k in (keys or "").split(",") if k]
    return ("、" if lang == "zh" else "; ").join(labels)


def legend(tags: tuple[NeedTag, ...], lang: str) -> list[str]:
    """One line per tag with a hint: "**label** — what to offer"."""
    return [t("needtags_legend_line", lang, label=tag.label(lang), hint=tag.hint(lang))
            for tag in tags if tag.hint(lang)]


def has_contract_end(tags: tuple[NeedTag, ...]) -> bool:
    return any(tag.kind == "contract_end" for tag in tags)
