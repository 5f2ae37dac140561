"""The one error type of the application: a refusal a user can read and act on.

Every error of ours that reaches a user is an ``AppError`` (or one of its subclasses, named
after where it comes from: ``StoreError``, ``IngestError``, ``RulesError``, ``OperationsError``,
``PermissionDenied``, ``SignInRefused``). It carries no text, only keys: ``code`` names the
problem and ``hint`` what to do about it, both keys of the i18n catalogue (``lib/i18n/``), and
``params`` fill their templates. ``lib.i18n.errors.error_text`` renders it in English or
简体中文; the UI (``lib.ui.error_message``) and the command line (``lib.cli``) show it that way.

This module sits at the bottom of the house (below the store), so it imports nothing of lib.
"""
from __future__ import annotations

from collections.abc import Mapping


class AppError(Exception):
    """A refusal with a code, its parameters and an optional hint, rendered by ``code``.

    Parameters
    ----------
    code : i18n key naming the problem, e.g. ``"store_busy"``.
    params : fields of the problem's and the hint's templates (file name, column, counts).
    hint : i18n key of what the user should do about it, or None when the problem says it.

    Example
    -------
    >>> err = AppError("store_schema_too_new", {"found": 9, "known": 7})
    >>> err.code, err.params["found"], err.hint
    ('store_schema_too_new', 9, None)
    """

    def __init__(self, code: str, params: Mapping[str, object] | None = None,
                 hint: str | None = None) -> None:
        self.code = code
        self.params: dict[str, object] = dict(params or {})
        self.hint = hint
        super().__init__(f"{code}: {self.params}")

    def __reduce__(self):
        # picklable across processes (the isolated file reader, pytest-xdist) whatever the
        # subclass's own constructor signature
        return (_rebuild, (type(self), self.code, self.params, self.hint, self.args))


def _rebuild(cls: type[AppError], code: str, params: dict, hint: str | None,
             args: tuple) -> AppError:
    error = cls.__new__(cls)
    AppError.__init__(error, code, params, hint)
    error.args = args
    return error


class PermissionDenied(AppError):
    """The acting user's role or scope does not allow the action (raised by lib.auth and the
    store's scope terms); ``code``/``params`` for lib.i18n."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code, params)
