"""The one exception the import boundary raises (re-exported by ``lib.ingest``).

Kept in its own module so that ``lib.ingest.readers``, ``lib.ingest.mapping`` and ``lib.ingest.validate`` can raise it
without importing each other.
"""
from __future__ import annotations

from lib.errors import AppError
from lib.i18n.errors import error_text


class IngestError(AppError):
    """File-level refusal of an import, with a message and a hint in both languages.

    Parameters
    ----------
    code : i18n key (``lib/i18n/ingest.py``) naming the problem.
    params : fields of the problem and hint templates (file name, column, ...).
    hint_code : i18n key of what the user should do about it (``AppError.hint``).

    Example
    -------
    >>> err = IngestError("ingest_empty_file", {"file": "a.csv"}, "ingest_hint_choose_file")
    >>> err.message("en").startswith("a.csv")
    True
    """

    def __init__(self, code: str, params: dict | None = None,
                 hint_code: str = "ingest_hint_formats"):
        super().__init__(code, params, hint_code)
        self.args = (self.message("en"),)

    @property
    def hint_code(self) -> str:
        """The hint's i18n key (the name this class has always used for ``hint``)."""
        return self.hint or ""

    def message(self, lang: str = "en", *, markup: bool = False) -> str:
        """The problem, then the hint, in ``lang`` ("en" or "zh"), as plain text; with
        ``markup=True`` for Streamlit markdown (file and column names escaped, ``lib.i18n.t``)."""
        return error_text(self, lang, markup=markup)
