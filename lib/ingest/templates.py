"""Saved column mappings ("templates"), one per source: "CRM export", "BSS 月报".

A mapping made once for a source's file is saved under a name the user gives, with the file's
headers and their order-free fingerprint, and applied to the next file from that source: the
Data page offers every template whose fingerprint matches the upload's headers, the command
line takes ``--template NAME``. Each save of a name is a new version (dated, with its author);
the latest is the one applied. Applying a template to a file that lacks a column it uses is
refused, naming the missing columns.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

import sqlalchemy as sa

from lib.auth import require
from lib.ingest.errors import IngestError
from lib.ingest.mapping import (CONFIDENCE, FieldSource, Guess, Mapping, Proposal, check_source,
                                normalise_header)
from lib.store import mapping_templates, now, writing
from lib.store.schema import CONTRACT_COLUMNS

#: Longest template name (characters).
NAME_CHARS = 80


@dataclass(frozen=True)
class Template:
    """One saved version of a mapping.

    Attributes
    ----------
    name : the source's name as the user gave it.
    version : 1 for the first save of ``name``, then 2, 3, ...
    created_at : when this version was saved (UTC, naive).
    author : who saved it.
    headers : the headers of the file it was made on, in that file's order.
    signature : :func:`header_signature` of ``headers``.
    mapping : contract field → source.
    """

    name: str
    version: int
    created_at: dt.datetime
    author: str | None
    headers: tuple[str, ...]
    signature: str
    mapping: Mapping

    def columns_used(self) -> list[str]:
        """Every source column the mapping reads, in field order, once each."""
        return list(dict.fromkeys(c for source in self.mapping.values() for c in source.columns))


def header_signature(headers: list[str]) -> str:
    """Order-free fingerprint of a set of headers: the same columns in another order (or in
    another case or spacing, "Total Day Charge" / "total_day_charge") give the same signature.

    >>> header_signature(["b", "A"]) == header_signature(["a", "B "])
    True
    """
    names = sorted({normalise_header(str(h)) for h in headers})
    return hashlib.sha256("\x1f".join(names).encode("utf-8")).hexdigest()[:16]


def _body(mapping: Mapping) -> str:
    return json.dumps({field: {"columns": list(source.columns), "unit": source.unit}
                       for field, source in mapping.items()}, ensure_ascii=False, sort_keys=True)


def _mapping(body: str) -> Mapping:
    data = json.loads(body)
    mapping = {field: check_source(FieldSource(field, tuple(spec["columns"]), spec.get("unit")))
               for field, spec in data.items()}
    return {f: mapping[f] for f in CONTRACT_COLUMNS if f in mapping}


def _template(row: sa.RowMapping) -> Template:
    return Template(row["name"], int(row["version"]), row["created_at"], row["author"],
                    tuple(json.loads(row["headers"])), row["signature"], _mapping(row["body"]))


def save_template(engine: sa.Engine, name: str, headers: list[str], mapping: Mapping) -> Template:
    """Save ``mapping`` (checked field by field) made on a file with ``headers`` as the next
    version of the template ``name``. Needs the ``import`` permission.

    Raises
    ------
    IngestError ``template_bad_name`` for a blank or over-long name; the mapping's own
    refusals (``lib.ingest.mapping.check_source``).
    """
    user = require("import")
    name = str(name).strip()
    if not name or len(name) > NAME_CHARS:
        raise IngestError("template_bad_name", {}, "template_hint_names")
    for source in mapping.values():
        check_source(source)
    headers = [str(h) for h in headers]
    with writing(engine) as conn:
        latest = conn.execute(sa.select(sa.func.max(mapping_templates.c.version))
                              .where(mapping_templates.c.name == name)).scalar()
        version = int(latest or 0) + 1
        conn.execute(sa.insert(mapping_templates).values(
            name=name, version=version, created_at=now(), author=user.name,
            signature=header_signature(headers), headers=json.dumps(headers, ensure_ascii=False),
            body=_body(mapping)))
    return load_template(engine, name)


def latest_templates(engine: sa.Engine) -> list[Template]:
    """The latest version of every template, by name."""
    t = mapping_templates
    newest = (sa.select(t.c.name, sa.func.max(t.c.version).label("version"))
              .group_by(t.c.name).subquery())
    query = (sa.select(t).join(newest, sa.and_(t.c.name == newest.c.name,
                                               t.c.version == newest.c.version))
             .order_by(t.c.name))
    with engine.connect() as conn:
        return [_template(row) for row in conn.execute(query).mappings()]


def matching_templates(engine: sa.Engine, headers: list[str]) -> list[Template]:
    """Latest templates made on a file with the same headers (any order), newest first."""
    signature = header_signature(headers)
    found = [tpl for tpl in latest_templates(engine) if tpl.signature == signature]
    return sorted(found, key=lambda tpl: tpl.created_at, reverse=True)


def load_template(engine: sa.Engine, name: str) -> Template:
    """The latest version of template ``name``.

    Raises
    ------
    IngestError ``template_unknown`` naming the saved templates.
    """
    t = mapping_templates
    with engine.connect() as conn:
        row = conn.execute(sa.select(t).where(t.c.name == str(name))
                           .order_by(t.c.version.desc()).limit(1)).mappings().first()
    if row is None:
        names = ", ".join(tpl.name for tpl in latest_templates(engine)) or "–"
        raise IngestError("template_unknown", {"name": str(name)[:NAME_CHARS], "names": names},
                          "template_hint_names")
    return _template(row)


def apply_template(template: Template, headers: list[str], file_name: str) -> Proposal:
    """``template``'s mapping for a file with ``headers``, every field at confidence 1.

    Raises
    ------
    IngestError ``template_columns_missing`` naming every column the template reads that the
    file lacks.
    """
    present = {str(h) for h in headers}
    missing = [c for c in template.columns_used() if c not in present]
    if missing:
        raise IngestError("template_columns_missing",
                          {"file": file_name, "name": template.name,
                           "columns": ", ".join(missing)[:300]},
                          "template_hint_columns")
    return Proposal({field: Guess(source, CONFIDENCE["template"], "mapping_reason_template",
                                  {"name": template.name})
                     for field, source in template.mapping.items()})
