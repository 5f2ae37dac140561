"""One import, from bytes to stored snapshot: the path the Data page and the CLI share.

read -> map (auto, then the user's corrections) -> validate -> derive -> store (one transaction).
"""
from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from lib.auth import require
from lib.pipeline.after_import import imported
from lib.pipeline.derive import derive
from lib.ingest import (
    FieldSource,
    IngestError,
    Mapping,
    RawTable,
    ValidationResult,
    auto_map,
    validate,
)
from lib.rules import Rules
from lib.ingest.read_worker import read_table_isolated
from lib.ingest.templates import Template, apply_template
from lib.rules.versions import current_rules
from lib.store.schema import UNIT_FACTORS
from lib.pipeline.snapshots import ImportOutcome, Progress, write_snapshots


@dataclass(frozen=True)
class ImportResult:
    """The validation of a file and, when rows were stored, what the store wrote."""

    validation: ValidationResult
    outcome: ImportOutcome


def mapping_for(raw: RawTable, overrides: Mapping | None = None,
                tenure_unit: str | None = None, template: Template | None = None) -> Mapping:
    """Auto-mapping of ``raw`` (by headers and content, ``lib.ingest.mapping.propose``), or
    ``template``'s mapping when one is given, with the user's corrections laid over it.

    A correction that names a field replaces that field's source; an override whose columns
    are empty removes the field from the mapping. ``tenure_unit`` ("months", "years", "days")
    sets the unit the tenure column is read in (see :func:`with_unit`).
    """
    headers = list(raw.frame.columns)
    mapping = dict(apply_template(template, headers, raw.source_name).mapping if template
                   else auto_map(headers, raw.frame))
    for name, source in (overrides or {}).items():
        if source.columns:
            mapping[name] = source
        else:
            mapping.pop(name, None)
    if tenure_unit is not None:
        if "tenure_months" not in mapping:
            raise IngestError("ingest_tenure_unit_unmapped", {"file": raw.source_name},
                              "ingest_hint_tenure_unit")
        mapping = with_unit(mapping, "tenure_months", tenure_unit)
    return mapping


def with_unit(mapping: Mapping, field: str, unit: str) -> Mapping:
    """``mapping`` with ``field`` read in ``unit`` (a key of ``lib.store.schema.UNIT_FACTORS[field]``;
    the contract unit is stored as ``None``, as the auto-mapping does). ``validate`` checks
    the unit."""
    if field not in mapping:
        return mapping
    contract_unit = UNIT_FACTORS.get(field, {}).get(unit) == 1.0
    return {**mapping, field: dataclasses.replace(mapping[field],
                                                  unit=None if contract_unit else unit)}


def read_snapshot_file(data: bytes, source_name: str, sheet: str | None = None) -> RawTable:
    """Read a snapshot file for an import (workbooks and columnar files in the bounded worker).

    Raises ``PermissionDenied`` unless the acting user may ``import``, before a byte of the file
    is read: an upload that writes is no way for other roles to have the app read a file.
    """
    require("import")
    return read_table_isolated(data, source_name, sheet=sheet)


def check_file(data: bytes, source_name: str, overrides: Mapping | None = None,
               snapshot_date: dt.date | None = None, sheet: str | None = None, *,
               tenure_unit: str | None = None, rules: Rules | None = None,
               today: dt.date | None = None, template: Template | None = None) -> ValidationResult:
    """Dry run: read (workbooks and columnar files in the bounded worker), map and validate
    without touching the store.

    ``rules`` (default: the shipped rules) set the plausibility thresholds; ``today``
    (default: ``date.today()``) is the latest plausible date; ``template`` a saved mapping to
    start from instead of the auto-mapping. Needs the ``import`` permission
    (:func:`read_snapshot_file`).
    """
    raw = read_snapshot_file(data, source_name, sheet=sheet)
    return validate(raw, mapping_for(raw, overrides, tenure_unit, template),
                    snapshot_date=snapshot_date,
                    today=today, rules=rules)


def store_validated(engine: sa.Engine, validation: ValidationResult, source_name: str, *,
                    snapshot_date: dt.date | None = None, churn_window_months: int | None,
                    replace: bool = False, user_name: str | None = None,
                    progress: Progress | None = None) -> ImportOutcome:
    """Derive and store the accepted rows of a validated file, all or nothing.

    ``churn_window_months``: months the file's churn flag covers, None when unknown (it has
    no default: see ``lib.pipeline.snapshots.write_snapshots``).

    Raises ``IngestError`` ``ingest_nothing_accepted`` when no row passed validation, and the
    validation's own refusal (``ValidationResult.refusal``: a NUL byte in some row) with the
    validation attached as ``check``.
    """
    refusal = validation.refusal()
    if refusal is not None:
        raise refusal
    if validation.rows_accepted == 0:
        raise IngestError("ingest_nothing_accepted", {"file": source_name},
                          "ingest_hint_fix_report")
    rows = derive(validation.accepted, snapshot_date, tenure_unit=validation.tenure_unit)
    kwargs = {"progress": progress} if progress else {}
    outcome = write_snapshots(
        engine, rows, rules=current_rules(engine), source_name=source_name,
        rows_read=validation.rows_read, rows_rejected=validation.rows_rejected,
        churn_window_months=churn_window_months, replace=replace, user_name=user_name, **kwargs,
    )
    imported(engine, list(outcome.snapshot_dates))   # e.g. the alert rules (lib.monthly.alerts)
    return outcome


def import_file(engine: sa.Engine, data: bytes, source_name: str, *,
                overrides: Mapping | None = None, snapshot_date: dt.date | None = None,
                sheet: str | None = None, churn_window_months: int | None, replace: bool = False,
                user_name: str | None = None, tenure_unit: str | None = None,
                today: dt.date | None = None, template: Template | None = None) -> ImportResult:
    """Validate and store a file in one go (the command line's path); plausibility warnings
    are judged by the rules in force and do not stop the import."""
    validation = check_file(data, source_name, overrides, snapshot_date, sheet,
                            tenure_unit=tenure_unit, rules=current_rules(engine), today=today,
                            template=template)
    outcome = store_validated(engine, validation, source_name, snapshot_date=snapshot_date,
                              churn_window_months=churn_window_months, replace=replace,
                              user_name=user_name)
    return ImportResult(validation, outcome)


def unmapped_columns(raw: RawTable, mapping: Mapping) -> list[str]:
    """Source columns no field uses: kept as segment dimensions."""
    used = {column for source in mapping.values() for column in source.columns}
    return [column for column in raw.frame.columns if column not in used]
