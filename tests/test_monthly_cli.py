"""The monthly batch commands (issue 19): ``score``, ``call-list`` and ``report`` run the pages'
code paths, exit 0 when done and 2 with a one-line reason, and the report's figures are the
figures the pages show.

Expected values: recounts of the stored rows with polars (customers scored), the hand-worked
base of tests/test_alerts.py (KPIs and tiers), and the Overview page's own metrics through
AppTest (the report's figures must be the page's).
"""
from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from lib.auth import User, acting_as, save_account
from lib.cli import main
from lib.common import fmt
from lib.store import churn_models, churn_scores, customers, read_frame
from lib.pipeline.migrations import open_store
from tests.factories import churn_base

ROOT = Path(__file__).resolve().parents[1]


def _count(url: str, statement) -> pl.DataFrame:
    engine = open_store(url)
    frame = read_frame(engine, statement)
    engine.dispose()
    return frame


@pytest.mark.slow
def test_score_trains_when_no_model_is_in_force_then_reuses_it(tmp_path, capsys, monkeypatch):
    url = churn_base(f"duckdb:///{tmp_path}/store.duckdb")
    assert main(["score", "--db", url]) == 0
    out = capsys.readouterr()
    assert "training one" in out.out and "Validation: ROC AUC" in out.out and "scoring 100%" in out.err
    rows = _count(url, sa.select(customers.c.snapshot_date, customers.c.churned))
    latest = rows["snapshot_date"].max()
    active = rows.filter((pl.col("snapshot_date") == latest) & (pl.col("churned") != True)).height  # noqa: E712
    scores = _count(url, sa.select(churn_scores.c.customer_id, churn_scores.c.model_id)
                    .where(churn_scores.c.snapshot_date == latest))
    assert scores.height == active and scores["model_id"].unique().to_list() == [1]
    assert f"Scored {active:,} customers" in out.out
    assert main(["score", "--db", url]) == 0                    # the model in force, no training
    assert "training" not in capsys.readouterr().out.lower()
    assert _count(url, sa.select(churn_models.c.model_id))["model_id"].to_list() == [1]
    assert main(["score", "--db", url, "--retrain"]) == 0
    assert _count(url, sa.select(churn_models.c.model_id))["model_id"].to_list() == [1, 2]
    assert main(["score", "--db", url, "--snapshot", "1999-01-31"]) == 2
    assert "No snapshot 1999-01-31" in capsys.readouterr().err

    # the call list: written, every scored high-risk customer in it; refused to a viewer
    out_file = tmp_path / "calls.xlsx"
    assert main(["call-list", "--db", url, "--bands", "high", "--out", str(out_file)]) == 0
    listed = pl.read_excel(out_file)
    assert listed.height > 0 and listed["Risk"].unique().to_list() == ["High"]
    users = tmp_path / "users.toml"
    with acting_as(User("root", "admin")):
        save_account("vera", "viewer", "viewer pass", users)
    monkeypatch.setenv("RETENTION_USERS_FILE", str(users))
    assert main(["call-list", "--db", url, "--user", "vera", "--out", str(tmp_path / "v.csv")]) == 2
    assert "may not do this (export)" in capsys.readouterr().err
    assert main(["call-list", "--db", url, "--out", str(tmp_path / "calls.txt")]) == 2
    assert main(["call-list", "--db", url, "--bands", "hot", "--out", str(tmp_path / "c.csv")]) == 2


def test_report_figures_are_the_overview_page_s(tmp_path, monkeypatch):
    from tests.test_alerts import _rules_text, _s1, _s2_rows
    from tests.factories import S2, snapshot
    from lib.pipeline.snapshots import write_snapshots
    from lib.rules.versions import current_rules
    from lib.pipeline.regrade import save_rules

    url = f"duckdb:///{tmp_path}/store.duckdb"
    engine = open_store(url)
    save_rules(engine, _rules_text(engine))
    rules = current_rules(engine)
    write_snapshots(engine, _s1(), rules=rules, source_name="hand", churn_window_months=1)
    write_snapshots(engine, snapshot(S2, _s2_rows()), rules=rules, source_name="hand", churn_window_months=1)
    engine.dispose()
    for lang in ("en", "zh"):
        assert main(["report", "--db", url, "--lang", lang, "--out", str(tmp_path / lang)]) == 0
    figures = json.loads((tmp_path / "en" / "figures.json").read_text(encoding="utf-8"))
    page = (tmp_path / "zh" / "overview_report_zh_2026-10-31.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "客户保有" in page and "<script" in page
    assert {"overview", "segments", "lifecycle", "churn", "offers", "alerts"} <= set(figures)
    kpis = {k["kpi"]: k for k in figures["overview"]["kpis"]}
    # by hand (tests/test_alerts.py): 6 active, churn 1/7 against a 2.5 % ceiling: missed
    assert kpis["kpi_active"]["value"] == 6
    assert kpis["kpi_monthly_churn"]["value"] == pytest.approx(1 / 7)
    assert kpis["kpi_monthly_churn"]["status"] == "missed" and kpis["kpi_monthly_churn"]["target"] == 0.025
    assert {(t["tier"], t["active"]) for t in figures["segments"]["tiers"]} >= {(3, 3), (2, 1), (1, 2)}
    assert len(figures["alerts"]) == 5
    # and the Overview page shows the same figures
    monkeypatch.setenv("RETENTION_DB_URL", url)
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    shown = {m.label.lstrip("⚠ "): m.value for m in at.metric}
    for key, label in (("kpi_active", "Active customers"), ("kpi_monthly_churn", "Monthly churn rate"),
                       ("kpi_arpu", "ARPU")):
        assert shown[label] == fmt.number(kpis[key]["value"], kpis[key]["unit"], "en", rules.currency)
    assert figures["currency"] == rules.currency.code


@pytest.mark.slow
def test_score_refuses_with_a_reason_when_the_model_is_refused(tmp_path, capsys):
    """min_train_churners above the base's churners: training refuses the model, as the page
    does; the command exits 2 with the page's reason and scores nothing."""
    url = churn_base(f"duckdb:///{tmp_path}/store.duckdb", **{"churn_model.min_train_churners": 1_000_000})
    assert main(["score", "--db", url]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is not presented" in err[0] and "too few churners" in err[0]
    assert _count(url, sa.select(churn_scores.c.customer_id)).height == 0
