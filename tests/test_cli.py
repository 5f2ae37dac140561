"""``python -m lib``: same path as the Data page, exit 0 when it imported, 2 with a reason."""
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from lib.cli import main
from lib.pipeline.snapshots import import_history, list_snapshots
from lib.pipeline.migrations import open_store

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def url(tmp_path):
    return f"duckdb:///{tmp_path}/cli.duckdb"


def data_rows(path: Path) -> int:
    """Rows of a CSV file under its header, counted with polars alone."""
    return pl.read_csv(path).height


def test_import_of_the_telco_file(url, capsys, telco_file):
    rows = data_rows(telco_file)
    code = main(["import", str(telco_file), "--snapshot-date", "2026-10-31", "--db", url,
                 "--churn-window-months", "3"])
    out = capsys.readouterr().out
    assert code == 0
    assert f"rows read: {rows}" in out and f"rows accepted: {rows}" in out
    listed = list_snapshots(open_store(url)).row(0, named=True)
    assert (str(listed["snapshot_date"]), listed["row_count"], listed["churn_window_months"]) == ("2026-10-31", rows, 3)


def test_map_option_corrects_the_auto_mapping(url, capsys, tmp_path):
    path = tmp_path / "tiny.csv"
    path.write_text("id,years,gone,bill\na,1,no,10\nb,2,yes,20\n", encoding="utf-8")
    code = main(["import", str(path), "--snapshot-date", "2026-10-31", "--db", url,
                 "--map", "id=customer_id", "--map", "years=tenure_months@years",
                 "--map", "gone=churned", "--map", "bill=arpu", "--churn-window-months", "1"])
    assert code == 0, capsys.readouterr().err
    assert list_snapshots(open_store(url))["row_count"].to_list() == [2]


def test_a_second_import_of_the_same_date_is_refused_with_one_line(url, capsys, telco_file):
    args = ["import", str(telco_file), "--snapshot-date", "2026-10-31", "--db", url, "--churn-window-months", "1"]
    assert main(args) == 0
    capsys.readouterr()
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert "already stored" in err and "\n" not in err
    assert list_snapshots(open_store(url))["row_count"].to_list() == [data_rows(telco_file)]
    assert main(args + ["--replace"]) == 0


def test_a_file_with_no_usable_column_is_refused(url, capsys, tmp_path):
    path = tmp_path / "junk.csv"
    path.write_text("colour,size\nred,1\n", encoding="utf-8")
    assert main(["import", str(path), "--snapshot-date", "2026-10-31", "--db", url,
                 "--churn-window-months", "1"]) == 2
    err = capsys.readouterr().err
    assert "tenure_months" in err and "required data not found" in err
    assert list_snapshots(open_store(url)).height == 0


TINY = "id,years,gone,bill\na,1,no,10\nb,2,yes,20\nc,3,no,30\n"
TINY_MAP = ["--map", "id=customer_id", "--map", "years=tenure_months@years", "--map", "gone=churned",
            "--map", "bill=arpu"]


def test_an_import_without_a_churn_window_is_refused(url, capsys, tmp_path):
    path = tmp_path / "tiny.csv"
    path.write_text(TINY, encoding="utf-8")
    assert main(["import", str(path), "--snapshot-date", "2026-10-31", "--db", url, *TINY_MAP]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    assert "--churn-window-months" in err and "--churn-window-unknown" in err
    assert list_snapshots(open_store(url)).height == 0


def test_an_unknown_churn_window_is_stored_as_unknown(url, capsys, tmp_path):
    path = tmp_path / "tiny.csv"
    path.write_text(TINY, encoding="utf-8")
    assert main(["import", str(path), "--snapshot-date", "2026-10-31", "--db", url, *TINY_MAP,
                 "--churn-window-unknown"]) == 0, capsys.readouterr().err
    listed = list_snapshots(open_store(url)).row(0, named=True)
    assert (listed["row_count"], listed["churn_window_months"]) == (3, None)


def test_a_window_and_unknown_together_are_refused(url, tmp_path):
    path = tmp_path / "tiny.csv"
    path.write_text(TINY, encoding="utf-8")
    with pytest.raises(SystemExit) as stopped:  # argparse's usage error: exit 2
        main(["import", str(path), "--snapshot-date", "2026-10-31", "--db", url, *TINY_MAP,
              "--churn-window-months", "3", "--churn-window-unknown"])
    assert stopped.value.code == 2


def test_missing_file_is_a_clear_refusal(url, capsys, tmp_path):
    assert main(["validate", str(tmp_path / "nope.csv")]) == 2
    assert "Cannot read" in capsys.readouterr().err


def test_validate_stores_nothing_and_writes_the_report(url, capsys, tmp_path, telco_file):
    report = tmp_path / "report.csv"
    assert main(["validate", str(telco_file), "--snapshot-date", "2026-10-31", "--report", str(report)]) == 0
    assert report.read_bytes().startswith(b"\xef\xbb\xbf")
    assert f"rows accepted: {data_rows(telco_file)}" in capsys.readouterr().out


def test_demo_if_empty_seeds_once(url, capsys):
    assert main(["demo", "--customers", "500", "--snapshots", "3", "--db", url]) == 0
    assert len(list_snapshots(open_store(url))) == 3
    assert main(["demo", "--if-empty", "--db", url]) == 0
    assert "already holds" in capsys.readouterr().out
    assert import_history(open_store(url)).height == 3


def test_help_documents_the_contract():
    result = subprocess.run([sys.executable, "-m", "lib", "import", "--help"], cwd=ROOT,
                            capture_output=True, text=True, check=True)
    for field in ("customer_id", "tenure_months", "spend_m1", "churned", "province"):
        assert field in result.stdout
