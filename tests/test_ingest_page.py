"""The Data page's import: the mapping editor's proposals, the profile, the checks before the
Import button, and messages that name the page's controls rather than command-line flags."""
from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from lib.ui import Keys
from tests.rendered import shown

ROOT = Path(__file__).resolve().parents[1]

# A Telco-style export: the churn flag under "Churn Label" (Yes/No) beside "Churn Score".
TELCO = ("CustomerID,Tenure Months,Monthly Charges,Churn Label,Churn Score\n"
         "3668-QPYBK,2,53.85,Yes,86\n9237-HQITU,2,70.70,Yes,67\n9305-CDSKC,8,99.65,No,27\n"
         "7892-POOKP,28,104.80,No,44\n").encode()


@pytest.fixture
def store_url(tmp_path, monkeypatch):
    url = f"duckdb:///{tmp_path}/app.duckdb"
    monkeypatch.setenv("RETENTION_DB_URL", url)
    return url


def data_page(lang: str = "en") -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.session_state[Keys.LANG] = lang
    at.run()
    at.switch_page("views/data.py").run()
    return at


def box(at: AppTest, field: str):
    """The mapping editor's box of a contract field: labelled by its code in English and by
    name plus code in Chinese (流失标志（churned）)."""
    return next(s for s in at.selectbox if s.label == field or s.label.endswith(f"（{field}）"))


def test_the_editor_proposes_the_churn_flag_by_name_and_values(store_url):
    at = data_page()
    at.file_uploader[0].set_value(("telco.csv", TELCO, "text/csv")).run()
    assert not at.exception
    assert box(at, "churned").value == "Churn Label"
    assert box(at, "churned").options[0] == "– not in file –"
    assert any(shown(c.value) == "e.g. Yes, No · confidence 98.0% — “Churn Label” is a known "
               "name of this field and its values are a yes/no flag (Yes / No)."
               for c in at.caption)
    assert next(m for m in at.multiselect if m.label == "arpu").value == ["Monthly Charges"]
    # the profile beside the preview: 2 churners of 4 rows (counted by hand)
    assert any("Churn share of the accepted rows: 50.0%" in shown(c.value) for c in at.caption)
    profile = next(d.value for d in at.dataframe if "Blank" in d.value.columns)
    assert profile["Field"].tolist() == ["customer_id", "tenure_months", "churned", "arpu"]
    # one choice changed: the page reads the file anew
    box(at, "churned").set_value("").run()
    assert any("churned | churn_date" in shown(e.value) for e in at.error)


def test_missing_fields_are_explained_with_the_pages_own_controls(store_url):
    at = data_page()
    at.file_uploader[0].set_value(("colours.csv", b"colour,size\nred,1\n", "text/csv")).run()
    assert not at.exception
    message = shown(at.error[0].value)
    assert "column mapping above" in message and "--map" not in message


def test_checks_before_the_import(store_url):
    at = data_page()
    at.file_uploader[0].set_value(("telco.csv", TELCO, "text/csv")).run()
    window = next(s for s in at.selectbox if s.label == "Churn flag covers")
    window.set_value(1).run()
    # 50 % churned in a 1-month window, more than the rules' 10 % a month
    assert any("50.0% of the accepted customers are flagged as churned, for a churn window of 1"
               in shown(w.value) for w in at.warning)
    next(b for b in at.button if b.label.startswith("Import")).click().run()
    assert not at.exception
    at.file_uploader[0].set_value(("telco.csv", TELCO, "text/csv")).run()
    stored = [shown(w.value) for w in at.warning if "is already stored" in shown(w.value)]
    assert stored and "“Replace a stored snapshot of the same date” ticked" in stored[0]
    assert "--replace" not in stored[0]


def test_the_editor_in_chinese(store_url):
    at = data_page("zh")
    at.file_uploader[0].set_value(("telco.csv", TELCO, "text/csv")).run()
    assert not at.exception
    assert box(at, "churned").label == "流失标志（churned）"
    assert box(at, "churned").options[0] == "– 文件中没有 –"
    assert box(at, "churned").help.startswith("流失标志：")
    assert any("置信度 98.0%" in shown(c.value) and "是/否标志" in shown(c.value)
               for c in at.caption)
    assert any(shown(c.value).startswith("已接受行的流失占比：50.0%") for c in at.caption)
    # hand count for the profile: one blank-share column with 0.0% in each of the four rows
    profile = next(d.value for d in at.dataframe if "空值占比" in d.value.columns)
    assert profile["空值占比"].tolist() == ["0.0%"] * 4
    assert pl.Series(profile["不同值个数"].tolist()).to_list() == [4, 3, 2, 4]
