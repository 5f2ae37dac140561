"""Reading objects this application pickled, also from before a module moved.

The store keeps fitted churn models as pickles (``churn_models.model``, written and read by
this application only). A pickle names each class by module path, so a model stored before the
layout moved into domain packages (commit f0f0eb6) names ``lib.churn.ChurnModel`` where the
class is now ``lib.churn.model.ChurnModel``. :func:`loads` maps such old paths of lib's own
modules to their new ones; every other class (scikit-learn's, numpy's) is looked up as usual.
"""
from __future__ import annotations

import importlib
import io
import pickle

#: Modules of lib before the layout move -> where they are now (from the move's renames).
MOVED_MODULES: dict[str, str] = {
    "lib.charts": "lib.overview.charts",
    "lib.charts_churn": "lib.churn.charts",
    "lib.charts_lifecycle": "lib.lifecycle.charts",
    "lib.charts_offers": "lib.offers.charts",
    "lib.charts_operations": "lib.operations.charts",
    "lib.charts_segments": "lib.segments.charts",
    "lib.churn": "lib.churn.model",
    "lib.churn_actions": "lib.churn.actions",
    "lib.churn_card": "lib.churn.card",
    "lib.churn_explain": "lib.churn.explain",
    "lib.churn_store": "lib.churn.scores",
    "lib.churn_train": "lib.churn.train",
    "lib.coerce": "lib.ingest.coerce",
    "lib.cubes": "lib.pipeline.cubes",
    "lib.demo": "lib.demo.generate",
    "lib.demo_world": "lib.demo.world",
    "lib.derive": "lib.pipeline.derive",
    "lib.economics": "lib.rules.economics",
    "lib.exports": "lib.common.exports",
    "lib.fmt": "lib.common.fmt",
    "lib.frames": "lib.common.frames",
    "lib.importer": "lib.ingest.importer",
    "lib.ingest_errors": "lib.ingest.errors",
    "lib.ingest_report": "lib.ingest.report",
    "lib.kpis": "lib.overview.kpis",
    "lib.lifecycle": "lib.lifecycle.cohort_matrix",   # later split by concept; no class of it is pickled
    "lib.lifecycle_sbg": "lib.lifecycle.sbg",
    "lib.lifecycle_survival": "lib.lifecycle.survival",
    "lib.lifecycle_value": "lib.lifecycle.value",
    "lib.mapping": "lib.ingest.mapping",
    "lib.markup": "lib.common.markup",
    "lib.need_tags": "lib.churn.need_tags",
    "lib.offer_optimiser": "lib.offers.optimiser",
    "lib.offer_store": "lib.offers.store",
    "lib.offer_targets": "lib.offers.targets",
    "lib.offers": "lib.offers.roi",
    "lib.offers_calibration": "lib.offers.calibration",
    "lib.operations": "lib.operations.plans",
    "lib.operations_power": "lib.operations.holdout",
    "lib.operations_results": "lib.operations.results",
    "lib.outcomes": "lib.operations.outcomes",
    "lib.plausibility": "lib.ingest.plausibility",
    "lib.queries.churn": "lib.churn.queries",
    "lib.queries.common": "lib.store.filters",
    "lib.queries.lifecycle": "lib.lifecycle.queries",
    "lib.queries.offers": "lib.offers.queries",
    "lib.queries.operations": "lib.operations.queries",
    "lib.queries.outcomes": "lib.operations.outcome_queries",
    "lib.queries.overview": "lib.overview.queries",
    "lib.queries.segments": "lib.segments.queries",
    "lib.read_limits": "lib.ingest.read_limits",
    "lib.read_worker": "lib.ingest.read_worker",
    "lib.readers": "lib.ingest.readers",
    "lib.report": "lib.overview.report",
    "lib.rules_versions": "lib.rules.versions",
    "lib.schema": "lib.store.schema",
    "lib.seed": "lib.demo.seed",
    "lib.segments": "lib.segments.tiers",
    "lib.segments_clusters": "lib.segments.clusters",
    "lib.segments_geo": "lib.segments.geo",
    "lib.signin_limits": "lib.auth.signin_limits",
    "lib.snapshots": "lib.pipeline.snapshots",
    "lib.store_spark": "lib.store.spark",
    "lib.textfile": "lib.ingest.textfile",
    "lib.validate": "lib.ingest.validate",
}


class MovedModulesUnpickler(pickle.Unpickler):
    """An unpickler that finds lib's classes under their new module when a pickle names an old one."""

    def find_class(self, module: str, name: str):
        new = MOVED_MODULES.get(module) if module.startswith("lib.") else None
        if new is not None:
            target = importlib.import_module(new)
            if hasattr(target, name):
                return getattr(target, name)
        return super().find_class(module, name)


def loads(blob: bytes) -> object:
    """``pickle.loads`` for pickles written by this application, old module paths included."""
    return MovedModulesUnpickler(io.BytesIO(blob)).load()
