"""The page registry: every page of the app once, with its file, address, title and icon.

``dashboard.py`` builds the navigation from ``PAGES``; every link to a page (``page_link``)
and every jump (``switch_page``) names a ``Page`` from here, so a file, title or icon is
written once. ``tests/test_page_registry.py`` checks that every registered file exists and
that no page links to a path by hand.

Pages live in ``views/`` rather than ``pages/``: a ``pages/`` folder lets a cold Streamlit
server run a page without the entry script's sign-in.
"""
from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from lib.auth import ROLES
from lib.i18n import t


@dataclass(frozen=True)
class Page:
    """One page of the navigation.

    file : the script, relative to the repository root (``views/…``).
    url_path : its address after the host (``/overview``).
    title_key : i18n key of its title in the navigation and in links to it.
    icon : a Material icon (``:material/name:``).
    roles : roles that see it in the navigation (``lib.auth.ROLES``); every page today is for
        every role, as each page checks the permissions of what it writes itself.
    default : the page opened at ``/``.
    """

    file: str
    url_path: str
    title_key: str
    icon: str
    roles: tuple[str, ...] = ROLES
    default: bool = False


OVERVIEW = Page("views/overview.py", "overview", "page_overview", ":material/monitoring:", default=True)
SEGMENTS = Page("views/segments.py", "segments", "page_segments", ":material/donut_small:")
OFFERS = Page("views/offers.py", "offers", "page_offers", ":material/savings:")
UPLIFT = Page("views/uplift.py", "uplift", "page_uplift", ":material/call_split:")
LIFECYCLE = Page("views/lifecycle.py", "lifecycle", "page_lifecycle", ":material/timeline:")
CHURN = Page("views/churn.py", "churn", "page_churn", ":material/trending_down:")
ACTION_LIST = Page("views/action_list.py", "action-list", "page_action_list", ":material/call:")
OPERATIONS = Page("views/operations.py", "operations", "page_operations", ":material/support_agent:")
DATA = Page("views/data.py", "data", "page_data", ":material/upload_file:")

#: The navigation, in menu order.
PAGES: tuple[Page, ...] = (OVERVIEW, SEGMENTS, OFFERS, UPLIFT, LIFECYCLE, CHURN, ACTION_LIST,
                           OPERATIONS, DATA)


def navigation_pages(role: str, lang: str) -> list[st.Page]:
    """The ``st.Page`` objects of the pages ``role`` sees, titled in ``lang``."""
    return [st.Page(page.file, title=t(page.title_key, lang), icon=page.icon,
                    url_path=page.url_path, default=page.default)
            for page in PAGES if role in page.roles]


def page_link(page: Page, lang: str, label_key: str | None = None, icon: str | None = None) -> None:
    """A link to ``page``, labelled with its title (or ``label_key``) in ``lang``, with the
    page's icon (or ``icon``, for a link that says what to do there)."""
    st.page_link(page.file, label=t(label_key or page.title_key, lang), icon=icon or page.icon)


def switch_page(page: Page) -> None:
    """Go to ``page`` now (the rest of this run is not drawn)."""
    st.switch_page(page.file)
