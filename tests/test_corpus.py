"""Every file of the bad-input corpus ends in a clean import, a partial import with a row-level
report, or a refusal naming the problem; never another exception, and a refusal changes
nothing stored. Plus: an import killed mid-write leaves the store intact."""
import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from lib.ingest.importer import import_file
from lib.ingest import IngestError
from lib.rules.versions import current_rules
from lib.pipeline.snapshots import import_history, list_snapshots, write_snapshots
from lib.store import customers, read_frame
from lib.pipeline.migrations import open_store
from tests.corpus import big_csv, cases
from tests.factories import two_snapshots

ROOT = Path(__file__).resolve().parents[1]
NEW_DATE = dt.date(2026, 11, 30)


@pytest.fixture(scope="module")
def seeded_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("corpus") / "seed.duckdb"
    engine = open_store(f"duckdb:///{path}")
    for frame in two_snapshots():
        write_snapshots(engine, frame, rules=current_rules(engine), source_name="hand", churn_window_months=1)
    engine.dispose()
    return path


def state(engine):
    rows = read_frame(engine, sa.select(sa.func.count().label("n")).select_from(customers))["n"][0]
    return rows, list_snapshots(engine)["snapshot_date"].to_list()


def test_the_corpus_is_big_enough():
    assert len(cases()) >= 60


@pytest.mark.parametrize("case", cases(), ids=lambda c: c.name)
def test_each_bad_file_is_handled(case, seeded_file, tmp_path):
    path = tmp_path / "store.duckdb"
    shutil.copy(seeded_file, path)
    engine = open_store(f"duckdb:///{path}")
    before = state(engine)
    try:
        result = import_file(engine, case.data, case.file_name, snapshot_date=NEW_DATE, churn_window_months=1)
    except IngestError as refusal:
        assert case.expect == "refused", f"refused: {refusal.message('en')}"
        assert refusal.message("en") and refusal.message("zh")
        assert state(engine) == before
        return
    finally:
        engine.dispose() if case.expect == "refused" else None
    validation = result.validation
    kind = "clean" if validation.rows_rejected == 0 else "partial"
    assert kind == case.expect, validation.summary()
    assert validation.rows_accepted + validation.rows_rejected == validation.rows_read
    named = set(validation.report.select("row", "code").iter_rows())
    assert set(case.warns) <= named, validation.report
    if kind == "partial":
        errors = validation.report.filter(validation.report["severity"] == "error")
        assert errors.height >= validation.rows_rejected and errors["row"].null_count() == 0
    rows, dates = state(engine)
    assert rows == before[0] + validation.rows_accepted and NEW_DATE in dates
    engine.dispose()


KILL_SCRIPT = """
import datetime, sys, time
from pathlib import Path
from lib.pipeline.migrations import open_store
from lib.ingest.importer import check_file, store_validated
from lib.auth import User, set_actor
set_actor(User("test", "admin"))
engine = open_store(sys.argv[1])
validation = check_file(Path(sys.argv[2]).read_bytes(), "big.csv", snapshot_date=datetime.date(2026, 11, 30))

def progress(share, step):
    if step == "store_step_rules":      # customer rows written, transaction still open
        print("writing", flush=True)
        time.sleep(60)

store_validated(engine, validation, "big.csv", snapshot_date=datetime.date(2026, 11, 30), progress=progress, churn_window_months=1)
print("done", flush=True)
"""


def test_an_import_killed_mid_write_leaves_the_store_intact(seeded_file, tmp_path):
    path = tmp_path / "store.duckdb"
    shutil.copy(seeded_file, path)
    url = f"duckdb:///{path}"
    big = tmp_path / "big.csv"
    big_csv(big, 20_000_000)
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, url, str(big)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    # DuckDB may print its progress bar on the same stdout first: wait for our own line
    for line in proc.stdout:
        if line.strip().endswith("writing"):
            break
    else:
        pytest.fail("the import ended before writing its rows")
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    engine = open_store(url)
    rows, dates = state(engine)
    assert rows == 12 and NEW_DATE not in dates and len(dates) == 2
    assert "imported" not in import_history(engine).filter(
        import_history(engine)["source_name"] == "big.csv")["status"].to_list()
    engine.dispose()


#: Size of the big-file case in MB: the issue's 1 GB, made on the fly. Importing it needs about
#: 16 GB of memory (docs/operations.md, Reliability); with less free the import is refused by name.
BIG_FILE_MB = int(os.environ.get("RETENTION_BIG_FILE_MB", "1024"))


@pytest.mark.slow
def test_a_1_gb_file_imports_or_is_refused_for_memory_and_nothing_changes(seeded_file, tmp_path):
    from lib.ingest.readers import TEXT_IMPORT_MEMORY_FACTOR, available_memory_bytes

    if shutil.disk_usage(tmp_path).free < 6 * BIG_FILE_MB * 2**20:
        pytest.skip(f"less than {6 * BIG_FILE_MB} MB free for a {BIG_FILE_MB} MB file and its database")
    big = tmp_path / "huge.csv"
    rows = big_csv(big, BIG_FILE_MB * 2**20)
    store = tmp_path / "store.duckdb"
    shutil.copy(seeded_file, store)
    engine = open_store(f"duckdb:///{store}")
    before = state(engine)
    fits = (available_memory_bytes() or 0) > big.stat().st_size * TEXT_IMPORT_MEMORY_FACTOR
    if fits:
        result = import_file(engine, big.read_bytes(), "huge.csv", snapshot_date=NEW_DATE, churn_window_months=1)
        assert result.validation.rows_accepted == rows
        assert state(engine) == (before[0] + rows, sorted([*before[1], NEW_DATE], reverse=True))
    else:
        with pytest.raises(IngestError) as refused:
            import_file(engine, big.read_bytes(), "huge.csv", snapshot_date=NEW_DATE, churn_window_months=1)
        assert refused.value.code == "ingest_too_big" and "huge.csv" in refused.value.message("en")
        assert state(engine) == before
    engine.dispose()


def test_a_file_too_big_for_the_free_memory_is_refused_by_name():
    """Hand-worked: 100 MB × 16 = 1.6 GB needed, 1 GB free -> refused, 64 MB would fit."""
    from lib.ingest.readers import check_memory_for_text

    with pytest.raises(IngestError) as refused:
        check_memory_for_text(100 * 2**20, "export.csv", available=2**30)
    assert refused.value.code == "ingest_too_big"
    assert refused.value.message("en").startswith(
        "export.csv is 100 MB: importing it needs about 1.6 GB of memory and this server has 1.0 GB "
        "free (a text file up to about 64 MB fits now).")
    check_memory_for_text(64 * 2**20, "export.csv", available=2**30)      # fits: no refusal
