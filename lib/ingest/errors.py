"""The one exception the import boundary raises (re-exported by ``lib.ingest``).

Kept in its own module so that ``lib.ingest.readers``, ``lib.ingest.mapping`` and ``lib.ingest.validate`` can raise it
without importing each other.
"""
from __future__ import annotations

from lib.i18n import t, t_text


class IngestError(Exception):
    """File-level refusal of an import, with a message and a hint in both languages.

    Parameters
    ----------
    code : i18n key (``lib/i18n/ingest.py``) naming the problem.
    params : fields of the problem and hint templates (file name, column, ...).
    hint_code : i18n key of what the user should do about it.

    Example
    -------
    >>> err = IngestError("ingest_empty_file", {"file": "a.csv"}, "ingest_hint_choose_file")
    >>> err.message("en").startswith("a.csv")
    True
    """

    def __init__(self, code: str, params: dict | None = None,
                 hint_code: str = "ingest_hint_formats"):
        self.code = code
        self.params = dict(params or {})
        self.hint_code = hint_code
        super().__init__(self.message("en"))

    def _render(self, key: str, lang: str, markup: bool) -> str:
        fill = t if markup else t_text
        try:
            return fill(key, lang, **self.params)
        except (KeyError, IndexError, ValueError, AttributeError):
            # A template field the raiser forgot: show the template rather than fail; an unknown
            # key (a programming error, caught by the i18n tests) shows as itself.
            try:
                return t(key, lang)
            except KeyError:
                return str(key)

    def message(self, lang: str = "en", *, markup: bool = False) -> str:
        """The problem, then the hint, in ``lang`` ("en" or "zh"), as plain text; with
        ``markup=True`` for Streamlit markdown (file and column names escaped, ``lib.i18n.t``)."""
        sep = "" if lang == "zh" else " "
        return f"{self._render(self.code, lang, markup)}{sep}{self._render(self.hint_code, lang, markup)}"

    def __reduce__(self):  # picklable across processes (pytest-xdist, multiprocessing)
        return (type(self), (self.code, self.params, self.hint_code))
