"""The store's tables: one ``MetaData`` for DuckDB, PostgreSQL and (read-only) Spark SQL.

A new database is created from these definitions and stamped ``SCHEMA_VERSION``; a database made
by an earlier version is brought here by ``lib.pipeline.migrations`` (its steps rebuild cubes by
the rules, which is domain code above the store).
"""
from __future__ import annotations

import polars as pl
import sqlalchemy as sa

from lib.store.schema import stored_dtypes

_POLARS_TO_SQL: dict[type[pl.DataType], sa.types.TypeEngine] = {
    pl.String: sa.String(),
    pl.Date: sa.Date(),
    pl.Int64: sa.BigInteger(),
    pl.Int32: sa.Integer(),
    pl.Int16: sa.SmallInteger(),
    # Double, not Float: Float compiles to single precision on DuckDB (docs/architecture.md, "Stack facts").
    pl.Float64: sa.Double(),
    pl.Boolean: sa.Boolean(),
}

metadata = sa.MetaData()

customers = sa.Table(
    "customers",
    metadata,
    *(sa.Column(name, _POLARS_TO_SQL[type(dtype)]) for name, dtype in stored_dtypes().items()),
)

#: Source columns outside the contract, kept per customer as name/value pairs so any of them
#: can be offered as a segment dimension.
customer_attributes = sa.Table(
    "customer_attributes",
    metadata,
    sa.Column("snapshot_date", sa.Date, nullable=False),
    sa.Column("customer_id", sa.String, nullable=False),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("value", sa.String),
)

#: The Overview's cube: customers and latest-month revenue per snapshot, province, tier, churn
#: flags and spend band. Rebuilt with tiers whenever a snapshot is stored or the rules change,
#: so KPI trends over many snapshots read thousands of rows instead of millions.
customer_cube = sa.Table(
    "customer_cube",
    metadata,
    sa.Column("snapshot_date", sa.Date, nullable=False),
    sa.Column("province", sa.String),
    sa.Column("tier", sa.SmallInteger, nullable=False),
    sa.Column("churned", sa.Boolean, nullable=False),
    sa.Column("counted", sa.Boolean, nullable=False),
    sa.Column("gross_add", sa.Boolean, nullable=False),
    sa.Column("spend_band", sa.SmallInteger, nullable=False),
    sa.Column("customers", sa.BigInteger, nullable=False),
    sa.Column("revenue", sa.Double, nullable=False),
)

#: Lifetimes as the Lifecycle and Offers pages fit them (``queries.lifecycle.lifetimes``), counted
#: per province and tier for every stored snapshot date under the rules' churn definition
#: (``definition`` is ``ChurnDefinition.key``). A snapshot's lifetimes read every snapshot up to it,
#: so storing or deleting a snapshot rebuilds its date and every later one (``lib.pipeline.cubes``);
#: an sBG fit per filter set then reads thousands of rows instead of scanning the base.
lifetime_cube = sa.Table(
    "lifetime_cube",
    metadata,
    sa.Column("snapshot_date", sa.Date, nullable=False),
    sa.Column("definition", sa.String, nullable=False),
    sa.Column("province", sa.String),
    sa.Column("tier", sa.SmallInteger, nullable=False),
    sa.Column("duration_months", sa.Integer, nullable=False),
    sa.Column("event", sa.SmallInteger, nullable=False),
    sa.Column("entry_months", sa.Integer, nullable=False),
    sa.Column("active", sa.SmallInteger, nullable=False),
    sa.Column("customers", sa.BigInteger, nullable=False),
)

#: The newest scores of each snapshot summed per tier, province and risk decile over its active
#: customers: customers, summed churn probability (share 0-1 per customer) and summed
#: latest-month spend (currency). Offers ROI's targets are read from it instead of joining
#: every score to its customer row; rebuilt when a snapshot is scored or its tiers change.
score_cube = sa.Table(
    "score_cube",
    metadata,
    sa.Column("snapshot_date", sa.Date, nullable=False),
    sa.Column("model_id", sa.Integer, nullable=False),
    sa.Column("tier", sa.SmallInteger, nullable=False),
    sa.Column("province", sa.String),
    sa.Column("risk_decile", sa.SmallInteger, nullable=False),
    sa.Column("customers", sa.BigInteger, nullable=False),
    sa.Column("churn_probability", sa.Double, nullable=False),
    sa.Column("spend", sa.Double, nullable=False),
)

#: Past-campaign contacts, one row per customer and offer: the first stored snapshot carrying the
#: campaign fields (``contact_date``) with that row's province, tier, group and take-up, and the
#: first later snapshot that shows the customer churned (``churn_date``, NULL if none). Offers ROI
#: calibrates on them as of any snapshot date without scanning every stored row; rebuilt whenever
#: snapshots are stored or deleted or the rules change.
campaign_contacts = sa.Table(
    "campaign_contacts",
    metadata,
    sa.Column("customer_id", sa.String, nullable=False),
    sa.Column("offer_id", sa.String, nullable=False),
    sa.Column("contact_date", sa.Date, nullable=False),
    sa.Column("province", sa.String),
    sa.Column("tier", sa.SmallInteger),
    sa.Column("treated", sa.Boolean),
    sa.Column("accepted", sa.Boolean),
    sa.Column("churn_date", sa.Date),
)

#: Per-customer segment labels written back by the Segments page's models (RFM scores 1–5 and
#: behavioural cluster), one row per customer per snapshot.
customer_segments = sa.Table(
    "customer_segments",
    metadata,
    sa.Column("snapshot_date", sa.Date, nullable=False),
    sa.Column("customer_id", sa.String, nullable=False),
    sa.Column("rfm_recency", sa.SmallInteger),
    sa.Column("rfm_frequency", sa.SmallInteger),
    sa.Column("rfm_monetary", sa.SmallInteger),
    sa.Column("rfm_segment", sa.String),
    sa.Column("cluster", sa.SmallInteger),
)

#: Fitted churn-risk models: what they were trained on and how they scored. ``card`` is the
#: model card as JSON (lib.churn.model.ModelCard); ``model`` the fitted estimator, pickled by
#: lib.churn.scores (written and read by this application only).
churn_models = sa.Table(
    "churn_models",
    metadata,
    sa.Column("model_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("snapshot_date", sa.Date, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("horizon_months", sa.Integer, nullable=False),
    sa.Column("rules_version", sa.Integer, nullable=False),
    sa.Column("card", sa.Text, nullable=False),
    sa.Column("model", sa.LargeBinary, nullable=False),
)

#: Churn probability of every active customer of a snapshot, from one model.
churn_scores = sa.Table(
    "churn_scores",
    metadata,
    sa.Column("snapshot_date", sa.Date, nullable=False),
    sa.Column("customer_id", sa.String, nullable=False),
    sa.Column("model_id", sa.Integer, nullable=False),
    sa.Column("churn_probability", sa.Double, nullable=False),
    sa.Column("risk_decile", sa.SmallInteger, nullable=False),
    sa.Column("reasons", sa.String),
)

export_id_seq = sa.Sequence("export_log_id_seq", metadata=metadata)

#: Every download of a call list: who, when, what and how many rows (privacy audit).
export_log = sa.Table(
    "export_log",
    metadata,
    sa.Column("export_id", sa.Integer, export_id_seq, primary_key=True,
              server_default=export_id_seq.next_value()),
    sa.Column("exported_at", sa.DateTime, nullable=False),
    sa.Column("user_name", sa.String),
    sa.Column("view", sa.String, nullable=False),
    sa.Column("snapshot_date", sa.Date),
    sa.Column("file_format", sa.String, nullable=False),
    sa.Column("row_count", sa.BigInteger, nullable=False),
    sa.Column("identifiers_masked", sa.Boolean, nullable=False),
)

#: Versions of the offer catalogue (TOML text, like the rules); the newest is in force.
offer_catalogues = sa.Table(
    "offer_catalogues",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("author", sa.String),
    sa.Column("note", sa.String),
    sa.Column("body", sa.Text, nullable=False),
)

#: Saved Offers ROI scenarios: a name and the inputs as JSON.
offer_scenarios = sa.Table(
    "offer_scenarios",
    metadata,
    sa.Column("name", sa.String, primary_key=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("author", sa.String),
    sa.Column("body", sa.Text, nullable=False),
)

plan_id_seq = sa.Sequence("callback_plans_id_seq", metadata=metadata)

#: Call-back plans (回访计划): purpose, channel, time window, offers and the hold-out design
#: (lib.operations.plans). ``snapshot_month`` is the month index (year*12+month-1) of the snapshot the
#: list was drawn from; ``offer_ids`` comma-separated catalogue offer ids; ``selection`` JSON of
#: how the list was chosen; ``target_effect`` the absolute churn reduction (share 0-1) the
#: power calculation was sized for; status draft | active | closed.
callback_plans = sa.Table(
    "callback_plans",
    metadata,
    sa.Column("plan_id", sa.Integer, plan_id_seq, primary_key=True,
              server_default=plan_id_seq.next_value()),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("purpose", sa.String),
    sa.Column("channel", sa.String, nullable=False),
    sa.Column("snapshot_month", sa.Integer, nullable=False),
    sa.Column("window_start", sa.Date),
    sa.Column("window_end", sa.Date),
    sa.Column("offer_ids", sa.String),
    sa.Column("selection", sa.String),
    sa.Column("target_effect", sa.Double),
    sa.Column("holdout_share", sa.Double, nullable=False),
    sa.Column("seed", sa.Integer, nullable=False),
    sa.Column("status", sa.String, nullable=False),
    sa.Column("created_by", sa.String),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

#: The customers of a plan: arm treated | holdout; manager and offer are null for the hold-out.
plan_customers = sa.Table(
    "plan_customers",
    metadata,
    sa.Column("plan_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("customer_id", sa.String, primary_key=True),
    sa.Column("arm", sa.String, nullable=False),
    sa.Column("tier", sa.Integer),
    sa.Column("stage", sa.String),
    sa.Column("province", sa.String),
    sa.Column("manager", sa.String),
    sa.Column("offer_id", sa.String),
)

#: The latest recorded contact outcome per plan customer
#: (reached | not_reached | refused | accepted | complaint); history in ``outcome_log``.
plan_outcomes = sa.Table(
    "plan_outcomes",
    metadata,
    sa.Column("plan_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("customer_id", sa.String, primary_key=True),
    sa.Column("outcome", sa.String, nullable=False),
    sa.Column("outcome_date", sa.Date),
    sa.Column("manager", sa.String),
    sa.Column("offer_id", sa.String),
    sa.Column("source", sa.String, nullable=False),
    sa.Column("recorded_by", sa.String),
    sa.Column("recorded_at", sa.DateTime, nullable=False),
)

outcome_log_id_seq = sa.Sequence("outcome_log_id_seq", metadata=metadata)

#: Every outcome ever recorded (append only: nothing stored is lost).
outcome_log = sa.Table(
    "outcome_log",
    metadata,
    sa.Column("log_id", sa.Integer, outcome_log_id_seq, primary_key=True,
              server_default=outcome_log_id_seq.next_value()),
    sa.Column("plan_id", sa.Integer, nullable=False),
    sa.Column("customer_id", sa.String, nullable=False),
    sa.Column("outcome", sa.String, nullable=False),
    sa.Column("outcome_date", sa.Date),
    sa.Column("manager", sa.String),
    sa.Column("offer_id", sa.String),
    sa.Column("source", sa.String, nullable=False),
    sa.Column("recorded_by", sa.String),
    sa.Column("recorded_at", sa.DateTime, nullable=False),
)

snapshots = sa.Table(
    "snapshots",
    metadata,
    sa.Column("snapshot_date", sa.Date, primary_key=True),
    sa.Column("snapshot_month", sa.Integer, nullable=False),
    sa.Column("row_count", sa.BigInteger, nullable=False),
    # months the file's churn flag covers; NULL when the importer said it does not know
    sa.Column("churn_window_months", sa.Integer),
    sa.Column("rules_version", sa.Integer, nullable=False),
    sa.Column("import_id", sa.Integer, nullable=False),
    sa.Column("source_name", sa.String, nullable=False),
    sa.Column("imported_at", sa.DateTime, nullable=False),
)

import_id_seq = sa.Sequence("import_log_id_seq", metadata=metadata)

import_log = sa.Table(
    "import_log",
    metadata,
    sa.Column("import_id", sa.Integer, import_id_seq, primary_key=True,
              server_default=import_id_seq.next_value()),
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("finished_at", sa.DateTime),
    sa.Column("source_name", sa.String, nullable=False),
    sa.Column("snapshot_dates", sa.String),
    sa.Column("rows_read", sa.BigInteger),
    sa.Column("rows_accepted", sa.BigInteger),
    sa.Column("rows_rejected", sa.BigInteger),
    sa.Column("status", sa.String, nullable=False),
    sa.Column("message", sa.String),
    sa.Column("user_name", sa.String),
)

rules_versions = sa.Table(
    "rules_versions",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("author", sa.String),
    sa.Column("note", sa.String),
    sa.Column("body", sa.Text, nullable=False),
)

alert_log_id_seq = sa.Sequence("alert_log_id_seq", metadata=metadata)

#: Every evaluation of the alert rules (``lib.monthly.alerts``): when, on which snapshot (and the
#: import that stored it) and rules version, for which scope ("" = the whole base), why
#: (import | command), how many breaches and the breaches as JSON.
alert_log = sa.Table(
    "alert_log",
    metadata,
    sa.Column("log_id", sa.Integer, alert_log_id_seq, primary_key=True,
              server_default=alert_log_id_seq.next_value()),
    sa.Column("evaluated_at", sa.DateTime, nullable=False),
    sa.Column("snapshot_date", sa.Date, nullable=False),
    sa.Column("rules_version", sa.Integer, nullable=False),
    sa.Column("import_id", sa.Integer),
    sa.Column("scope", sa.String, nullable=False),
    sa.Column("trigger", sa.String, nullable=False),
    sa.Column("breaches", sa.Integer, nullable=False),
    sa.Column("detail", sa.Text),
)

delivery_log_id_seq = sa.Sequence("delivery_log_id_seq", metadata=metadata)

#: Every report sent (or not) to a subscription (``lib.monthly.delivery``): when, to whom, as
#: which account, which snapshot, "ok" | "skipped" | "error" and the error's text (never a
#: credential).
delivery_log = sa.Table(
    "delivery_log",
    metadata,
    sa.Column("log_id", sa.Integer, delivery_log_id_seq, primary_key=True,
              server_default=delivery_log_id_seq.next_value()),
    sa.Column("sent_at", sa.DateTime, nullable=False),
    sa.Column("recipient", sa.String, nullable=False),
    sa.Column("user_name", sa.String, nullable=False),
    sa.Column("lang", sa.String, nullable=False),
    sa.Column("snapshot_date", sa.Date),
    sa.Column("status", sa.String, nullable=False),
    sa.Column("error", sa.String),
)

#: Saved column mappings ("templates") per source, versioned: each save of a name adds a
#: version. ``headers`` is the JSON list of the file's headers it was made on, ``signature``
#: their order-free fingerprint (``lib.ingest.templates.header_signature``), ``body`` the JSON
#: mapping {field: {"columns": [...], "unit": ...}}.
mapping_templates = sa.Table(
    "mapping_templates",
    metadata,
    sa.Column("name", sa.String, primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("author", sa.String),
    sa.Column("signature", sa.String, nullable=False),
    sa.Column("headers", sa.Text, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
)

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("applied_at", sa.DateTime, nullable=False),
)


#: Version of the schema the tables above describe. A change to them is a new version, with its
#: step appended to ``lib.pipeline.migrations.MIGRATIONS`` (which refuses to load when its last
#: step is not this one).
SCHEMA_VERSION = 9


def current_schema_version(conn: sa.Connection) -> int:
    """Schema version of the connected database (0 when it is empty)."""
    schema_version.create(conn, checkfirst=True)
    found = conn.execute(sa.select(sa.func.max(schema_version.c.version))).scalar()
    return int(found or 0)
