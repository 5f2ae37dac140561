"""Uplift models on a simulated randomised campaign with known per-customer effects
(tests/uplift_sim.py documents the four groups). Expected values come from the simulation's
true effects, never from the model: its ranking must follow them, target better than churn
risk, flag the sleeping dogs, and a campaign without effect must not yield a model claiming one."""
from __future__ import annotations

import numpy as np
import pytest

from lib.churn.model import feature_frame
from lib.rules import RulesError, default_rules
from lib.uplift.fit import uplift_settings, fit_uplift
from lib.uplift.model import ClassTransformUplift, TwoModelUplift
from lib.demo.campaign import simulated_campaign


@pytest.fixture(scope="module")
def settings():
    return uplift_settings(default_rules())


@pytest.fixture(scope="module")
def campaign():
    return simulated_campaign(16000, treated_share=0.6, seed=3)


@pytest.fixture(scope="module")
def fitted(campaign, settings):
    X = feature_frame(campaign)
    return fit_uplift(X, campaign["churned"].to_numpy(), campaign["treated"].to_numpy(), settings), X


def test_model_is_presented_and_says_what_trained_it(fitted, campaign):
    fit, _ = fitted
    assert fit.refusal is None and fit.model is not None
    assert fit.customers == campaign.height
    assert fit.treated == int(campaign["treated"].sum()) and fit.control == campaign.height - fit.treated
    assert set(fit.candidates) == {"two_model", "class_transform"} and fit.learner in fit.candidates
    assert fit.evaluation.p_value <= 0.05 and fit.evaluation.customers == pytest.approx(0.3 * campaign.height, abs=2)


def test_ranking_follows_the_true_effect(fitted, campaign):
    fit, X = fitted
    predicted = fit.model.predict_uplift(X)
    assert np.corrcoef(predicted, campaign["effect"].to_numpy())[0, 1] > 0.6


def test_top_fifth_by_uplift_saves_more_than_top_fifth_by_risk(fitted, campaign):
    """True incremental saves (sum of the true effects) of the 20 % targeted. Risk is the true
    churn probability if left alone: even a perfect churn model targets lost causes and
    sleeping dogs first here."""
    fit, X = fitted
    effect = campaign["effect"].to_numpy()
    top = int(0.2 * effect.size)
    by_uplift = effect[np.argsort(-fit.model.predict_uplift(X))[:top]].sum()
    by_risk = effect[np.argsort(-campaign["p_control"].to_numpy(), kind="stable")[:top]].sum()
    assert by_uplift > 2 * max(by_risk, 0) and by_uplift > 0.6 * 0.17 * top


def test_held_out_evaluation_prefers_uplift_to_risk(fitted):
    evaluation = fitted[0].evaluation
    assert evaluation.model.qini > evaluation.risk.qini
    assert evaluation.model.prevented["0.2"] > evaluation.risk.prevented["0.2"]
    assert evaluation.deciles.height == 10
    top, bottom = evaluation.deciles.row(0, named=True), evaluation.deciles.row(9, named=True)
    assert top["uplift_low"] > 0 and bottom["uplift"] < top["uplift"]


def test_sleeping_dogs_are_flagged(fitted, campaign):
    fit, X = fitted
    predicted = fit.model.predict_uplift(X)
    group = campaign["group"].to_numpy()
    assert (predicted[group == "sleeping_dog"] < 0).mean() > 0.6
    assert (predicted[group == "persuadable"] < 0).mean() < 0.05
    dogs = fit.evaluation.sleeping_dogs
    assert 0.03 < dogs.share < 0.3 and dogs.observed < 0


@pytest.mark.parametrize("seed", [4, 5])
def test_a_campaign_without_effect_yields_no_model_claiming_one(settings, seed):
    campaign = simulated_campaign(12000, treated_share=0.6, seed=seed, effects=False)
    X = feature_frame(campaign)
    fit = fit_uplift(X, campaign["churned"].to_numpy(), campaign["treated"].to_numpy(), settings)
    if fit.refusal is None:   # presented only when flat: no customer with a sizeable effect
        assert np.abs(fit.model.predict_uplift(X)).mean() < 0.02
    else:
        assert fit.refusal.code == "uplift_refused_not_better"
        assert fit.refusal.params["p_value"] > settings.max_p_value or fit.refusal.params["qini"] <= 0


def test_too_small_a_campaign_is_refused_with_its_numbers(settings):
    campaign = simulated_campaign(600, treated_share=0.8, seed=6)
    fit = fit_uplift(feature_frame(campaign), campaign["churned"].to_numpy(),
                     campaign["treated"].to_numpy(), settings)
    control = int((campaign["treated"] == 0).sum())
    assert control < 200
    assert fit.refusal.code == "uplift_refused_few_customers" and fit.model is None
    assert fit.refusal.params == {"treated": 600 - control, "control": control, "minimum": 200}


def test_learners_need_both_arms():
    campaign = simulated_campaign(300, seed=7)
    X = feature_frame(campaign)
    for learner in (TwoModelUplift(), ClassTransformUplift()):
        with pytest.raises(ValueError):
            learner.fit(X, campaign["churned"].to_numpy(), np.ones(300))


def test_class_transform_recovers_a_known_effect_with_unequal_arms():
    """Every customer has the same effect: churn 0.30 alone, 0.10 contacted, 80 % treated. The
    reweighted class transformation must estimate 0.20 on average, not the 80/20 mix's bias."""
    rng = np.random.default_rng(9)
    campaign = simulated_campaign(8000, seed=9)
    treated = (rng.random(8000) < 0.8).astype(int)
    churned = (rng.random(8000) < np.where(treated == 1, 0.10, 0.30)).astype(int)
    predicted = ClassTransformUplift(random_state=0).fit(feature_frame(campaign), churned, treated)
    assert predicted.predict_uplift(feature_frame(campaign)).mean() == pytest.approx(0.20, abs=0.03)


def test_settings_out_of_range_are_named():
    rules = default_rules()
    bad = type(rules)(**{**vars(rules), "text": rules.text.replace("holdout_share = 0.3", "holdout_share = 0.9")})
    with pytest.raises(RulesError) as caught:
        uplift_settings(bad)
    assert caught.value.params["key"] == "uplift_model.holdout_share"
