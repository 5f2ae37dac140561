"""The one package of lib that imports Streamlit: cached data, the sidebar, errors.

Session keys are in ``lib.ui.keys``, the page registry in ``lib.ui.pages``.

Pages call these helpers and lib's pure functions; they hold no SQL and no maths.
"""
from __future__ import annotations

import contextlib
import importlib
import datetime as dt
import logging
from collections.abc import Callable, Iterator
from typing import TypeVar

import polars as pl
import sqlalchemy as sa
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

import lib.monthly.alerts  # noqa: F401 - evaluates the alert rules after every import (on_import)
from lib.overview import queries
from lib.segments.geo import area_label
from lib import auth
from lib.auth import User
from lib.store.scope import Scope, acting_scope
from lib.common import fmt
from lib.common.exports import csv_bytes
from lib.errors import AppError
from lib.i18n import LANGUAGE_NAMES, t
from lib.i18n.errors import error_text, known
from lib.ingest import Mapping, RawTable, ValidationResult, sheet_names, validate
from lib.store.filters import Filters
from lib.ingest.read_limits import UPLOAD_CACHE_SECONDS
from lib.ingest.read_worker import read_table_isolated
from lib.rules import TIERS, Rules
from lib.rules.versions import current_rules
from lib.store import database_url, read_frame, writer_busy
from lib.pipeline.migrations import open_store
from lib.ui import pages
from lib.ui.tables import Column, labelled
from lib.ui.keys import Keys, scoped  # noqa: F401  (pages use ui.Keys and ui.scoped)

log = logging.getLogger("retention")
T = TypeVar("T")


@st.cache_resource(show_spinner=False)
def _engine_for(url: str) -> sa.Engine:
    return open_store(url)


def engine() -> sa.Engine:
    """The engine of the chosen workspace's store (``lib.ui.workspace``), migrated on first use."""
    return _engine_for(store_url())


def store_url() -> str:
    """URL of the chosen workspace's store; the configured URL when there is no workspace."""
    from lib.ui import workspace

    return workspace.current_url() or database_url()


def lang() -> str:
    """The chosen language code ("en" or "zh")."""
    return st.session_state.get(Keys.LANG, "en")


def data_token() -> tuple:
    """Identity of what is stored: changes whenever a snapshot is imported, replaced or deleted.

    Part of every cache key, so no cached figure outlives the data it came from. Read once per
    script run (``start_run``) rather than per computation: on Spark each read is a 0.3–1 s
    round trip, and a page runs a dozen computations.
    """
    token = st.session_state.get(Keys.DATA_TOKEN)
    return token if token is not None else _read_data_token()


def _read_data_token() -> tuple:
    listing = read_frame(engine(), queries.snapshot_list())
    stored = zip(listing["snapshot_date"].to_list(), listing["import_id"].to_list()) if listing.height else ()
    return store_url(), tuple(stored)


def start_run() -> None:
    """At the top of every script run (dashboard.py): choose the workspace and read what is
    stored in it, once for the run; show messages a previous run left (``flash``)."""
    from lib.ui import workspace

    workspace.resolve()
    st.session_state[Keys.DATA_TOKEN] = _read_data_token()
    workspace.show_flash()
    workspace.demo_badge()


def rules() -> Rules:
    """The rules in force (the newest stored version)."""
    return current_rules(engine())


def snapshot_dates(token: tuple) -> list[dt.date]:
    """Stored snapshot dates, oldest first, read off a ``data_token``."""
    return [d for d, _ in token[1]]


def province_options(snapshot_date: dt.date, token: tuple) -> list[str]:
    """Provinces of the snapshot the acting user may see (their scope), largest first."""
    return _province_options(snapshot_date, token, acting_scope())


@st.cache_data(show_spinner=False, max_entries=64)
def _province_options(snapshot_date: dt.date, token: tuple, scope: Scope) -> list[str]:
    # the scope is part of the key, and the query applies it (scope_terms)
    with auth.acting_as(User("scope", "viewer", scope)):
        return read_frame(engine(), queries.provinces(snapshot_date))["province"].to_list()


def compute(fn: Callable[..., T], *args: object) -> T:
    """``fn(connection, *args)`` on the configured database, cached.

    The cache key is the function, its arguments (filters, ``Rules`` with their version and
    text, inputs) and the stored data (``data_token``), so no result outlives a change of data
    or rules. Pages call every lib computation that reads the store through this.
    """
    return _compute(fn.__module__, fn.__qualname__, args, data_token(), acting_scope())


def memo(fn: Callable[..., T], *args: object) -> T:
    """``fn(*args)`` for a pure lib function (no store access), cached on its arguments."""
    return _memo(fn.__module__, fn.__qualname__, args)


@st.cache_data(show_spinner=False, max_entries=256)
def _memo(module: str, name: str, args: tuple) -> object:
    return getattr(importlib.import_module(module), name)(*args)


@st.cache_data(show_spinner=False, max_entries=256)
def _compute(module: str, name: str, args: tuple, token: tuple, scope: Scope) -> object:
    # ``scope``: the acting user's row-level scope is part of the key, so a result computed for
    # one branch is never served to another (the lib function applies it itself)
    fn = getattr(importlib.import_module(module), name)
    with engine().connect() as conn:
        return fn(conn, *args)


def uploaded_table(upload, permission: str) -> RawTable:
    """An uploaded file (``st.file_uploader``'s value) read as a table: a sheet chooser for a
    workbook of several sheets, then the file's facts and any reading warnings shown.

    ``permission``: what the upload writes needs ("import" for snapshots, "run_operations" for
    outcomes; ``lib.auth.PERMISSIONS``). Checked before a byte of the file is read, so a role
    without it is refused (``PermissionDenied``) even when a forged message delivers a file to
    the disabled uploader: nothing is read, checked against the store or reported.
    """
    auth.require(permission)
    code = lang()
    data = upload.getvalue()
    sheets = sheet_names(data) if upload.name.lower().endswith(".xlsx") else []
    sheet = st.selectbox(t("data_sheet", code), sheets) if len(sheets) > 1 else None
    raw = _read_upload(upload.file_id, data, upload.name, sheet)
    st.caption(t("data_file_facts", code, rows=raw.frame.height, columns=raw.frame.width,
                 encoding=raw.encoding or "–", delimiter=repr(raw.delimiter) if raw.delimiter else "–"))
    for warning_code, params in raw.warnings:
        st.warning(t(warning_code, code, **params))
    return raw


@st.cache_data(show_spinner=False, max_entries=4, ttl=UPLOAD_CACHE_SECONDS)
def _read_upload(file_id: str, _data: bytes, name: str, sheet: str | None) -> RawTable:
    """An uploaded file read once per upload (``file_id``) and sheet; workbooks and columnar
    files in the bounded worker, so that no upload can end the server."""
    return read_table_isolated(_data, name, sheet=sheet)


@st.cache_data(show_spinner=False, max_entries=8, ttl=UPLOAD_CACHE_SECONDS)
def validate_upload(file_id: str, sheet: str | None, _raw: RawTable, mapping: Mapping,
                    snapshot_date: dt.date | None, rules: Rules | None = None,
                    today: dt.date | None = None) -> ValidationResult:
    """Validation of an upload, redone only when the mapping, the snapshot date, the rules
    (plausibility thresholds) or the day change."""
    return validate(_raw, mapping, snapshot_date=snapshot_date, rules=rules, today=today)


@st.cache_data(show_spinner=False, max_entries=8, ttl=UPLOAD_CACHE_SECONDS)
def upload_spend(file_id: str, sheet: str | None, mapping: Mapping, snapshot_date: dt.date | None,
                 _result: ValidationResult) -> pl.DataFrame:
    """The accepted rows' six-month average spend (currency a month), points and key-person
    flag (``lib.pipeline.proposal.customer_spend``), derived once per upload and mapping."""
    from lib.pipeline.proposal import customer_spend
    return customer_spend(_result.accepted, snapshot_date)


def clear_caches() -> None:
    """After a write: drop cached data so the rest of this run and the next read the new state."""
    st.cache_data.clear()
    st.session_state.pop(Keys.DATA_TOKEN, None)


def current_filters() -> Filters | None:
    """The sidebar's filters, or None when nothing is stored yet."""
    dates = snapshot_dates(data_token())
    if not dates:
        return None
    snapshot = st.session_state.get(Keys.SNAPSHOT)
    if snapshot not in dates:
        snapshot = dates[-1]
    return Filters(snapshot, tuple(st.session_state.get(Keys.PROVINCES, ())),
                   tuple(st.session_state.get(Keys.TIERS, ())))


def filters_or_stop(empty_message: str) -> Filters:
    """The sidebar's filters; when nothing is stored yet, the page's ``empty_message`` (an i18n
    key) with a link to the Data page, and the script run stops there."""
    filters = current_filters()
    if filters is None:
        st.info(t(empty_message, lang()))
        pages.page_link(pages.DATA, lang())
        st.stop()
    return filters


def sidebar() -> None:
    """The global sidebar: language, snapshot, province and tier filters.

    Drawn by dashboard.py on every page, so its widgets keep their state across pages.
    """
    with st.sidebar:
        st.radio("Language / 语言", options=list(LANGUAGE_NAMES), key=Keys.LANG,
                 format_func=LANGUAGE_NAMES.get, horizontal=True)
        code = lang()
        from lib.ui import workspace

        workspace.switcher()
        token = data_token()
        dates = snapshot_dates(token)
        if not dates:
            st.session_state.pop(Keys.SNAPSHOT, None)
            st.caption(t("sidebar_no_data", code))
            return
        if st.session_state.get(Keys.SNAPSHOT) not in dates:
            st.session_state[Keys.SNAPSHOT] = dates[-1]
        st.selectbox(t("sidebar_snapshot", code), options=list(reversed(dates)), key=Keys.SNAPSHOT)
        options = province_options(st.session_state[Keys.SNAPSHOT], token)
        kept = [p for p in st.session_state.get(Keys.PROVINCES, []) if p in options]
        st.session_state[Keys.PROVINCES] = kept
        st.multiselect(t("sidebar_provinces", code), options=options, key=Keys.PROVINCES,
                       placeholder=t("sidebar_all", code), format_func=lambda p: area_label(p, code))
        in_force = rules()
        st.multiselect(t("sidebar_tiers", code), options=list(TIERS), key=Keys.TIERS,
                       format_func=lambda tier: in_force.tier_name(tier, code),
                       placeholder=t("sidebar_all", code))
        st.caption(t("sidebar_rules_version", code, version=in_force.version))
        account_box()


def _sso_configured() -> bool:
    """Single sign-on (Streamlit's OIDC) is configured in .streamlit/secrets.toml [auth]."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def sign_in() -> User | None:
    """Resolve who is using the app for this run and make them the acting user.

    Single sign-on when configured (role from the accounts file by e-mail, viewer if absent);
    else the local accounts file (a login form); else single-user mode (local admin). Returns
    None after drawing a login prompt: the caller stops the run.
    """
    code = lang()
    if _sso_configured():
        if not st.user.is_logged_in:
            st.button(t("auth_sso_login", code), on_click=st.login, type="primary")
            return None
        name = str(st.user.get("email") or st.user.get("name"))
        user = auth.sso_user(name)   # role and row-level scope from the accounts file
    elif auth.accounts_configured():
        auth.load_accounts()   # a present but unusable file stops every visitor here (fail closed)
        user = st.session_state.get(Keys.USER)
        if user is not None:
            user = auth.still_allowed(user)   # a deleted account's session ends here
            if user is None:
                st.session_state.pop(Keys.USER, None)
        if user is None:
            with st.form(Keys.LOGIN_FORM):
                st.subheader(t("auth_title", code))
                name = st.text_input(t("auth_name", code))
                password = st.text_input(t("auth_password", code), type="password")
                if st.form_submit_button(t("auth_sign_in", code), type="primary"):
                    try:
                        user = auth.authenticate(name, password, client=_client())
                    except auth.SignInRefused as refused:
                        st.error(t(refused.code, code, wait=_wait_text(refused.retry_seconds, code)))
                        return None
                    if user is None:
                        st.error(t("auth_failed", code))
                    else:
                        st.session_state[Keys.USER] = user
                        st.rerun()
            return None
    else:
        user = User("local", "admin")
    st.session_state[Keys.USER] = user
    auth.set_actor(user)
    return user


def _client() -> str:
    """This session's client for the sign-in limits: its address, or its browser session."""
    ctx, peer = get_script_run_ctx(), st.context.ip_address
    forwarded = st.context.headers.get("X-Forwarded-For")
    # only text counts (AppTest's stand-in runtime answers with mock objects)
    return auth.client_of(peer if isinstance(peer, str) else None,
                          forwarded if isinstance(forwarded, str) else None,
                          ctx.session_id if ctx else "")


def _wait_text(seconds: int, code: str) -> str:
    """A wait in the user's language: seconds below two minutes, else whole minutes rounded up."""
    if seconds < 120:
        return t("auth_wait_seconds", code, n=seconds)
    return t("auth_wait_minutes", code, n=-(-seconds // 60))


def user() -> User:
    """The signed-in user of this session (set by ``sign_in``); an anonymous viewer if none."""
    return st.session_state.get(Keys.USER) or auth.current_actor() or User("anonymous", "viewer")


def account_box() -> None:
    """Who is signed in, with a sign-out where there is something to sign out of."""
    code, current = lang(), user()
    if not _sso_configured() and not auth.accounts_configured():
        st.caption(t("auth_single_user", code))
        return
    st.caption(t("auth_signed_in", code, name=current.name, role=t(f"auth_role_{current.role}", code)))
    scope_caption(current, code)
    if st.button(t("auth_sign_out", code)):
        st.session_state.pop(Keys.USER, None)
        if _sso_configured():
            st.logout()
        st.rerun()


def scope_caption(current: User, code: str) -> None:
    """States the user's row-level scope: the provinces / cities they see, or the whole base."""
    if current.scope.whole_base:
        st.caption(t("scope_whole_base", code))
    else:
        st.caption(t("scope_limited", code, scope=current.scope.describe()))


def error_message(exc: BaseException, code: str) -> str:
    """The user-facing message for an error of ours; a generic one for anything else."""
    if isinstance(exc, AppError):
        if not known(exc):   # a code without its text must not become a traceback
            return f"{t('error_unexpected', code)} ({exc.code})"
        return error_text(exc, code, markup=True)
    if writer_busy(exc):   # a lost race with another writer, not an unreachable database
        return t("store_busy", code)
    if isinstance(exc, sa.exc.OperationalError):
        return t("error_database", code)
    return t("error_unexpected", code)


@contextlib.contextmanager
def guard(stop: bool = False) -> Iterator[None]:
    """Show any error inside the block as a message, never a traceback.

    ``stop``: the rest of the page needs what this block sets up (filters, rules, tabs), so
    after an error the page stops here, its message shown. Streamlit's own control flow
    (rerun, stop) derives from BaseException and passes through. It also makes the signed-in
    user the acting user, so lib's permission checks see them.
    """
    auth.set_actor(st.session_state.get(Keys.USER))
    try:
        yield
    except Exception as exc:  # the UI boundary: everything becomes a message
        if isinstance(exc, AppError) or writer_busy(exc):
            # an ordinary user error, already explained on screen: one line, no traceback
            log.info("refused: %s", getattr(exc, "code", exc))
        else:
            log.exception("page error")
        st.error(error_message(exc, lang()), icon="⚠️")
        if stop:
            st.stop()


def download_button(label: str, make: Callable[[], bytes], *, file_name: str, mime: str,
                    disabled: bool = False, key: str | None = None, where=None) -> None:
    """A download whose bytes are made only when it is clicked, as the signed-in user.

    Deferred on purpose: an eager download builds its file (an HTML report, a spreadsheet) on
    every rerun and keeps it in the server's memory, and under load the browser's check of that
    file can arrive after the next rerun dropped it (a 404 console error). A click does not
    rerun the page. ``make`` runs outside the script thread, so the acting user is carried over;
    an error inside it becomes the message shown under the button.
    """
    actor, code = st.session_state.get(Keys.USER), lang()

    def produce() -> bytes:
        try:
            with auth.acting_as(actor) if actor else contextlib.nullcontext():
                return make()
        except Exception as exc:
            log.exception("download error")
            raise RuntimeError(error_message(exc, code)) from None

    (where or st).download_button(label, data=produce, file_name=file_name, mime=mime,
                                  icon=":material/download:", disabled=disabled, key=key,
                                  on_click="ignore")


def csv_download(label: str, frame: pl.DataFrame, stem: str, snapshot: dt.date | None, *,
                 key: str | None = None) -> None:
    """A formula-safe CSV of ``frame`` (``lib.common.exports.csv_bytes``) named ``stem_snapshot.csv``,
    for roles that may export: disabled for the others, and refused by lib if clicked anyway."""
    def make() -> bytes:
        auth.require("export")
        return csv_bytes(frame)

    download_button(label, make, file_name=download_name(stem, snapshot, "csv"), mime="text/csv",
                    disabled=not user().can("export"), key=key)


def download_name(stem: str, snapshot: dt.date | None, suffix: str) -> str:
    """File name for a download: ``stem_YYYY-MM-DD.suffix``."""
    return f"{stem}_{snapshot.isoformat() if snapshot else 'all'}.{suffix}"


def table(frame: pl.DataFrame, units: dict[str, str] | None = None, **kwargs) -> None:
    """Show a small result frame. With ``units`` (column -> unit of ``lib.common.fmt``), its
    numbers read by unit (thousands separators, percentages, the rules' currency) and every
    missing value as "–", not "None"; the cells keep their numbers, so columns still sort by
    value (a pandas Styler sets only what is displayed)."""
    if not units:
        st.dataframe(frame, hide_index=True, width="stretch", **kwargs)
        return
    code, money = lang(), rules().currency
    data = frame.to_pandas()
    styler = data.style.format(na_rep="–").format(
        {column: fmt.column_formatter(unit, code, money) for column, unit in units.items()
         if column in data.columns}, na_rep="–")
    st.dataframe(styler, hide_index=True, width="stretch", **kwargs)


def labelled_table(frame: pl.DataFrame, columns: dict, lang: str, others: bool = False,
                   rename: bool = True, **kwargs) -> pl.DataFrame:
    """``frame`` with translated headers and numbers by unit (``lib.ui.tables.labelled``, then
    ``table``); returns the frame as shown (for its download). ``kwargs`` go to
    ``st.dataframe`` (``height``)."""
    shown, units, config = labelled(frame, columns, lang, others, rename)
    table(shown, units=units, **({"column_config": config} if config else {}), **kwargs)
    return shown
