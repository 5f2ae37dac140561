"""Migration v4: call-back plans, plan customers, outcomes and the outcome log on both engines."""
import datetime as dt

import sqlalchemy as sa

from lib import store
from lib.pipeline import migrations
from lib.pipeline.migrations import open_store
from lib.store import (SCHEMA_VERSION, callback_plans, outcome_log, plan_customers, plan_outcomes,
                       read_frame, schema_version)

OPERATIONS_TABLES = ("callback_plans", "plan_customers", "plan_outcomes", "outcome_log")


def _tables(engine):
    return set(sa.inspect(engine).get_table_names())


def test_a_version_3_database_gains_the_operations_tables(db_url):
    engine = open_store(db_url)
    # Turn the new database back into a version 3 one: no operations tables, no v4 stamp.
    with engine.begin() as conn:
        for name in reversed(OPERATIONS_TABLES):
            conn.execute(sa.text(f"DROP TABLE {name}"))
        for sequence in (store.plan_id_seq, store.outcome_log_id_seq):
            sequence.drop(conn, checkfirst=True)
        conn.execute(sa.delete(schema_version))
        conn.execute(sa.insert(schema_version).values(version=3, applied_at=dt.datetime(2026, 1, 1)))
    engine.dispose()
    bare = sa.create_engine(db_url)  # no migration
    assert not set(OPERATIONS_TABLES) & _tables(bare)
    bare.dispose()

    engine = open_store(db_url)
    assert set(OPERATIONS_TABLES) <= _tables(engine)
    versions = read_frame(engine, sa.select(schema_version.c.version).order_by(schema_version.c.version))
    assert versions["version"].to_list() == list(range(3, SCHEMA_VERSION + 1)) and SCHEMA_VERSION >= 4
    # The step is idempotent: running it again on an up-to-date database changes nothing.
    with engine.begin() as conn:
        migrations._add_operations(conn)
    # Sequences give ids on both engines.
    now = dt.datetime(2026, 5, 1, 9, 0)
    with engine.begin() as conn:
        ids = [conn.execute(sa.insert(callback_plans).values(
            name=f"p{i}", channel="phone", snapshot_month=2026 * 12 + 3, holdout_share=0.2, seed=1,
            status="draft", created_at=now).returning(callback_plans.c.plan_id)).scalar_one() for i in range(2)]
        conn.execute(sa.insert(plan_customers).values(plan_id=ids[0], customer_id="c1", arm="treated"))
        conn.execute(sa.insert(plan_outcomes).values(plan_id=ids[0], customer_id="c1", outcome="reached",
                                                     source="app", recorded_at=now))
        log_id = conn.execute(sa.insert(outcome_log).values(
            plan_id=ids[0], customer_id="c1", outcome="reached", source="app", recorded_at=now,
        ).returning(outcome_log.c.log_id)).scalar_one()
    assert ids[1] == ids[0] + 1 and log_id >= 1
    engine.dispose()
