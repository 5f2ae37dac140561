"""Segments: who the customers are and where value sits — tiers, RFM, behaviour, geography,
tier migration. Every view follows the sidebar's filters and downloads as CSV."""
import polars as pl
import streamlit as st

from lib.overview import charts

from lib.segments import charts as charts_segments

from lib.common import fmt

from lib.segments import tiers as segments

from lib.segments import clusters as segments_clusters
from lib.segments.columns import money_header, unit_of

from lib.segments import geo as segments_geo

from lib import ui
from lib.ui.tables import Column
from lib.ui import links
from lib.common.exports import mask_identifiers
from lib.common.frames import relabel
from lib.i18n import t, t_text
from lib.common.localise import join

code = ui.lang()
st.title(t("page_segments", code))
PLOT = {"displaylogo": False}
TAB_KEY = ui.Keys.SEGMENTS_TAB
TILES_KEY = ui.Keys.SEG_TILES
DRILL_KEY = ui.Keys.SEG_DRILL_PROVINCE
CLICKED_KEY = ui.Keys.SEG_TILES_CLICKED


def drill_to(province: str | None) -> None:
    """A click on the tile map: drill down to that province (its cities below), once per click."""
    if province is not None and province != st.session_state.get(CLICKED_KEY):
        st.session_state[CLICKED_KEY] = province
        st.session_state[DRILL_KEY] = province


def filter_to(province: str) -> None:
    """Button callback (runs before the sidebar draws): the whole app filtered to ``province``."""
    st.session_state[ui.Keys.PROVINCES] = [province]


def download(frame: pl.DataFrame, stem: str, snapshot) -> None:
    ui.csv_download(t("seg_download", code), frame, f"segments_{stem}", snapshot, key=ui.scoped(ui.Keys.SEG_DOWNLOAD, stem))


#: Column → i18n key of its header, for tables on screen and in downloads.
HEADERS = {"customers": "seg_customers", "active": "seg_active", "revenue": "seg_revenue",
           "arpu": "seg_arpu", "monthly_churn": "seg_churn", "revenue_share": "seg_revenue_share",
           "customer_share": "seg_customer_share", "vip_share": "seg_metric_vip_share",
           "revenue_at_risk": "seg_metric_revenue_at_risk", "move": "seg_col_move",
           "revenue_from": "seg_col_revenue_from", "revenue_to": "seg_col_revenue_to",
           "revenue_change": "seg_col_revenue_change", "customer_id": "seg_col_customer",
           "province": "seg_drill_province", "city": "seg_drill_city", "district": "seg_col_district",
           "from_tier": "seg_col_from_tier", "to_tier": "seg_col_to_tier", "tier": "seg_col_tier",
           "spend_avg_from": "seg_col_spend_from", "spend_avg_to": "seg_col_spend_to",
           "loss": "seg_col_loss", "spend_m1": "seg_col_spend_m1", "area": "seg_col_area",
           "rank": "seg_col_rank", "value": "seg_col_value", "cluster_name": "seg_col_cluster",
           "segment": "seg_col_segment"}


def show(frame: pl.DataFrame, stem: str, snapshot, height: int | None = None, download_it: bool = True) -> None:
    """A result table with translated headers, numbers by unit (lib.segments.queries.unit_of)
    and its CSV download."""
    names = {c: money_header(t(HEADERS[c], code), c, rules.currency, code)
             for c in frame.columns if c in HEADERS}
    shown = frame.rename(names)
    units = {names.get(c, c): unit_of(c, frame.schema[c]) for c in frame.columns}
    ui.table(shown, units={c: u for c, u in units.items() if u}, **({"height": height} if height else {}))
    if download_it:
        download(shown, stem, snapshot)


def tier_label(frame: pl.DataFrame, rules, column: str = "tier") -> pl.DataFrame:
    return frame.with_columns(relabel(frame[column], lambda tier: rules.tier_name(int(tier), code) if tier
                                      else t("seg_move_churned", code)).fill_null(t("seg_move_churned", code)))


filters = ui.filters_or_stop("seg_empty")
rules = ui.rules()
snapshot = filters.snapshot_date
st.caption(t("seg_caption", code, snapshot=fmt.date(snapshot), version=rules.version))
if ui.compute(segments.churn_window, snapshot) is None:
    st.info(t("seg_window_unknown", code, snapshot=fmt.date(snapshot)))
names = ["seg_tab_value", "seg_tab_rfm", "seg_tab_clusters", "seg_tab_geography", "seg_tab_migration"]
links.tab(TAB_KEY, names, code)
value_tab, rfm_tab, cluster_tab, geo_tab, migration_tab = st.tabs(
    [t(n, code) for n in names], key=ui.Keys.SEGMENTS_TAB, on_change="rerun")

if value_tab.open:
    with value_tab, ui.guard():
        config = segments.settings(rules)
        view = ui.compute(segments.value_view, filters, rules)
        bounds = join((f"{b:,.0f}" for b in rules.tier_spend_min), code)
        st.caption(t("seg_tier_rules", code, bounds=bounds,
                     points=fmt.number(rules.six_star_points_min, "count", code),
                     key_person=t("seg_tier_rules_key_person", code) if rules.six_star_key_person else ""))
        left, right = st.columns(2)
        left.plotly_chart(charts_segments.tier_value(view.tiers, rules, code), config=PLOT)
        with right:
            share = st.slider(t("seg_top_share", code), *segments.PARETO_TOP_SHARE_RANGE, config.pareto_top_share, step=0.01,
                              format="%.2f", key=ui.Keys.SEG_TOP_SHARE)
            revenue = segments.top_share(view.pareto, share)
            st.plotly_chart(charts.pareto(view.pareto, share, revenue, code), config=PLOT)
            st.caption(t("seg_top_result", code, customers=fmt.number(share, "share", code),
                         revenue=fmt.number(revenue, "share", code)))
        show(tier_label(view.tiers, rules), "tiers", snapshot)
        left, right = st.columns(2)
        with left:
            if view.dimensions:
                dimension = st.selectbox(t("seg_dimension", code), view.dimensions,
                                         format_func=lambda d: t(f"seg_dim_{d}", code), key=ui.Keys.SEG_DIMENSION)
                crossed = ui.compute(segments.tier_dimension_view, filters, dimension)
                st.plotly_chart(charts_segments.tier_dimension(
                    crossed, rules, t(f"seg_dim_{dimension}", code), code), config=PLOT)
                download(tier_label(crossed, rules).rename(
                    {c: t(HEADERS[c], code) for c in crossed.columns}), f"tier_{dimension}", snapshot)
            else:
                st.info(t("seg_dimension_none", code))
        with right:
            st.plotly_chart(charts_segments.arpu_box(view.arpu, rules, code), config=PLOT)
            st.caption(t("seg_arpu_note", code))
            download(tier_label(view.arpu, rules).rename({"tier": t("seg_col_tier", code)}), "arpu",
                     snapshot)

if rfm_tab.open:
    with rfm_tab, ui.guard():
        config = segments.settings(rules)
        cuts = ui.compute(segments.rfm_cuts, snapshot)
        view = ui.compute(segments.rfm_view, filters, rules, cuts)
        st.caption(t("seg_rfm_note", code))
        for found in segments.undivided_scores(view.cells, config.undivided_share):
            st.info(t("seg_rfm_undivided", code, dimension=t(f"seg_rfm_dim_{found.dimension}", code),
                      score=found.score, share=found.share))
        left, right = st.columns(2)
        left.plotly_chart(charts_segments.rfm_grid(view.grid, config, code), config=PLOT)
        right.plotly_chart(charts_segments.rfm_segments(view.segments, code), config=PLOT)
        table = view.segments.select(
            pl.col("name_zh" if code == "zh" else "name_en").alias("segment"),
            "customers", "active", "revenue", "revenue_share", "arpu", "monthly_churn")
        show(table, "rfm", snapshot)

if cluster_tab.open:
    with cluster_tab, ui.guard():
        settings = segments_clusters.cluster_settings(rules)
        options = [None, *range(settings.k_min, settings.k_max + 1)]
        k = st.selectbox(t("seg_k", code), options, key=ui.Keys.SEG_K,
                         format_func=lambda v: t("seg_k_auto", code) if v is None else str(v))
        model = ui.compute(segments_clusters.fit_clusters, snapshot, rules, k)
        if model is None:
            st.info(t("seg_clusters_unavailable", code,
                      features=join((t(f"seg_feature_{f}", code) for f in settings.features), code)))
        else:
            view = ui.compute(segments_clusters.cluster_view, filters, rules, model)
            how = (t("seg_cluster_how_auto", code, score=dict(model.silhouettes)[model.k])
                   if model.chosen_by_silhouette else t("seg_cluster_how_manual", code))
            st.caption(t("seg_cluster_note", code, rows=model.sample_rows, k=model.k, how=how,
                         features=join((t(f"seg_feature_{f}", code) for f in model.features), code)))
            left, right = st.columns(2)
            left.plotly_chart(charts_segments.cluster_profile(view, code, rules.currency.code), config=PLOT)
            right.plotly_chart(charts_segments.cluster_tiers(view, rules, code), config=PLOT)
            names = [segments_clusters.cluster_name(model, i, code) for i in view.clusters["cluster"].to_list()]
            table = view.clusters.with_columns(pl.Series("cluster_name", names)).select(
                "cluster_name", "customers", "active", "revenue", "arpu", "monthly_churn",
                *model.features)
            show(table.rename({f: t_text("seg_col_mean", code, feature=charts_segments.feature_label(
                                   f, code, rules.currency.code)) for f in model.features}), "clusters", snapshot)

if geo_tab.open:
    with geo_tab, ui.guard():
        links.choice(ui.Keys.SEG_METRIC, list(segments_geo.METRICS))
        metric = st.selectbox(t("seg_metric", code), list(segments_geo.METRICS), key=ui.Keys.SEG_METRIC,
                              format_func=lambda m: t(f"seg_metric_{m}", code))
        view = ui.compute(segments_geo.province_view, filters, rules)
        if view.areas.height == 0:
            st.info(t("seg_geo_none", code))
        else:
            geojson = segments_geo.operator_geojson()
            left, right = st.columns([3, 2])
            with left:
                if geojson is not None:
                    st.plotly_chart(charts_segments.choropleth(view, geojson, metric, code), config=PLOT)
                elif view.use_tiles:
                    event = st.plotly_chart(
                        charts_segments.province_tiles(view, metric, code, view.overall_churn),
                        config=PLOT, on_select="rerun", selection_mode="points", key=TILES_KEY)
                    drill_to(charts_segments.clicked_area(event))
                    placed = view.areas.filter(pl.col("x").is_not_null())
                    if placed.height == 1:
                        st.caption(t("seg_tile_one", code))
                    else:
                        st.caption(t("seg_tile_click", code))
                        if metric == "monthly_churn" and view.overall_churn is not None:
                            st.caption(t("seg_tile_midpoint", code,
                                         rate=fmt.number(view.overall_churn, "share", code)))
                    unplaced = view.areas.filter(pl.col("x").is_null())["area"].to_list()
                    if unplaced:
                        st.caption(t("seg_geo_unplaced", code, areas=join(unplaced, code)))
                else:
                    st.caption(t("seg_geo_no_layout", code))
                    st.plotly_chart(charts_segments.ranked_bars(view.areas, metric, code), config=PLOT)
            if metric == "revenue_at_risk":
                st.caption(t("seg_geo_risk_note", code, months=view.horizon_months))
            columns = ["rank", "area", "active", "vip_share", "arpu", "monthly_churn", "revenue",
                       "revenue_at_risk"]
            provinces = segments_geo.ranked(view.areas, metric)
            with right:
                show(provinces.with_columns(relabel(provinces["area"], lambda a: segments_geo.area_label(a, code)))
                     .select(columns), "provinces", snapshot, height=480)
            order = provinces["area"].to_list()
            left, right = st.columns(2)
            links.choice(DRILL_KEY, order)
            province = left.selectbox(t("seg_drill_province", code), order, key=DRILL_KEY,
                                      format_func=lambda a: segments_geo.area_label(a, code))
            if province not in (ui.current_filters().provinces if ui.current_filters() else ()):
                left.button(t("seg_tile_filter", code, province=segments_geo.area_label(province, code)),
                            on_click=filter_to, args=(province,),
                    icon=":material/filter_alt:")
            cities = segments_geo.ranked(
                ui.compute(segments_geo.area_view, filters, rules, "city", province), metric)
            city = right.selectbox(t("seg_drill_city", code), [None, *cities["area"].to_list()],
                                   key=ui.Keys.SEG_DRILL_CITY,
                                   format_func=lambda c: t("seg_drill_all", code) if c is None else c)
            if city is None:
                drill, stem = cities, "cities"
            else:
                drill = segments_geo.ranked(
                    ui.compute(segments_geo.area_view, filters, rules, "district", province, city), metric)
                stem = "districts"
            show(drill.select(columns), stem, snapshot)

if migration_tab.open:
    with migration_tab, ui.guard():
        dates = [d for d in ui.snapshot_dates(ui.data_token()) if d < snapshot]
        if not dates:
            st.info(t("seg_migration_single", code, date=fmt.date(snapshot)))
        else:
            left, right = st.columns(2)
            start = left.selectbox(t("seg_from_snapshot", code), list(reversed(dates)), key=ui.Keys.SEG_FROM)
            right.caption(t("seg_to_snapshot", code, date=fmt.date(snapshot)))
            view = ui.compute(segments.migration_view, filters, rules, start)
            st.caption(t("seg_migration_note", code, start=fmt.date(start), end=fmt.date(snapshot)))
            measure = st.radio(t("seg_sankey_measure", code), ["customers", "revenue_from"],
                               horizontal=True, key=ui.Keys.SEG_SANKEY_MEASURE,
                               format_func=lambda m: t("seg_customers" if m == "customers" else "seg_revenue", code))
            left, right = st.columns([3, 2])
            left.plotly_chart(charts_segments.migration_sankey(view.matrix, rules, code, measure),
                              config=PLOT)
            with right:
                st.plotly_chart(charts_segments.move_bars(view.moves, code), config=PLOT)
                moves = view.moves.with_columns(relabel(view.moves["move"], lambda m: t(f"seg_move_{m}", code)))
                show(moves, "moves", snapshot, download_it=False)
            matrix = tier_label(tier_label(view.matrix, rules, "from_tier"), rules, "to_tier")
            matrix = matrix.with_columns(relabel(matrix["move"], lambda m: t(f"seg_move_{m}", code)))
            download(matrix.rename({c: t(HEADERS[c], code) for c in matrix.columns}), "migration", snapshot)
            st.subheader(t("seg_watch_title", code))
            limit = segments.settings(rules).watch_list_size
            st.caption(t("seg_watch_note", code, limit=limit))
            if view.watch.height == 0:
                st.info(t("seg_watch_empty", code))
            else:
                watch = tier_label(tier_label(view.watch, rules, "from_tier"), rules, "to_tier")
                watch = mask_identifiers(watch, can_see=ui.user().can("see_identifiers"))
                show(watch, "downgrade_watch", snapshot, height=360)
