"""Row-level scope: the provinces and cities an account may see (issue 19).

It lives on the ground floor because every query ANDs it in; who is acting is lib.auth's
business, which hands the store its ``acting_scope`` source when it is imported.

A scope is stored with the account in the accounts file (``provinces = ["广东", "江苏"]``,
``cities = [...]``; both empty = the whole base). It travels with the acting user
(``lib.auth.User.scope``) and every query of lib ANDs it in: ``lib.store.filters.Filters``
takes the acting user's scope when it is built, and the queries that read customers, cubes or
plan members without filters call ``scope_terms`` themselves. Hiding a sidebar choice is only a
courtesy; this is the enforcement.

Cities: the cubes (Overview, Lifecycle, Offers) are summed per province, not per city, so a
query on a table without a ``city`` column cannot honour a city scope; it refuses
(``PermissionDenied("scope_cities_unsupported")``) rather than show a wider base.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa

from lib.errors import PermissionDenied


@dataclass(frozen=True)
class Scope:
    """Provinces and cities an account may see; both empty means the whole base."""

    provinces: tuple[str, ...] = field(default=())
    cities: tuple[str, ...] = field(default=())

    @property
    def whole_base(self) -> bool:
        return not self.provinces and not self.cities

    def describe(self) -> str:
        """"广东, 江苏 / 广州" style text for the sidebar and reports ("" for the whole base)."""
        parts = [", ".join(self.provinces)] if self.provinces else []
        if self.cities:
            parts.append(", ".join(self.cities))
        return " / ".join(parts)


#: The whole base: what the pipeline builds cubes over and what an unscoped account sees.
WHOLE_BASE = Scope()


def parse_names(text: str | None) -> tuple[str, ...]:
    """"广东,江苏" (commas, either width, or 、) → ("广东", "江苏"); blanks dropped, order kept."""
    if not text:
        return ()
    for separator in ("，", "、"):
        text = text.replace(separator, ",")
    names: list[str] = []
    for name in (part.strip() for part in text.split(",")):
        if name and name not in names:
            names.append(name)
    return tuple(names)


def scope_from_entry(entry: dict) -> Scope:
    """The scope of an accounts-file entry (lists of names; a bare string is one name)."""
    def names(value: object) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str):
            return parse_names(value)
        return tuple(str(v).strip() for v in value if str(v).strip())

    return Scope(names(entry.get("provinces")), names(entry.get("cities")))


#: Where the acting user's scope comes from: set by lib.auth (``set_acting_scope_source``).
_acting_scope_source: Callable[[], Scope] | None = None


def set_acting_scope_source(source: Callable[[], Scope]) -> None:
    """Register the function that gives the acting user's scope (lib.auth does, on import)."""
    global _acting_scope_source
    _acting_scope_source = source


def acting_scope() -> Scope:
    """The acting user's scope. Nobody acting is refused (``auth_not_signed_in``): a query is
    never built without knowing whose rows it may read."""
    if _acting_scope_source is None:
        raise PermissionDenied("auth_not_signed_in")
    return _acting_scope_source()


def scope_terms(columns: sa.ColumnCollection, scope: Scope | None = None) -> list[sa.ColumnElement[bool]]:
    """WHERE terms limiting rows of ``columns`` (customer rows, a cube, plan members) to
    ``scope`` (default: the acting user's)."""
    scope = acting_scope() if scope is None else scope
    terms: list[sa.ColumnElement[bool]] = []
    if scope.provinces:
        terms.append(columns.province.in_(scope.provinces))
    if scope.cities:
        if "city" not in columns:
            raise PermissionDenied("scope_cities_unsupported", cities=", ".join(scope.cities))
        terms.append(columns.city.in_(scope.cities))
    return terms


def allowed_provinces(options: list[str], scope: Scope | None = None) -> list[str]:
    """``options`` (province names) limited to the scope (all of them for the whole base)."""
    scope = acting_scope() if scope is None else scope
    return [p for p in options if p in scope.provinces] if scope.provinces else list(options)
