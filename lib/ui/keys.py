"""Every session-state key of the app, in one place.

``st.session_state`` holds only what the user chose (filters, language, the scenario being
edited, the tab open) and a few hand-overs between pages. Widgets with a ``key=`` store their
value there too, so their keys are listed here as well: two pages that picked the same literal
would share (and overwrite) each other's choice. ``tests/test_session_keys.py`` checks that no
page or lib module writes a key as a literal string.

Keys of widgets drawn once per plan, upload or tier are made with ``scoped`` from a base key
here, so that one plan's widget keeps its state apart from another's.
"""
from __future__ import annotations


class Keys:
    """Session-state keys (the values are part of the URL-less state tests set directly)."""

    # --- global: the sidebar, the signed-in user, the data identity -------------------------
    LANG = "lang"
    SNAPSHOT = "snapshot"
    PROVINCES = "provinces"
    TIERS = "tiers"
    USER = "user"
    DATA_TOKEN = "data_token"
    LOGIN_FORM = "login"
    #: the address's global parameters were read (once per browser session; lib.ui.links)
    LINKS_RESTORED = "links_restored"
    #: page inputs already read from the address (each once per session)
    LINKS_SEEN = "links_seen"
    #: the chosen workspace's slug (the sidebar switcher's value; survives reruns and pages)
    WORKSPACE = "workspace"
    #: a workspace to switch to at the start of the next run (the switcher is drawn already)
    WORKSPACE_NEXT = "workspace_next"
    #: this run's workspace and the listing it was chosen from (read once per run)
    WORKSPACE_RUN = "workspace_run"
    #: messages kept until the next run shows them: (kind, text) pairs, kind success | info
    FLASH = "flash"
    PENDING_REMOVE_DEMO = "pending_remove_demo"
    WS_IMPORT_TARGET = "ws_import_target"
    WS_IMPORT_NEW_NAME = "ws_import_new_name"
    WS_REPEAT_CONFIRM = "repeat"          # scoped by upload and sheet
    WS_CREATE_FORM = "ws_create"
    WS_CREATE_NAME = "ws_create_name"
    TEMPLATE_PICK = "template"            # scoped by the mapping editor's key
    TEMPLATE_NAME = "template_name"       # scoped by the mapping editor's key
    TEMPLATE_SAVE = "template_save"       # scoped by the mapping editor's key
    TIERS_CODE = "tiers_code"             # the tier proposal, scoped by upload
    TIERS_SYMBOL = "tiers_symbol"
    TIERS_BOUND = "tiers_bound"           # scoped by tier and upload
    TIERS_USE = "tiers_use"
    TIERS_SAVE = "tiers_save"

    # --- Data page -----------------------------------------------------------------------------
    PENDING_DELETE = "pending_delete"
    VALIDATION = "validation"
    RULES_FORM = "rules_form"
    MAPPING = "mapping"                 # scoped by upload and sheet
    TENURE_UNIT = "tenure_unit"         # scoped by upload, sheet, columns and unit
    CHURN_WINDOW = "churn_window"       # scoped by upload
    PLAUSIBLE = "plausible"             # scoped by upload and sheet

    # --- Offers ROI ----------------------------------------------------------------------------
    OFFER_INPUTS = "offer_inputs"
    OFFER_CALIBRATION = "offer_calibration"
    OFFER_PLAN = "offer_plan"
    OFFER_CAP = "offer_cap"             # scoped by tier
    CATALOGUE_EDITOR = "catalogue"      # scoped by catalogue version
    CALIBRATION_SOURCE = "offers_calibration_source"

    # --- Segments ------------------------------------------------------------------------------
    SEGMENTS_TAB = "segments_tab"
    SEG_DOWNLOAD = "download"           # scoped by the table's file stem
    SEG_TOP_SHARE = "seg_top_share"
    SEG_DIMENSION = "seg_dimension"
    SEG_K = "seg_k"
    SEG_METRIC = "seg_metric"
    SEG_DRILL_PROVINCE = "seg_drill_province"
    SEG_DRILL_CITY = "seg_drill_city"
    SEG_FROM = "seg_from"
    SEG_SANKEY_MEASURE = "seg_sankey_measure"
    SEG_TILES = "seg_tiles"
    #: the tile last clicked, so a click drills down once and the drill box stays the user's after
    SEG_TILES_CLICKED = "seg_tiles_clicked"

    # --- Lifecycle -----------------------------------------------------------------------------
    LIFECYCLE_TAB = "lifecycle_tab"
    LIFECYCLE_TYPES = "lifecycle_types"
    LIFECYCLE_INVOLUNTARY = "lifecycle_exclude_involuntary"
    LIFECYCLE_TENURE = "lifecycle_exclude_tenure"
    LIFECYCLE_GROUP_PAID = "lifecycle_exclude_group_paid"
    LIFECYCLE_VALUE_DROP = "lifecycle_value_drop"
    LIFECYCLE_COHORT_DIM = "lifecycle_cohort_dimension"
    LIFECYCLE_COHORT_VALUE = "lifecycle_cohort_value"
    LIFECYCLE_SURVIVAL_DIM = "lifecycle_survival_dimension"
    LIFECYCLE_GROUP_A = "lifecycle_group_a"
    LIFECYCLE_GROUP_B = "lifecycle_group_b"
    LIFECYCLE_MARGIN = "lifecycle_margin"
    LIFECYCLE_DISCOUNT = "lifecycle_discount"
    LIFECYCLE_FUNNEL_DIM = "lifecycle_funnel_dimension"
    LIFECYCLE_FUNNEL_VALUE = "lifecycle_funnel_value"
    LIFECYCLE_FUNNEL_COHORTS = "lifecycle_funnel_cohorts"

    # --- Call-back plans (operations) and their outcomes -------------------------------------
    #: the Action list hands its current choice (risk bands, stages) to the Call-back plans page
    FROM_ACTION_LIST = "operations_from_action_list"
    OPS_FLASH = "ops_flash"
    OPS_SOURCE = "ops_source"
    OPS_BANDS = "ops_bands"
    OPS_STAGES = "ops_stages"
    OPS_TIERS = "ops_tiers"
    OPS_SEL_STAGES = "ops_sel_stages"
    OPS_PROVINCES = "ops_provinces"
    OPS_BASELINE = "ops_baseline"       # scoped by source and baseline rate
    OPS_EFFECT = "ops_effect"           # scoped by the default effect
    OPS_SEED = "ops_seed"
    OPS_NEW_PLAN_FORM = "ops_new_plan"
    OPS_OPEN_PLAN = "ops_open_plan"
    OPS_STATUS = "ops_status"           # scoped by plan
    OPS_DELETE = "ops_delete"           # scoped by plan
    OUTCOMES_REACH_BY = "outcomes_reach_by"     # scoped by plan
    OUTCOMES_UPLOAD = "outcomes_upload"         # scoped by plan
    OUTCOMES_MAP = "outcomes_map"               # scoped by plan, upload, sheet and field
    OUTCOMES_RECORD = "outcomes_record"         # scoped by plan
    OUTCOMES_MANAGER = "outcomes_mgr"           # scoped by plan
    OUTCOMES_EDITOR = "outcomes_editor"         # scoped by plan, manager and data token
    OUTCOMES_SAVE = "outcomes_save"             # scoped by plan
    OUTCOMES_FILE = "outcomes_file"             # scoped by plan (its check report)
    OUTCOMES_APP = "outcomes_app"               # scoped by plan (results entered in the app)


def scoped(base: str, *parts: object) -> str:
    """``base`` followed by ``parts``, joined by ``_`` (``scoped(Keys.OPS_STATUS, 7)`` is
    ``"ops_status_7"``): the key of one instance of a widget drawn per plan, upload or tier."""
    return "_".join([base, *(str(part) for part in parts)])
