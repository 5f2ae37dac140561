"""The retention dashboard's domain code. No Streamlit here except in ``lib.ui``."""
from pathlib import Path

#: the shipped rules, offers, tiles and (by default) the store and accounts files
DATA_DIR = Path(__file__).resolve().parent.parent / "data"
