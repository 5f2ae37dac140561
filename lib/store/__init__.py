"""The store, the ground floor of the house: tables, engine, reading query results.

Nothing here imports the domain code above it (tests/test_layering.py holds that): the tables
are in ``lib.store.tables``, the engine and the writers' turn-taking in ``lib.store.engine``,
the stored columns' types in ``lib.store.schema``, the sidebar's filters in
``lib.store.filters`` and the read-only Spark SQL dialect in ``lib.store.spark``. A store is
opened, and its schema brought up to date, by ``lib.pipeline.migrations.open_store``.
The same tables and queries run on PostgreSQL and, read-only, on Spark SQL.
"""
from lib.store.engine import (DB_URL_ENV, DEFAULT_DB_PATH, DEFAULT_WRITER_WAIT_SECONDS,
                              WRITER_LOCK_KEY, WRITER_WAIT_ENV, DuckDBFile, OnWait, StoreError,
                              Waiting, database_url, default_wait_seconds, make_engine, now,
                              read_frame, waiting_of, writer_busy, writing)
from lib.store.tables import (SCHEMA_VERSION, campaign_contacts, callback_plans, churn_models,
                              churn_scores, current_schema_version, customer_attributes,
                              customer_cube, customer_segments, customers, export_id_seq,
                              export_log, import_id_seq, import_log, lifetime_cube,
                              mapping_templates, metadata, alert_log, alert_log_id_seq,
                              delivery_log, delivery_log_id_seq, offer_catalogues, offer_scenarios, outcome_log, outcome_log_id_seq,
                              plan_customers, plan_id_seq, plan_outcomes, rules_versions,
                              schema_version, score_cube, snapshots)

__all__ = [
    "DB_URL_ENV", "DEFAULT_DB_PATH", "DEFAULT_WRITER_WAIT_SECONDS", "WRITER_LOCK_KEY",
    "WRITER_WAIT_ENV", "DuckDBFile", "OnWait", "StoreError", "Waiting", "database_url",
    "default_wait_seconds", "make_engine", "now", "read_frame", "waiting_of", "writer_busy",
    "writing",
    "SCHEMA_VERSION", "campaign_contacts", "callback_plans", "churn_models", "churn_scores",
    "current_schema_version", "customer_attributes", "customer_cube", "customer_segments",
    "customers", "export_id_seq", "export_log", "import_id_seq", "import_log", "lifetime_cube",
    "mapping_templates", "alert_log", "alert_log_id_seq", "delivery_log", "delivery_log_id_seq",
    "metadata", "offer_catalogues", "offer_scenarios", "outcome_log", "outcome_log_id_seq",
    "plan_customers", "plan_id_seq", "plan_outcomes", "rules_versions", "schema_version",
    "score_cube", "snapshots",
]
