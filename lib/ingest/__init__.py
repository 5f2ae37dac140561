"""The import boundary: read a file, map its columns to the data contract, validate the rows.

Public API (others code against these names)::

    raw = read_table(data, "customers.csv")          # RawTable of text columns
    proposal = propose(raw.frame.columns, raw.frame) # per field: source, confidence 0-1, reason
    mapping = auto_map(raw.frame.columns, raw.frame) # {field: FieldSource}, user may correct it
    mapping |= {"tenure_months": parse_map_option("Account length=tenure_months@days")}
    missing_requirements(mapping, snapshot_date_given=True)   # [] when importable
    result = validate(raw, mapping, snapshot_date=date(2024, 6, 30))
    result.accepted, result.report, result.summary(), report_csv(result)

Every refusal is an :class:`IngestError` with an i18n ``code``, ``params`` and ``hint_code``;
no other exception leaves these functions, whatever the bytes, headers or mapping.
The code lives in ``lib.ingest.readers`` (bytes → text table), ``lib.ingest.mapping`` (columns → fields),
``lib.ingest.coerce`` (text → typed values), ``lib.ingest.validate`` (rows → accepted + problems) and
``lib.ingest.report`` (the report and its CSV); ``lib.ingest.textfile`` decodes and sniffs text files.
"""
from __future__ import annotations

from lib.ingest.errors import IngestError
from lib.ingest.mapping import (FieldSource, Guess, Mapping, Proposal, auto_map,
                                missing_requirements, parse_map_option, propose)
from lib.ingest.readers import RawTable, read_table, sheet_names
from lib.ingest.report import masked_report, report_csv
from lib.ingest.validate import ValidationResult, validate

__all__ = [
    "FieldSource",
    "Guess",
    "Proposal",
    "IngestError",
    "Mapping",
    "RawTable",
    "ValidationResult",
    "auto_map",
    "missing_requirements",
    "parse_map_option",
    "propose",
    "read_table",
    "masked_report",
    "report_csv",
    "sheet_names",
    "validate",
]
