"""Churn models pickled before the layout move still load, and predict as they did.

The old pickles are made here the way the earlier version wrote them: a protocol-2 pickle of a
fitted model names its class in a GLOBAL opcode as ``module\\nname\\n``; the old module of
``ChurnModel``/``BaselineModel`` was ``lib.churn`` (``git show f0f0eb6``: lib/churn.py was moved
to lib/churn/model.py), so the bytes are the current pickle with that one path put back. The
expected predictions are the original model's own, computed before pickling.
"""
from __future__ import annotations

import datetime as dt
import pickle

import numpy as np
import polars as pl
import pytest
import sqlalchemy as sa

from lib.churn.model import BaselineModel, ChurnModel, feature_frame
from lib.churn.scores import load_model
from lib.common.pickles import MOVED_MODULES, loads
from lib.pipeline.migrations import open_store
from lib.store import churn_models


def _base(n: int = 600, seed: int = 4) -> tuple[object, np.ndarray]:
    """Customers whose churn follows complaints and short tenure, plus noise."""
    rng = np.random.default_rng(seed)
    complaints = rng.poisson(0.8, n)
    tenure = rng.uniform(0, 48, n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(-2.0 + 1.5 * (complaints >= 2) + 1.2 * (tenure < 8))))
         ).astype(np.int8)
    frame = pl.DataFrame({"customer_id": [f"C{i:04d}" for i in range(n)], "complaints": complaints,
                          "tenure_months": tenure, "spend_m1": rng.lognormal(4, 0.5, n),
                          "contract": rng.choice(["monthly", "12m"], n)})
    return feature_frame(frame), y


def _old_pickle(model: object, old_module: str) -> bytes:
    """The model's protocol-2 pickle with its class named by ``old_module``."""
    cls = type(model)
    blob = pickle.dumps(model, protocol=2)
    new = f"c{cls.__module__}\n{cls.__name__}\n".encode()
    assert blob.count(new) == 1   # the GLOBAL opcode naming the model's class
    return blob.replace(new, f"c{old_module}\n{cls.__name__}\n".encode())


@pytest.fixture(scope="module")
def fitted():
    X, y = _base()
    return X, ChurnModel(random_state=0, max_iter=30).fit(X, y), BaselineModel().fit(X, y)


@pytest.mark.parametrize("which", [1, 2])
def test_a_model_pickled_under_the_old_module_path_predicts_the_same(fitted, which):
    X, *models = fitted
    model = models[which - 1]
    expected = model.predict_proba(X)
    old = _old_pickle(model, "lib.churn")
    assert b"clib.churn\n" in old and b"lib.churn.model" not in old
    with pytest.raises(AttributeError):   # what the plain unpickler does with it
        pickle.loads(old)
    back = loads(old)
    assert type(back) is type(model)
    np.testing.assert_array_equal(back.predict_proba(X), expected)


def test_only_lib_modules_are_mapped_and_others_load_as_usual(fitted):
    X, model, _ = fitted
    assert MOVED_MODULES["lib.churn"] == "lib.churn.model"
    assert all(old.startswith("lib.") and new.startswith("lib.") for old, new in MOVED_MODULES.items())
    # a current pickle (newest protocol) and a non-lib object load unchanged
    np.testing.assert_array_equal(loads(pickle.dumps(model)).predict_proba(X), model.predict_proba(X))
    assert loads(pickle.dumps({"when": dt.date(2026, 1, 31)}, protocol=2)) == {"when": dt.date(2026, 1, 31)}


def test_the_store_loads_an_old_model_row(fitted, duckdb_url):
    """A churn_models row written by the earlier version (old class path) scores as before."""
    X, model, _ = fitted
    engine = open_store(duckdb_url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.insert(churn_models).values(
                model_id=1, snapshot_date=dt.date(2026, 9, 30), created_at=dt.datetime(2026, 10, 1),
                horizon_months=3, rules_version=1, card="{}", model=_old_pickle(model, "lib.churn")))
        with engine.connect() as conn:
            back = load_model(conn, 1)
        np.testing.assert_array_equal(back.predict_proba(X), model.predict_proba(X))
    finally:
        engine.dispose()
