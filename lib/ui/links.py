"""The page's state in its address: language, filters and page inputs as query parameters.

A reload keeps what the user chose, and the address can be sent to a colleague: it opens on
the same language, workspace, snapshot, provinces, tiers, tab and inputs. ``restore()`` reads the global
parameters once per browser session, before the sidebar draws its widgets; ``share()`` writes
them back after every run. A page ties one of its inputs to the address with ``choice`` or
``tab`` just before drawing the widget. A value the app cannot use (an unknown
language, a snapshot not stored, a province not in the snapshot) is left out, and the page
says which parameters were ignored, in the user's language.

Parameters: ``lang`` (en, zh), ``workspace`` (its slug), ``snapshot`` (YYYY-MM-DD; absent = the newest), ``province``
and ``tier`` (repeated, one value each), and the page inputs under their session keys.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import streamlit as st

from lib.common.localise import join
from lib.i18n import LANGUAGES, t, t_text
from lib.rules import TIERS
from lib.ui.keys import Keys

LANG, WORKSPACE, SNAPSHOT, PROVINCE, TIER = "lang", "workspace", "snapshot", "province", "tier"
_RESTORED = Keys.LINKS_RESTORED
_SEEN = Keys.LINKS_SEEN


def _warn(ignored: list[str]) -> None:
    if ignored:
        from lib.ui import lang

        code = lang()
        st.warning(t("links_ignored", code, params=join(ignored, code)), icon=":material/link_off:")


def restore_early() -> None:
    """Read ``lang`` and ``workspace`` from the address, once per browser session, before
    anything is drawn (the navigation's page titles are in the language) and before the run
    chooses its workspace (``lib.ui.workspace.resolve`` falls back to the default for a slug it
    does not know). Unusable values are reported by ``restore``."""
    if st.session_state.get(_RESTORED):
        return
    if st.query_params.get(LANG) in LANGUAGES:
        st.session_state[Keys.LANG] = st.query_params[LANG]
    if st.query_params.get(WORKSPACE):
        st.session_state[Keys.WORKSPACE] = st.query_params[WORKSPACE]


def restore() -> None:
    """Read snapshot, provinces and tiers from the address into the session, once per
    browser session and before the sidebar draws (a widget's state is set before it exists)."""
    if st.session_state.get(_RESTORED):
        return
    st.session_state[_RESTORED] = True
    from lib.ui import Keys, data_token, province_options, snapshot_dates

    params, ignored = st.query_params, []
    if LANG in params and params[LANG] not in LANGUAGES:
        ignored.append(f"{LANG}={params[LANG]}")
    if params.get(WORKSPACE) and st.session_state.get(Keys.WORKSPACE) != params[WORKSPACE]:
        ignored.append(f"{WORKSPACE}={params[WORKSPACE]}")      # not a workspace of this server
    token = data_token()
    dates = snapshot_dates(token)
    snapshot = dates[-1] if dates else None
    if SNAPSHOT in params:
        wanted = _date(params[SNAPSHOT])
        if wanted is not None and wanted in dates:
            snapshot = st.session_state[Keys.SNAPSHOT] = wanted
        else:
            ignored.append(f"{SNAPSHOT}={params[SNAPSHOT]}")
    if PROVINCE in params and snapshot is not None:
        options = set(province_options(snapshot, token))
        wanted = params.get_all(PROVINCE)
        st.session_state[Keys.PROVINCES] = [p for p in wanted if p in options]
        ignored += [f"{PROVINCE}={p}" for p in wanted if p not in options]
    if TIER in params:
        wanted = params.get_all(TIER)
        st.session_state[Keys.TIERS] = [int(x) for x in wanted if x.isdigit() and int(x) in TIERS]
        ignored += [f"{TIER}={x}" for x in wanted if not (x.isdigit() and int(x) in TIERS)]
    _warn(ignored)


def _date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def share() -> None:
    """Write the language and the sidebar's filters to the address (after the sidebar drew)."""
    from lib.ui import Keys, data_token, lang, snapshot_dates

    params = st.query_params
    params[LANG] = lang()
    if st.session_state.get(Keys.WORKSPACE):
        params[WORKSPACE] = st.session_state[Keys.WORKSPACE]
    dates = snapshot_dates(data_token())
    snapshot = st.session_state.get(Keys.SNAPSHOT)
    if dates and snapshot in dates and snapshot != dates[-1]:
        params[SNAPSHOT] = snapshot.isoformat()   # the newest is the default: a reload follows imports
    elif SNAPSHOT in params:
        del params[SNAPSHOT]
    for name, values in ((PROVINCE, st.session_state.get(Keys.PROVINCES) or []),
                         (TIER, st.session_state.get(Keys.TIERS) or [])):
        if values:
            params[name] = [str(v) for v in values]
        elif name in params:
            del params[name]


def _first_time(key: str) -> bool:
    seen = st.session_state.setdefault(_SEEN, set())
    if key in seen:
        return False
    seen.add(key)
    return True


def _write(key: str, value: object | None) -> None:
    if value is None:
        if key in st.query_params:
            del st.query_params[key]
    else:
        st.query_params[key] = str(value)


def choice(key: str, choices: Sequence[object]) -> None:
    """Tie the page input under session key ``key`` (a select box or radio over ``choices``)
    to the parameter ``key``: read once per session, written on every run."""
    if _first_time(key) and key in st.query_params:
        wanted = st.query_params[key]
        by_text = {str(c): c for c in choices}
        if wanted in by_text:
            st.session_state[key] = by_text[wanted]
        else:
            _warn([f"{key}={wanted}"])
    current = st.session_state.get(key)
    _write(key, current if current in choices else None)


def tab(key: str, names: Sequence[str], lang: str) -> None:
    """Tie tabs (``st.tabs(..., key=key)``, labelled ``t(name)`` for each catalogue key of
    ``names``) to the parameter ``key``, which holds the catalogue key: a link works in both
    languages though the tab's state is its label."""
    labels = {name: t_text(name, lang) for name in names}
    if _first_time(key) and key in st.query_params:
        wanted = st.query_params[key]
        if wanted in labels:
            st.session_state[key] = labels[wanted]
        else:
            _warn([f"{key}={wanted}"])
    current = st.session_state.get(key)
    by_label = {label: name for name, label in labels.items()}
    if current not in by_label:   # the label of the other language, after a language switch
        other = {t_text(name, code): name for name in names for code in LANGUAGES}
        if current in other:
            current = st.session_state[key] = labels[other[current]]
    _write(key, by_label.get(current))
