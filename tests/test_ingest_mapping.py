"""The one header auto-mapper: real churn files' headers (and values) mapped as written out by
hand below, confidences and reasons, and no header set that makes it raise.

The header sets are those of public churn files, copied from their published column lists:
IBM's Telco customer churn (Cognos sample, "Telco_customer_churn.xlsx"), its Kaggle flavour
("WA_Fn-UseC_-Telco-Customer-Churn.csv"), BigML/Orange's telecom churn ("churn-bigml-80.csv"),
the credit-card churners file ("BankChurners.csv", Attrition_Flag) and Kaggle's bank churn
("Churn_Modelling.csv", Exited); the Chinese ones are an operator's export as we have seen it
written. The sample values are two or three typical rows of each, typed in by hand.
"""
from __future__ import annotations

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.i18n import t_text
from lib.ingest.mapping import (CONFIDENCE, FieldSource, Vocabulary, auto_map, match_headers,
                                propose, speaks_of_churn)
from lib.operations import outcomes


def sample(rows: dict[str, list[str]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={c: pl.String for c in rows})


def columns_of(proposal) -> dict[str, tuple[str, ...]]:
    return {field: guess.source.columns for field, guess in proposal.guesses.items()}


# --------------------------------------------------------------------------- real header sets

IBM_TELCO = sample({
    "CustomerID": ["3668-QPYBK", "9237-HQITU"], "Count": ["1", "1"],
    "Country": ["United States", "United States"], "State": ["California", "California"],
    "City": ["Los Angeles", "Los Angeles"], "Zip Code": ["90003", "90005"],
    "Lat Long": ["33.964131, -118.272783", "34.059281, -118.30742"],
    "Latitude": ["33.964131", "34.059281"], "Longitude": ["-118.272783", "-118.30742"],
    "Gender": ["Male", "Female"], "Senior Citizen": ["No", "No"], "Partner": ["No", "No"],
    "Dependents": ["No", "Yes"], "Tenure Months": ["2", "2"], "Phone Service": ["Yes", "Yes"],
    "Multiple Lines": ["No", "No"], "Internet Service": ["DSL", "Fiber optic"],
    "Online Security": ["Yes", "No"], "Online Backup": ["Yes", "No"],
    "Device Protection": ["No", "No"], "Tech Support": ["No", "No"], "Streaming TV": ["No", "No"],
    "Streaming Movies": ["No", "No"], "Contract": ["Month-to-month", "Month-to-month"],
    "Paperless Billing": ["Yes", "Yes"], "Payment Method": ["Mailed check", "Electronic check"],
    "Monthly Charges": ["53.85", "70.7"], "Total Charges": ["108.15", "151.65"],
    "Churn Label": ["Yes", "Yes"], "Churn Value": ["1", "1"], "Churn Score": ["86", "67"],
    "CLTV": ["3239", "2701"], "Churn Reason": ["Competitor made better offer", "Moved"],
})
KAGGLE_TELCO = sample({
    "customerID": ["7590-VHVEG", "5575-GNVDE"], "gender": ["Female", "Male"],
    "SeniorCitizen": ["0", "0"], "Partner": ["Yes", "No"], "Dependents": ["No", "No"],
    "tenure": ["1", "34"], "PhoneService": ["No", "Yes"], "MultipleLines": ["No phone service", "No"],
    "InternetService": ["DSL", "DSL"], "OnlineSecurity": ["No", "Yes"], "OnlineBackup": ["Yes", "No"],
    "DeviceProtection": ["No", "Yes"], "TechSupport": ["No", "No"], "StreamingTV": ["No", "No"],
    "StreamingMovies": ["No", "No"], "Contract": ["Month-to-month", "One year"],
    "PaperlessBilling": ["Yes", "No"], "PaymentMethod": ["Electronic check", "Mailed check"],
    "MonthlyCharges": ["29.85", "56.95"], "TotalCharges": ["29.85", "1889.5"],
    "Churn": ["No", "No"],
})
BIGML = sample({
    "State": ["KS", "OH"], "Account length": ["128", "107"], "Area code": ["415", "415"],
    "International plan": ["No", "No"], "Voice mail plan": ["Yes", "Yes"],
    "Number vmail messages": ["25", "26"], "Total day minutes": ["265.1", "161.6"],
    "Total day calls": ["110", "123"], "Total day charge": ["45.07", "27.47"],
    "Total eve minutes": ["197.4", "195.5"], "Total eve calls": ["99", "103"],
    "Total eve charge": ["16.78", "16.62"], "Total night minutes": ["244.7", "254.4"],
    "Total night calls": ["91", "103"], "Total night charge": ["11.01", "11.45"],
    "Total intl minutes": ["10", "13.7"], "Total intl calls": ["3", "3"],
    "Total intl charge": ["2.7", "3.7"], "Customer service calls": ["1", "1"],
    "Churn": ["False", "True"],
})
# The same BigML file re-saved with Chinese headers (as a Chinese analyst's export names them:
# 话费 is the bill's word for a call charge, 州 a US state).
BIGML_ZH = sample({
    "州": ["KS", "OH"], "在网天数": ["128", "107"], "区号": ["415", "415"],
    "国际套餐": ["No", "No"], "语音信箱套餐": ["Yes", "Yes"], "语音留言数": ["25", "26"],
    "日间通话分钟": ["265.1", "161.6"], "日间通话次数": ["110", "123"],
    "日间话费": ["45.07", "27.47"], "晚间通话分钟": ["197.4", "195.5"],
    "晚间通话次数": ["99", "103"], "晚间话费": ["16.78", "16.62"],
    "夜间通话分钟": ["244.7", "254.4"], "夜间通话次数": ["91", "103"],
    "夜间话费": ["11.01", "11.45"], "国际通话分钟": ["10", "13.7"], "国际通话次数": ["3", "3"],
    "国际话费": ["2.7", "3.7"], "客服来电次数": ["1", "1"], "是否流失": ["False", "True"],
})
BANK_CHURNERS = sample({
    "CLIENTNUM": ["768805383", "818770008"],
    "Attrition_Flag": ["Existing Customer", "Attrited Customer"],
    "Customer_Age": ["45", "49"], "Gender": ["M", "F"], "Dependent_count": ["3", "5"],
    "Education_Level": ["High School", "Graduate"], "Marital_Status": ["Married", "Single"],
    "Income_Category": ["$60K - $80K", "Less than $40K"], "Card_Category": ["Blue", "Blue"],
    "Months_on_book": ["39", "44"], "Total_Relationship_Count": ["5", "6"],
    "Months_Inactive_12_mon": ["1", "1"], "Contacts_Count_12_mon": ["3", "2"],
    "Credit_Limit": ["12691", "8256"], "Total_Revolving_Bal": ["777", "864"],
    "Avg_Open_To_Buy": ["11914", "7392"], "Total_Amt_Chng_Q4_Q1": ["1.335", "1.541"],
    "Total_Trans_Amt": ["1144", "1291"], "Total_Trans_Ct": ["42", "33"],
    "Total_Ct_Chng_Q4_Q1": ["1.625", "3.714"], "Avg_Utilization_Ratio": ["0.061", "0.105"],
})
KAGGLE_BANK = sample({
    "RowNumber": ["1", "2"], "CustomerId": ["15634602", "15647311"], "Surname": ["Hargrave", "Hill"],
    "CreditScore": ["619", "608"], "Geography": ["France", "Spain"], "Gender": ["Female", "Female"],
    "Age": ["42", "41"], "Tenure": ["2", "1"], "Balance": ["0", "83807.86"],
    "NumOfProducts": ["1", "1"], "HasCrCard": ["1", "0"], "IsActiveMember": ["1", "1"],
    "EstimatedSalary": ["101348.88", "112542.58"], "Exited": ["1", "0"],
})
CHINESE = sample({
    "客户编号": ["C0001", "C0002"], "省份": ["广东", "浙江"], "地市": ["广州", "杭州"],
    "在网时长": ["36", "7"], "月消费": ["88.5", "128"], "套餐": ["畅享 128", "5G 199"],
    "是否流失": ["否", "是"], "流失原因": ["", "资费"],
})
CHINESE_BSS = sample({
    "用户号码": ["13800000001", "13800000002"], "入网日期": ["2019-03-01", "2023-11-15"],
    "在网时长（月）": ["70", "11"], "月均消费(元)": ["56.0", "230.5"], "性别": ["男", "女"],
    "年龄": ["35", "52"], "离网标识": ["0", "1"], "流失概率": ["0.12", "0.83"],
})


@pytest.mark.parametrize("frame, expected", [
    (IBM_TELCO, {
        "customer_id": ("CustomerID",), "tenure_months": ("Tenure Months",),
        "churned": ("Churn Label",), "churn_reason": ("Churn Reason",),
        "arpu": ("Monthly Charges",), "province": ("State",), "city": ("City",),
        "plan": ("Internet Service",), "contract": ("Contract",),
        "payment_method": ("Payment Method",), "gender": ("Gender",)}),
    (KAGGLE_TELCO, {
        "customer_id": ("customerID",), "tenure_months": ("tenure",), "churned": ("Churn",),
        "arpu": ("MonthlyCharges",), "contract": ("Contract",),
        "payment_method": ("PaymentMethod",), "gender": ("gender",)}),
    (BIGML, {
        "tenure_months": ("Account length",), "churned": ("Churn",),
        "spend_m1": ("Total day charge", "Total eve charge", "Total night charge",
                     "Total intl charge"),
        "province": ("State",), "service_calls": ("Customer service calls",)}),
    (BIGML_ZH, {
        "tenure_months": ("在网天数",), "churned": ("是否流失",),
        "spend_m1": ("日间话费", "晚间话费", "夜间话费", "国际话费"),
        "province": ("州",), "service_calls": ("客服来电次数",)}),
    (BANK_CHURNERS, {
        "customer_id": ("CLIENTNUM",), "tenure_months": ("Months_on_book",),
        "churned": ("Attrition_Flag",), "age": ("Customer_Age",), "gender": ("Gender",)}),
    (KAGGLE_BANK, {
        "customer_id": ("CustomerId",), "tenure_months": ("Tenure",), "churned": ("Exited",),
        "age": ("Age",), "gender": ("Gender",)}),
    (CHINESE, {
        "customer_id": ("客户编号",), "tenure_months": ("在网时长",), "churned": ("是否流失",),
        "churn_reason": ("流失原因",), "arpu": ("月消费",), "province": ("省份",),
        "city": ("地市",), "plan": ("套餐",)}),
    (CHINESE_BSS, {
        "customer_id": ("用户号码",), "join_date": ("入网日期",),
        "tenure_months": ("在网时长（月）",), "churned": ("离网标识",),
        "arpu": ("月均消费(元)",), "age": ("年龄",), "gender": ("性别",)}),
], ids=["ibm-telco", "kaggle-telco", "bigml", "bigml-zh", "bank-churners", "kaggle-bank", "chinese",
        "chinese-bss"])
def test_real_header_sets_map_as_written_out(frame, expected):
    proposal = propose(list(frame.columns), frame)
    assert columns_of(proposal) == expected
    for guess in proposal.guesses.values():
        assert 0 < guess.confidence <= 1
        assert guess.reason_text("en") and guess.reason_text("zh")


def test_units_the_headers_state():
    # BigML's "Account length" is in days (a synonym with its unit); "在网时长（月）" says months,
    # the contract unit, so nothing converts.
    assert propose(list(BIGML.columns), BIGML).guesses["tenure_months"].source.unit == "days"
    assert propose(list(CHINESE_BSS.columns), CHINESE_BSS).guesses["tenure_months"].source.unit is None


def test_churn_flag_by_name_and_content():
    # Known name, flag values: the surest.
    flag = propose(["Exited"], sample({"Exited": ["1", "0", "0"]})).guesses["churned"]
    assert flag.confidence == CONFIDENCE["synonym_values"] and flag.params["values"] == "1 / 0"
    # A name that speaks of leaving, not a known synonym, with yes/no values.
    left = sample({"id": ["1", "2"], "Customer Left This Quarter": ["yes", "no"],
                   "Partner": ["yes", "no"]})
    guess = propose(list(left.columns), left).guesses["churned"]
    assert guess.source.columns == ("Customer Left This Quarter",)
    assert guess.reason == "mapping_reason_churn_name_values" and guess.confidence == 0.9
    assert "yes / no" in guess.reason_text("en") and "是/否" in guess.reason_text("zh")
    # Chinese name, 是/否 values.
    zh = sample({"本月是否退网": ["是", "否"]})
    assert columns_of(propose(["本月是否退网"], zh)) == {"churned": ("本月是否退网",)}
    # Two-valued but not a churn name: not the flag (content alone decides nothing).
    assert "churned" not in propose(["Partner"], sample({"Partner": ["Yes", "No"]})).guesses
    # A churn name that is a score or a probability is never the flag, whatever its values.
    scores = sample({"Churn Score": ["1", "0"], "流失概率": ["0", "1"]})
    assert "churned" not in propose(list(scores.columns), scores).guesses


def test_a_known_churn_name_with_non_flag_values_is_proposed_low_and_says_so():
    frame = sample({"Churn": ["Competitor", "Price", "Moved"]})
    guess = propose(["Churn"], frame).guesses["churned"]
    assert guess.confidence == CONFIDENCE["not_flag"]
    assert guess.reason_text("en") == ("“Churn” is a known name, but its values are not a yes/no "
                                       "flag (Competitor, Price, Moved): check it.")
    # ... and a churn-named flag column elsewhere in the file wins over it.
    both = sample({"Churn": ["Competitor", "Price"], "churn_yn": ["Y", "N"]})
    assert columns_of(propose(list(both.columns), both))["churned"] == ("churn_yn",)


def test_headers_alone_keep_the_synonym_rules_and_name_churn_at_lower_confidence():
    assert propose(["Exited"]).guesses["churned"].confidence == CONFIDENCE["synonym"]
    guess = propose(["Customer Left"]).guesses["churned"]
    assert guess.confidence == CONFIDENCE["churn_name_only"]
    assert auto_map(["Customer Left"]) == {"churned": FieldSource("churned", ("Customer Left",))}


@pytest.mark.parametrize("header, speaks", [
    ("Churn Value", True), ("churn_flag", True), ("Attrition_Flag", True), ("Exited", True),
    ("是否流失", True), ("离网标识", True), ("HasLeft", True), ("Churn Reason", False),
    ("Churn Score", False), ("Churn Date", False), ("Left_Handed_Risk", False), ("Partner", False),
    ("Months_Inactive_12_mon", False),
])
def test_speaks_of_churn(header, speaks):
    assert speaks_of_churn(header) is speaks


def test_outcome_files_use_the_same_matcher():
    # the bracketed-note pass of the shared matcher, applied to the outcome vocabulary
    assert outcomes.auto_map(["客户经理(工号)", "用户号码", "回访结果", "回访日期（YYYY-MM-DD）"]) == {
        "customer_id": "用户号码", "outcome": "回访结果", "outcome_date": "回访日期（YYYY-MM-DD）",
        "manager": "客户经理(工号)"}
    assert outcomes.VOCABULARY.index == Vocabulary.of(
        {f.name: f.synonyms for f in outcomes.FIELDS}).index


# --------------------------------------------------------------------------- any header set

HEADERS = st.lists(st.one_of(st.text(max_size=30), st.sampled_from(
    ["Churn", "churn", "Exited", "是否流失", "", " ", "Total day charge", "Total eve charge",
     "customerID", "tenure", "(", "（）", "@", "churn@days"])), max_size=25)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(headers=HEADERS, values=st.lists(st.text(max_size=12), min_size=1, max_size=4))
def test_no_header_set_raises(headers, values):
    """Any headers (unicode, duplicates, empty), with or without a sample of any values."""
    unique = list(dict.fromkeys(headers))
    frame = pl.DataFrame({h: [values[i % len(values)] for i in range(len(values))]
                          for h in unique}, schema={h: pl.String for h in unique})
    for proposal in (propose(headers), propose(headers, frame)):
        used = [c for g in proposal.guesses.values() for c in g.source.columns]
        assert len(used) == len(set(used))                 # no column feeds two fields
        assert set(used) <= set(headers)
        for field, guess in proposal.guesses.items():
            assert guess.source.field == field and 0 < guess.confidence <= 1
            assert t_text(guess.reason, "en", **guess.params)
    assert isinstance(match_headers(headers, outcomes.VOCABULARY), dict)


@given(st.one_of(st.none(), st.integers(), st.lists(st.one_of(st.integers(), st.none()))))
def test_headers_that_are_not_text_do_not_raise(headers):
    assert isinstance(propose(headers).guesses, dict)
