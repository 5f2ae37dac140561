"""Uplift from the store: the training set recomputed from the stored rows in polars, the
refusals with their numbers, scoring a snapshot, and ``python -m lib uplift``."""
from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import polars as pl
import pytest
import sqlalchemy as sa

from lib.churn.queries import FEATURE_SOURCE_COLUMNS
from lib.churn.train import read_rows
from lib.cli import main
from lib.demo.seed import seed_demo
from lib.demo.world import OFFER_ID
from lib.rules.versions import current_rules
from lib.pipeline.regrade import save_rules
from lib.uplift import queries as q
from lib.uplift.fit import uplift_settings
from lib.uplift.train import score_uplift, train_uplift
from lib.pipeline.migrations import open_store

HORIZON = 3


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    url = f"duckdb:///{tmp_path_factory.mktemp('uplift')}/store.duckdb"
    engine = open_store(url)
    seed_demo(engine, customers=30000, snapshots=12, seed=5)
    with engine.connect() as conn:
        rows = read_rows(conn, sa.text(
            "SELECT customer_id, snapshot_date, snapshot_month, churned, offer_id, treated, "
            + ", ".join(FEATURE_SOURCE_COLUMNS) + " FROM customers"))
    return url, engine, rows


def _expected_training(rows: pl.DataFrame) -> pl.DataFrame:
    """The training set by the module's definition, from the raw rows: contact month M = the
    first snapshot with the campaign fields, features from month M - 1, churned when flagged
    in M … M+2 or missing from one of those snapshots."""
    contact = (rows.filter(pl.col("offer_id") == OFFER_ID, pl.col("treated").is_not_null())
               .group_by("customer_id").agg(M=pl.col("snapshot_month").min()))
    first = rows.join(contact, on="customer_id").filter(pl.col("snapshot_month") == pl.col("M"))
    window = (rows.join(contact, on="customer_id")
              .filter(pl.col("snapshot_month").is_between(pl.col("M"), pl.col("M") + HORIZON - 1))
              .group_by("customer_id").agg(n=pl.len(), churned=pl.col("churned").fill_null(False).any()))
    pre = rows.join(contact, on="customer_id").filter(pl.col("snapshot_month") == pl.col("M") - 1)
    return (first.select("customer_id", treated=pl.col("treated").cast(pl.Int64))
            .join(window, on="customer_id")
            .join(pre.select("customer_id", *FEATURE_SOURCE_COLUMNS), on="customer_id")
            .with_columns(churned_later=((pl.col("churned")) | (pl.col("n") < HORIZON)).cast(pl.Int64))
            .sort("customer_id"))


def test_training_set_matches_a_recomputation_from_the_rows(store):
    _, engine, rows = store
    expected = _expected_training(rows)
    last_month = int(rows["snapshot_month"].max())
    with engine.connect() as conn:
        got = read_rows(conn, q.training_rows(OFFER_ID, last_month, HORIZON)).filter(
            pl.col("has_features") == 1)
    assert got.height == expected.height > 100
    assert got["customer_id"].to_list() == expected["customer_id"].to_list()
    assert got["treated"].cast(pl.Int64).to_list() == expected["treated"].to_list()
    assert got["churned_later"].cast(pl.Int64).to_list() == expected["churned_later"].to_list()
    for name in ("complaints", "spend_m1", "tenure_months", "arrears"):
        assert got[name].to_list() == expected[name].to_list(), name
    assert 0 < got["churned_later"].mean() < 0.5


def test_campaign_counts(store):
    _, engine, rows = store
    contacts = (rows.filter(pl.col("treated").is_not_null()).sort("snapshot_month")
                .group_by("customer_id").agg(pl.col("treated").first(), pl.col("snapshot_date").first()))
    with engine.connect() as conn:
        table = read_rows(conn, q.campaigns(rows["snapshot_date"].max()))
    row = table.row(0, named=True)
    assert table.height == 1 and row["offer_id"] == OFFER_ID
    assert row["customers"] == contacts.height
    assert row["treated"] == contacts["treated"].sum() and row["control"] == (~contacts["treated"]).sum()
    assert row["first_contact"] == contacts["snapshot_date"].min()
    with engine.connect() as conn:   # before the campaign: no campaign at all
        assert read_rows(conn, q.campaigns(rows["snapshot_date"].min())).height == 0


@contextmanager
def minimum_arm(engine, customers: int):
    """The rules with ``min_arm_customers`` set to ``customers`` while the block runs."""
    rules = current_rules(engine)
    save_rules(engine, rules.text.replace("min_arm_customers = 200", f"min_arm_customers = {customers}"),
               note="uplift test minimum")
    try:
        yield current_rules(engine)
    finally:
        save_rules(engine, rules.text, note="restore")


def test_a_campaign_below_the_minimum_is_refused_with_its_numbers(store):
    """The demo's campaign (half the 30,000 base, 50/50) has thousands a side: with the minimum
    raised above the control group it is refused, quoting the counts from the rows."""
    _, engine, rows = store
    expected = _expected_training(rows)
    control = int((expected["treated"] == 0).sum())
    assert control > 200      # the shipped minimum is met
    with minimum_arm(engine, control + 1) as rules, engine.connect() as conn:
        result = train_uplift(conn, OFFER_ID, rows["snapshot_date"].max(), rules)
    assert not result.accepted and result.refusal.code == "uplift_refused_few_customers"
    assert result.refusal.params == {"treated": expected.height - control, "control": control,
                                     "minimum": control + 1}
    assert result.fit.customers == expected.height


def test_the_demo_campaign_is_accepted_under_the_shipped_rules(store):
    _, engine, rows = store
    with engine.connect() as conn:
        result = train_uplift(conn, OFFER_ID, rows["snapshot_date"].max(), current_rules(engine))
    assert result.accepted, result.refusal
    assert result.fit.evaluation.model.qini > 0 and result.fit.evaluation.p_value <= 0.05


def test_too_early_a_date_has_no_labelled_customers(store):
    _, engine, rows = store
    dates = sorted(rows["snapshot_date"].unique().to_list())
    campaign = read_rows(engine.connect(), q.campaigns(dates[-1]))["first_contact"][0]
    with engine.connect() as conn:
        result = train_uplift(conn, OFFER_ID, campaign, current_rules(engine))
    assert result.refusal.code == "uplift_refused_unlabelled"
    assert result.refusal.params["contacts"] == result.contacts == result.refusal.params["unlabelled"]


def test_cli_refusals_are_one_line_with_exit_2(store, tmp_path, capsys):
    url, engine, rows = store
    out = tmp_path / "uplift.csv"
    with minimum_arm(engine, 1_000_000):
        assert main(["uplift", "--offer", OFFER_ID, "--db", url, "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "control" in err and not out.exists()
    assert main(["uplift", "--offer", "NO_SUCH_OFFER", "--db", url, "--out", str(out)]) == 2
    assert "NO_SUCH_OFFER" in capsys.readouterr().err
    assert main(["uplift", "--offer", OFFER_ID, "--snapshot", "2001-01-31", "--db", url,
                 "--out", str(out)]) == 2
    assert "2001-01-31" in capsys.readouterr().err


def test_cli_writes_one_row_per_active_customer(store, tmp_path, capsys):
    """With the minimums lowered to the campaign's size (a rules change an analyst can make),
    the model is trained and every active customer of the snapshot gets a row."""
    url, engine, rows = store
    rules = current_rules(engine)
    text = (rules.text.replace("min_arm_customers = 200", "min_arm_customers = 10")
            .replace("min_arm_churners = 20", "min_arm_churners = 5")
            .replace("max_p_value = 0.05", "max_p_value = 0.5"))
    save_rules(engine, text, note="uplift test")
    try:
        out = tmp_path / "uplift.csv"
        code = main(["uplift", "--offer", OFFER_ID, "--db", url, "--out", str(out)])
        captured = capsys.readouterr()
        assert code == 0, captured.err
        scored = pl.read_csv(out)
        last = rows.filter(pl.col("snapshot_date") == rows["snapshot_date"].max(),
                           ~pl.col("churned").fill_null(False))
        assert scored.columns == ["customer_id", "churn_probability", "uplift"]
        assert scored.height == last.height and scored["customer_id"].n_unique() == last.height
        assert sorted(scored["customer_id"].to_list()) == sorted(last["customer_id"].to_list())
        assert scored["uplift"].is_between(-1, 1).all() and scored["uplift"].n_unique() > 10
        assert scored["churn_probability"].null_count() == scored.height    # no churn scores stored
    finally:
        save_rules(engine, rules.text, note="restore")


def test_a_call_list_gets_uplift_ranks_and_loses_its_sleeping_dogs(store):
    """The call list's customers scored by a model fitted on the campaign: each uplift is the
    model's prediction from that customer's own row of the snapshot (read here with polars)."""
    from lib.churn.actions import CallList
    from lib.churn.model import feature_frame
    from lib.uplift.model import TwoModelUplift
    from lib.uplift.targeting import rank_by_uplift, with_uplift

    _, engine, rows = store
    training = _expected_training(rows)
    model = TwoModelUplift(min_samples_leaf=20, random_state=0).fit(
        feature_frame(training), training["churned_later"].to_numpy(), training["treated"].to_numpy())
    latest = rows["snapshot_date"].max()
    chosen = rows.filter(pl.col("snapshot_date") == latest).sort("customer_id").head(400)
    calls = CallList(latest, chosen.select("customer_id", "tier").reverse(), 500)
    with engine.connect() as conn:
        scored = with_uplift(conn, calls, model)
    expected = dict(zip(chosen["customer_id"], model.predict_uplift(feature_frame(chosen))))
    assert scored.rows["customer_id"].to_list() == calls.rows["customer_id"].to_list()   # order kept
    assert scored.rows["uplift"].to_list() == pytest.approx([expected[i] for i in scored.rows["customer_id"]])
    ranked = rank_by_uplift(scored, exclude_sleeping_dogs=True)
    dogs = sum(value < 0 for value in expected.values())
    assert 0 < dogs < 400 and ranked.rows.height == 400 - dogs
    assert ranked.rows["uplift"].to_list() == sorted(ranked.rows["uplift"].to_list(), reverse=True)
    assert rank_by_uplift(scored, exclude_sleeping_dogs=False).rows.height == 400
