"""Mapping templates per source: saved from one file, applied to the next file from the same
source with its columns in another order — in lib, on the command line and on the Data page."""
from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

from lib.auth import User, acting_as
from lib.cli import main
from lib.ingest import IngestError
from lib.ingest.mapping import FieldSource
from lib.ingest.templates import (apply_template, header_signature, latest_templates,
                                  load_template, matching_templates, save_template)
from lib.pipeline.snapshots import list_snapshots
from lib.pipeline.migrations import open_store
from tests.rendered import shown   # AppTest gives markdown source: data fields escaped

ROOT = Path(__file__).resolve().parents[1]

# A CRM export whose headers map to nothing by themselves: the user maps them once.
FIRST = ("acct,months_with_us,gone,bill,region\n"
         "a1,24,no,80,north\na2,3,yes,45,south\na3,60,no,120,north\n")
# The next month's export from the same CRM: the same columns in another order, other rows.
SECOND = ("region,bill,acct,gone,months_with_us\n"
          "north,82,a1,no,25\nsouth,50,a4,no,1\nnorth,118,a3,yes,61\nwest,30,a5,no,7\n")
CRM = {"customer_id": FieldSource("customer_id", ("acct",)),
       "tenure_months": FieldSource("tenure_months", ("months_with_us",)),
       "churned": FieldSource("churned", ("gone",)),
       "arpu": FieldSource("arpu", ("bill",)),
       "province": FieldSource("province", ("region",))}


@pytest.fixture
def engine(tmp_path):
    return open_store(f"duckdb:///{tmp_path}/t.duckdb")


@pytest.fixture
def analyst():
    with acting_as(User("ana", "analyst")) as user:
        yield user


def headers(text: str) -> list[str]:
    return text.splitlines()[0].split(",")


def test_save_and_apply_to_the_same_columns_in_another_order(engine, analyst):
    saved = save_template(engine, "CRM export", headers(FIRST), CRM)
    assert (saved.name, saved.version, saved.author) == ("CRM export", 1, "ana")
    assert saved.headers == tuple(headers(FIRST))
    assert header_signature(headers(SECOND)) == saved.signature
    found = matching_templates(engine, headers(SECOND))
    assert [tpl.name for tpl in found] == ["CRM export"]
    proposal = apply_template(found[0], headers(SECOND), "second.csv")
    assert proposal.mapping == CRM
    assert {g.confidence for g in proposal.guesses.values()} == {1.0}
    assert proposal.guesses["arpu"].reason_text("en") == "From the saved mapping “CRM export”."
    # other headers: not offered
    assert matching_templates(engine, ["acct", "gone", "bill"]) == []


def test_saving_a_name_again_adds_a_version_and_the_latest_applies(engine, analyst):
    save_template(engine, "CRM export", headers(FIRST), CRM)
    fewer = {k: v for k, v in CRM.items() if k != "province"}
    second = save_template(engine, "CRM export", headers(FIRST), fewer)
    assert second.version == 2 and second.created_at is not None
    assert load_template(engine, "CRM export").mapping == fewer
    assert [(tpl.name, tpl.version) for tpl in latest_templates(engine)] == [("CRM export", 2)]


def test_a_file_missing_a_column_of_the_template_is_refused_naming_it(engine, analyst):
    tpl = save_template(engine, "CRM export", headers(FIRST), CRM)
    with pytest.raises(IngestError) as info:
        apply_template(tpl, ["acct", "gone", "bill"], "short.csv")
    assert info.value.code == "template_columns_missing"
    assert "months_with_us, region" in info.value.message("en")
    assert "months_with_us, region" in info.value.message("zh")


def test_unknown_template_and_bad_names_are_refused(engine, analyst):
    save_template(engine, "CRM export", headers(FIRST), CRM)
    with pytest.raises(IngestError) as info:
        load_template(engine, "BSS")
    assert info.value.code == "template_unknown" and "CRM export" in info.value.message("en")
    for bad in ("", "   ", "x" * 81):
        with pytest.raises(IngestError):
            save_template(engine, bad, headers(FIRST), CRM)


def test_saving_needs_the_import_permission(engine):
    from lib.auth import PermissionDenied

    with acting_as(User("vic", "viewer")), pytest.raises(PermissionDenied):
        save_template(engine, "CRM export", headers(FIRST), CRM)


# --------------------------------------------------------------------------- command line

def test_cli_saves_a_template_and_applies_it_to_the_next_file(tmp_path, capsys):
    url = f"duckdb:///{tmp_path}/cli.duckdb"
    first, second = tmp_path / "crm_oct.csv", tmp_path / "crm_nov.csv"
    first.write_text(FIRST, encoding="utf-8")
    second.write_text(SECOND, encoding="utf-8")
    assert main(["import", str(first), "--snapshot-date", "2026-10-31", "--db", url,
                 "--churn-window-months", "1", "--map", "acct=customer_id",
                 "--map", "months_with_us=tenure_months", "--map", "gone=churned",
                 "--map", "bill=arpu", "--map", "region=province",
                 "--save-template", "CRM export"]) == 0
    assert "saved the mapping as template CRM export (version 1)" in capsys.readouterr().out
    # without the template the second file cannot be mapped ...
    assert main(["validate", str(second), "--snapshot-date", "2026-11-30"]) == 2
    capsys.readouterr()
    # ... with it, every row is read the same way
    assert main(["import", str(second), "--snapshot-date", "2026-11-30", "--db", url,
                 "--churn-window-months", "1", "--template", "CRM export"]) == 0
    assert "rows accepted: 4" in capsys.readouterr().out
    stored = list_snapshots(open_store(url)).sort("snapshot_date")
    assert stored["row_count"].to_list() == [3, 4]


def test_cli_template_missing_columns_names_them(tmp_path, capsys):
    url = f"duckdb:///{tmp_path}/cli.duckdb"
    with acting_as(User("ana", "analyst")):
        save_template(open_store(url), "CRM export", headers(FIRST), CRM)
    short = tmp_path / "short.csv"
    short.write_text("acct,gone,bill\na1,no,3\n", encoding="utf-8")
    assert main(["validate", str(short), "--snapshot-date", "2026-11-30", "--db", url,
                 "--template", "CRM export"]) == 2
    err = capsys.readouterr().err
    assert "lacks the column(s) the mapping “CRM export” uses: months_with_us, region" in err
    assert main(["validate", str(short), "--snapshot-date", "2026-11-30", "--db", url,
                 "--template", "nope"]) == 2
    assert "no saved mapping named “nope”" in capsys.readouterr().err


# --------------------------------------------------------------------------- Data page

@pytest.fixture
def store_url(tmp_path, monkeypatch):
    url = f"duckdb:///{tmp_path}/app.duckdb"
    monkeypatch.setenv("RETENTION_DB_URL", url)
    return url


def field_box(at: AppTest, field: str):
    return next(s for s in at.selectbox if s.label == field)


def test_data_page_saves_a_template_and_offers_it_for_the_next_file(store_url):
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    at.switch_page("views/data.py").run()
    at.file_uploader[0].set_value(("crm_oct.csv", FIRST.encode(), "text/csv")).run()
    assert not at.exception
    # nothing maps by itself: every required box says "not in file"
    assert field_box(at, "customer_id").value == ""
    field_box(at, "customer_id").set_value("acct").run()
    field_box(at, "tenure_months").set_value("months_with_us").run()
    field_box(at, "churned").set_value("gone").run()
    next(m for m in at.multiselect if m.label == "arpu").set_value(["bill"]).run()
    field_box(at, "province").set_value("region").run()
    assert not at.exception
    assert any("e.g. 24, 3, 60 · Chosen by you." in shown(c.value) for c in at.caption)
    # a proposal shows its samples, confidence and reason
    assert any(shown(c.value) == "e.g. north, south · confidence 95.0% — “region” is a known name "
               "of this field." for c in at.caption)
    next(i for i in at.text_input if i.label.startswith("Save this mapping as")).input(
        "CRM export").run()
    next(b for b in at.button if b.label == "Save mapping").click().run()
    assert not at.exception
    assert any("Mapping “CRM export” saved (version 1)" in s.value for s in at.success)

    at.file_uploader[0].set_value(("crm_nov.csv", SECOND.encode(), "text/csv")).run()
    assert not at.exception
    offered = next(s for s in at.selectbox if s.label.startswith("Saved mapping"))
    assert offered.value == "CRM export"
    assert [field_box(at, f).value for f in ("customer_id", "tenure_months", "churned",
                                             "province")] == ["acct", "months_with_us", "gone",
                                                              "region"]
    assert next(m for m in at.multiselect if m.label == "arpu").value == ["bill"]
    assert any("confidence 100.0% — From the saved mapping “CRM export”." in shown(c.value)
               for c in at.caption)
    rows = pl.read_csv(SECOND.encode()).height
    assert next(m.value for m in at.metric if m.label == "Rows accepted") == f"{rows:,}"
