"""The retention dashboard's domain code. No Streamlit here except in ``lib.ui``."""
