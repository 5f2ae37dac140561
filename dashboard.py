"""Entry point: ``streamlit run dashboard.py``. Navigation and the global sidebar."""
import streamlit as st

from lib import ui
from lib.ui import links

st.set_page_config(page_title="Retention dashboard", page_icon="📊", layout="wide")

links.restore_early()   # before the page titles and the workspace: a link opens in its language
code = ui.lang()
with ui.guard(stop=True):   # an unusable accounts file stops here with its message: nobody gets in
    signed_in = ui.sign_in()
if signed_in is None:
    st.stop()
navigation = st.navigation(ui.pages.navigation_pages(signed_in.role, code))
with ui.guard():
    ui.start_run()
    links.restore()
    ui.sidebar()
    links.share()
navigation.run()
