"""The model card as people read it (Markdown, English or 简体中文), and the side-by-side
comparison of the model with its baseline."""
from __future__ import annotations

import polars as pl

from lib.churn.train import ModelCard
from lib.i18n import t
from lib.common.localise import join


def comparison(card: ModelCard, lang: str) -> pl.DataFrame:
    """Model and baseline metrics side by side, on the rows neither was trained on."""
    m, b = card.model, card.baseline
    rows = [
        ("churn_metric_roc_auc", f"{m.roc_auc:.3f}", f"{b.roc_auc:.3f}"),
        ("churn_metric_pr_auc", f"{m.pr_auc:.3f}", f"{b.pr_auc:.3f}"),
        ("churn_metric_lift", f"{m.top_decile_lift:.2f}×", f"{b.top_decile_lift:.2f}×"),
        ("churn_metric_base_rate", f"{m.base_rate:.1%}", f"{b.base_rate:.1%}"),
        ("churn_metric_rows", f"{m.rows:,}", f"{b.rows:,}"),
        ("churn_metric_churners", f"{m.churners:,}", f"{b.churners:,}"),
    ]
    return pl.DataFrame({
        t("churn_col_metric", lang): [t(k, lang) for k, _, _ in rows],
        t("churn_model_name", lang): [v for _, v, _ in rows],
        t("churn_baseline_name", lang): [v for _, _, v in rows],
    })


def validation_text(card: ModelCard, lang: str) -> str:
    """One sentence on how the metrics were obtained."""
    if card.scheme == "time":
        return t("churn_validation_time", lang,
                 train=join((d.isoformat() for d in card.train_dates), lang),
                 test=card.test_date.isoformat() if card.test_date else "–")
    return t("churn_validation_cv", lang, folds=card.cv_folds or 0,
             snapshot=card.train_dates[0].isoformat())


def card_markdown(card: ModelCard, model_id: int, lang: str) -> str:
    """The model card: data and snapshots, label, features, metrics, limits, training time."""
    label = (t("churn_label_window", lang, months=card.horizon_months) if card.label == "window"
             else t("churn_label_same_row", lang, months=card.horizon_months))
    features = join((t(f"churn_feature_{f}", lang) for f in card.features), lang)
    status = t("churn_card_accepted", lang) if card.accepted else t(card.refused, lang)
    lines = [
        f"**{t('churn_card_model', lang)}** #{model_id} · {card.library} · "
        f"HistGradientBoostingClassifier; {t('churn_baseline_name', lang)}: LogisticRegression",
        f"**{t('churn_card_status', lang)}** {status}",
        f"**{t('churn_card_as_of', lang)}** {card.as_of.isoformat()} · "
        f"{t('churn_card_rules', lang)} {card.rules_version}",
        f"**{t('churn_card_label', lang)}** {label}",
        f"**{t('churn_card_validation', lang)}** {validation_text(card, lang)}",
        f"**{t('churn_card_data', lang)}** " + t("churn_card_data_text", lang,
                                                 rows=f"{card.train_rows:,}",
                                                 churners=f"{card.train_churners:,}",
                                                 excluded=f"{card.excluded_involuntary:,}"),
        f"**{t('churn_card_features', lang)}** {features}",
        f"**{t('churn_card_excluded_features', lang)}** {t('churn_card_excluded_text', lang)}",
        f"**{t('churn_card_metrics', lang)}** ROC AUC {card.model.roc_auc:.3f} "
        f"({t('churn_baseline_name', lang)} {card.baseline.roc_auc:.3f}), PR AUC "
        f"{card.model.pr_auc:.3f} ({card.baseline.pr_auc:.3f}), "
        f"{t('churn_metric_lift', lang)} {card.model.top_decile_lift:.2f}×",
        f"**{t('churn_card_time', lang)}** " + t("churn_card_time_text", lang,
                                                 seconds=f"{card.training_seconds:.1f}",
                                                 created=card.created_at.isoformat(sep=' ')),
        f"**{t('churn_card_limits', lang)}**",
        *[f"- {t(key, lang)}" for key in card.limits()],
    ]
    return "\n\n".join(lines[:-len(card.limits())]) + "\n" + "\n".join(lines[-len(card.limits()):])
