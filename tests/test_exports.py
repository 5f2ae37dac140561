"""Downloads cannot run as spreadsheet formulas, and keep Chinese text and numbers."""
import io

import polars as pl

from lib.common.exports import csv_bytes, xlsx_bytes

FRAME = pl.DataFrame({
    "name": ["=HYPERLINK(\"http://x\")", "+1-555", "-2", "@SUM(A1)", "\tx", "张三", "plain"],
    "spend": [1.5, -2.0, 3.0, 4.0, 5.0, 6.0, 7.0],
})


def test_csv_neutralises_formulas_and_keeps_numbers():
    data = csv_bytes(FRAME)
    assert data.startswith(b"\xef\xbb\xbf")
    back = pl.read_csv(io.BytesIO(data[3:]))
    assert back["name"].to_list()[:5] == ["'=HYPERLINK(\"http://x\")", "'+1-555", "'-2", "'@SUM(A1)", "'\tx"]
    assert back["name"].to_list()[5:] == ["张三", "plain"]
    assert back["spend"].to_list() == FRAME["spend"].to_list()


def test_xlsx_writes_text_not_formulas():
    back = pl.read_excel(io.BytesIO(xlsx_bytes(FRAME)))
    assert back["name"][0] == "'=HYPERLINK(\"http://x\")"
    assert back["name"][5] == "张三"
    assert back["spend"].to_list() == FRAME["spend"].to_list()
    import zipfile

    sheet = zipfile.ZipFile(io.BytesIO(xlsx_bytes(FRAME))).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet          # no formula cell anywhere


def test_identifiers_are_masked_unless_the_role_may_see_them():
    from lib.common.exports import mask_identifiers

    frame = pl.DataFrame({"customer_id": ["13812345678", "C0001234", "AB"], "spend": [1.0, 2.0, 3.0]})
    assert mask_identifiers(frame)["customer_id"].to_list() == ["138****5678", "C00***34", "A*"]
    assert mask_identifiers(frame, can_see=True)["customer_id"].to_list() == frame["customer_id"].to_list()
