"""The one reader of rules sections, with the one fallback policy.

Every module that owns a section of the rules (``[operations]``, ``[churn_model]``,
``[lifecycle_analysis]`` …) reads its values through ``Section``, typed: a number within
bounds, a whole number, a share 0–1, a flag, one choice or a list of choices.

The fallback policy (the same for every section and key)
---------------------------------------------------------
1. **Absent → shipped.** A key the saved rules version lacks (or whose whole section it
   lacks) takes the value shipped in ``data/rules.toml``. A version saved before the program
   gained a key keeps working, on the default, without the analyst having to save again.
2. **Present but invalid → error, never the default.** A value the analyst wrote that is of
   the wrong type, not finite (TOML allows ``nan``/``inf``) or outside its bounds raises
   ``RulesError`` naming the section, the key and what is allowed. Quietly using the default
   instead would compute every figure on a rule the analyst did not choose.
3. **Neither saved nor shipped → ``rules_missing_key``** (a program and its shipped file out
   of step).
4. **A collection is one value.** A section made of named entries (``[need_tags]``) or a list
   of tables (``[[segments.rfm]]``, ``[[churn_actions.managers]]``) is taken whole from the
   saved version, or whole from the shipped file when absent — never merged entry by entry,
   so that an entry the analyst deleted stays deleted (``whole`` and ``value``).
5. **An optional rule is off when absent** (``optional_number``): the few rules a version may
   leave out on purpose (the usage-decline rule, added later, is off in versions that predate
   it, so their stages do not change) have no shipped fallback.

Error codes: ``rules_bad_number`` (params key, section, name, low, high),
``rules_bad_integer`` (a finite number that is not whole; same params), ``rules_bad_flag``,
``rules_bad_choice`` (params allowed; a module may name its own code with the same params),
``rules_missing_key``, ``rules_bad_section`` (a section that is not a table). ``key`` is
always ``section.name``.
"""
from __future__ import annotations

import functools
import tomllib
from collections.abc import Iterable
from typing import Any

from lib import DATA_DIR
from lib.rules.checks import RulesError, finite_number  # noqa: F401 - the readers' own names

DEFAULT_RULES_PATH = DATA_DIR / "rules.toml"
_ABSENT = object()


@functools.lru_cache(maxsize=32)
def parsed(text: str) -> dict[str, Any]:
    """Rules text parsed (cached on the text: a page reads several sections of one version).
    Callers read it and never change it."""
    return tomllib.loads(text)


def shipped_doc() -> dict[str, Any]:
    """The shipped rules file (``data/rules.toml``) parsed; re-read when the file changes."""
    return parsed(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))


def _part(doc: dict[str, Any], dotted: str) -> dict[str, Any] | None:
    """The (possibly nested, ``segments.clusters``) table ``dotted`` of ``doc``; None if absent.
    A value there that is no table is the analyst's mistake (policy rule 2), not an absence."""
    part: Any = doc
    for name in dotted.split("."):
        if not isinstance(part, dict) or name not in part:
            return None
        part = part[name]
    if not isinstance(part, dict):
        raise RulesError("rules_bad_section", key=dotted, section=dotted)
    return part


class Section:
    """One section of a rules version, read with the module's fallback policy.

    Parameters
    ----------
    saved : the parsed rules text of the version in force.
    name : the section, dotted for a nested table (``"segments.clusters"``).
    shipped : the parsed shipped rules (default: ``data/rules.toml``).
    renamed : keys this version kept in another section before ``name`` existed
        (``{"margin_share": "lifecycle_analysis"}``); used only when ``name`` is absent, ahead
        of the shipped value.

    Example
    -------
    >>> s = Section({"operations": {"alpha": 0.05}}, "operations")
    >>> s.share("alpha", exclusive=True)
    0.05
    """

    def __init__(self, saved: dict[str, Any], name: str, shipped: dict[str, Any] | None = None,
                 renamed: dict[str, str] | None = None) -> None:
        self.name = name
        part = _part(saved, name)
        self.absent = part is None
        self._saved = dict(part or {})
        if self.absent and renamed:
            for key, old in renamed.items():
                older = _part(saved, old) or {}
                if key in older:
                    self._saved[key] = older[key]
        self._shipped = _part(shipped if shipped is not None else shipped_doc(), name) or {}

    # --- the policy ------------------------------------------------------------------------------

    def value(self, key: str) -> Any:
        """``key``'s value, untyped: the saved one, else the shipped one (rule 1), else
        ``rules_missing_key`` (rule 3). A list or table comes whole (rule 4)."""
        if key in self._saved:
            return self._saved[key]
        if key in self._shipped:
            return self._shipped[key]
        raise RulesError("rules_missing_key", key=self._key(key), section=self.name, name=key)

    def whole(self) -> dict[str, Any]:
        """The section as one collection (rule 4): the saved one, or the shipped one when the
        version lacks it."""
        return dict(self._shipped if self.absent else self._saved)

    def saved(self, key: str) -> bool:
        """The version in force itself holds ``key`` (not the shipped fallback)."""
        return key in self._saved

    # --- typed readers ---------------------------------------------------------------------------

    def number(self, key: str, low: float, high: float, *, exclusive: bool = False) -> float:
        """A finite number in [low, high] (in (low, high) when ``exclusive``)."""
        value = self.value(key)
        inside = finite_number(value) and (low < value < high if exclusive else low <= value <= high)
        if not inside:
            raise self._bad("rules_bad_number", key, low=low, high=high)
        return float(value)

    def share(self, key: str, low: float = 0.0, high: float = 1.0, *,
              exclusive: bool = False) -> float:
        """A share (0–1 unless narrower bounds are given)."""
        return self.number(key, low, high, exclusive=exclusive)

    def integer(self, key: str, low: int, high: float) -> int:
        """A whole number in [low, high]; ``3.0`` counts as 3, ``3.5`` is refused (never
        truncated: the analyst would not get the count they wrote)."""
        value = self.number(key, low, high)
        if not value.is_integer():
            raise self._bad("rules_bad_integer", key, low=low, high=high)
        return int(value)

    def optional_number(self, key: str, low: float, high: float) -> float | None:
        """A number in [low, high], or None when the saved version lacks it (rule 5: the rule
        is off; no shipped fallback)."""
        if key not in self._saved:
            return None
        return self.number(key, low, high)

    def flag(self, key: str) -> bool:
        """true or false."""
        value = self.value(key)
        if not isinstance(value, bool):
            raise self._bad("rules_bad_flag", key)
        return value

    def choice(self, key: str, allowed: Iterable[str], code: str = "rules_bad_choice") -> str:
        """One of ``allowed``; ``code`` (params key, allowed) otherwise."""
        options = tuple(allowed)
        value = self.value(key)
        if not isinstance(value, str) or value not in options:
            raise self._bad(code, key, allowed=", ".join(options))
        return value

    def choices(self, key: str, allowed: Iterable[str], code: str = "rules_bad_choice",
                distinct: bool = False) -> tuple[str, ...]:
        """A non-empty list among ``allowed`` (without repeats when ``distinct``), in its order;
        ``code`` (params key, allowed) otherwise."""
        options = tuple(allowed)
        value = self.value(key)
        ok = (isinstance(value, list) and bool(value)
              and all(isinstance(v, str) and v in options for v in value)
              and (not distinct or len(set(value)) == len(value)))
        if not ok:
            raise self._bad(code, key, allowed=", ".join(options))
        return tuple(value)

    # --- helpers ---------------------------------------------------------------------------------

    def _key(self, key: str) -> str:
        return f"{self.name}.{key}"

    def _bad(self, code: str, key: str, **params: object) -> RulesError:
        return RulesError(code, key=self._key(key), section=self.name, name=key, **params)
