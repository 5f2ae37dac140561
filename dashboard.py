"""Entry point: ``streamlit run dashboard.py``. Navigation and the global sidebar."""
import streamlit as st

from lib import ui
from lib.i18n import t
from lib.ui import links

st.set_page_config(page_title="Retention dashboard", page_icon="📊", layout="wide")

links.restore_early()   # before the page titles and the workspace: a link opens in its language
code = ui.lang()
pages = [
    st.Page("views/overview.py", title=t("page_overview", code), icon=":material/monitoring:",
            url_path="overview", default=True),
    st.Page("views/segments.py", title=t("page_segments", code), icon=":material/donut_small:",
            url_path="segments"),
    st.Page("views/offers.py", title=t("page_offers", code), icon=":material/savings:",
            url_path="offers"),
    st.Page("views/uplift.py", title=t("page_uplift", code), icon=":material/call_split:",
            url_path="uplift"),
    st.Page("views/lifecycle.py", title=t("page_lifecycle", code), icon=":material/timeline:",
            url_path="lifecycle"),
    st.Page("views/churn.py", title=t("page_churn", code), icon=":material/trending_down:",
            url_path="churn"),
    st.Page("views/action_list.py", title=t("page_action_list", code), icon=":material/call:",
            url_path="action-list"),
    st.Page("views/operations.py", title=t("page_operations", code), icon=":material/support_agent:",
            url_path="operations"),
    st.Page("views/data.py", title=t("page_data", code), icon=":material/upload_file:",
            url_path="data"),
]
with ui.guard(stop=True):   # an unusable accounts file stops here with its message: nobody gets in
    signed_in = ui.sign_in()
if signed_in is None:
    st.stop()
navigation = st.navigation(pages)
with ui.guard():
    ui.start_run()
    links.restore()
    ui.sidebar()
    links.share()
navigation.run()
