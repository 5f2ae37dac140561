"""Strings of reading, mapping and validating imported files.

Keys are the ``code`` / ``hint_code`` of ``lib.ingest.IngestError`` and the ``code`` column of the
validation report. Fields: ``{file}`` file name; ``{column}`` source header(s); ``{field}``
contract field; ``{today}``, ``{earliest}``, ``{snapshot}`` dates; ``{low}``, ``{high}`` bounds.
A problem sentence ends with a full stop so that "problem. hint" reads well.
"""
from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    # ---------------------------------------------------------------- file-level refusals
    "ingest_empty_file": (
        "{file} is empty (no bytes or only blank lines).",
        "{file} 是空文件（没有内容或只有空行）。"),
    "ingest_binary_file": (
        "{file} is not a table: its content looks like binary data.",
        "{file} 不是表格：内容看起来是二进制数据。"),
    "ingest_unsupported_format": (
        "{file} is a {kind} file, which cannot be read as a table.",
        "{file} 是 {kind} 文件，无法作为表格读取。"),
    "ingest_unreadable_encoding": (
        "{file}: the text encoding could not be recognised.",
        "{file}：无法识别文本编码。"),
    "ingest_unreadable": (
        "{file} could not be read ({detail}).",
        "无法读取 {file}（{detail}）。"),
    "ingest_unreadable_workbook": (
        "{file} looks like a workbook or zip archive but could not be opened as a spreadsheet "
        "({detail}).",
        "{file} 看起来是工作簿或压缩包，但无法作为电子表格打开（{detail}）。"),
    "ingest_sheet_not_found": (
        "{file} has no sheet named '{sheet}'. Its sheets are: {sheets}.",
        "{file} 中没有名为“{sheet}”的工作表。现有工作表：{sheets}。"),
    "ingest_sheet_empty": (
        "Sheet '{sheet}' of {file} is empty.",
        "{file} 的工作表“{sheet}”是空的。"),
    "ingest_no_header": (
        "{file} has no header row: the first row ({first}) looks like data, not column names.",
        "{file} 没有表头行：第一行（{first}）看起来是数据而不是列名。"),
    "ingest_header_blank": (
        "{file}: the first row is empty, so the columns have no names.",
        "{file}：第一行为空，各列没有列名。"),
    "ingest_no_rows": (
        "{file} has a header but no data rows.",
        "{file} 只有表头，没有数据行。"),
    "ingest_missing_fields": (
        "{file}: required data not found: {groups} (at least one field of each group). "
        "Columns in the file: {columns}.",
        "{file}：缺少必需的数据：{groups}（每组至少需要一个字段）。文件中的列：{columns}。"),
    "ingest_snapshot_required": (
        "{file} has no snapshot date column and no snapshot date was given.",
        "{file} 没有快照日期列，导入时也没有指定快照日期。"),
    "ingest_mapped_column_missing": (
        "{file}: column '{column}' mapped to {field} is not in the file.",
        "{file}：映射到 {field} 的列“{column}”不在文件中。"),
    "ingest_bad_date_argument": (
        "{file}: the {what} given ('{value}') is not a date.",
        "{file}：指定的 {what}（“{value}”）不是日期。"),
    "ingest_nothing_accepted": (
        "No row of {file} passed validation, so nothing was stored.",
        "{file} 中没有任何一行通过校验，因此未保存任何数据。"),
    "ingest_internal_error": (
        "{file} could not be validated because of an unexpected problem ({detail}).",
        "由于意外问题，无法校验 {file}（{detail}）。"),
    # ---------------------------------------------------------------- mapping syntax
    "ingest_map_syntax": (
        "The mapping '{text}' cannot be read.",
        "无法解析映射“{text}”。"),
    "ingest_map_unknown_field": (
        "'{field}' is not a field of the data contract.",
        "“{field}”不是数据规范中的字段。"),
    "ingest_map_bad_unit": (
        "Unit '{unit}' is not allowed for {field}.",
        "{field} 不支持单位“{unit}”。"),
    "ingest_map_sum_not_numeric": (
        "{field} is not a number field, so it cannot be the sum of several columns ({columns}).",
        "{field} 不是数值字段，不能由多列相加（{columns}）。"),
    "ingest_map_invalid": (
        "The column mapping is not valid ({detail}).",
        "列映射无效（{detail}）。"),
    # ---------------------------------------------------------------- hints
    "ingest_too_big": (
        "{file} is {size_mb} MB: importing it needs about {need_gb} GB of memory and this server has "
        "{free_gb} GB free (a text file up to about {fits_mb} MB fits now).",
        "{file} 大小为 {size_mb} MB：导入约需 {need_gb} GB 内存，而本服务器仅剩 {free_gb} GB 可用"
        "（目前约 {fits_mb} MB 以内的文本文件可以导入）。"),
    "ingest_hint_memory": (
        "Import it when more memory is free, or on a server with more memory (the import holds "
        "about 16 times the file's size while it validates every row).",
        "请在内存更充裕时导入，或在内存更大的服务器上导入（校验每一行时约占用文件大小 16 倍的内存）。"),
    "ingest_hint_formats": (
        "Save the data as CSV (UTF-8), XLSX or Parquet and upload it again.",
        "请将数据另存为 CSV（UTF-8）、XLSX 或 Parquet 后重新上传。"),
    "ingest_hint_choose_file": (
        "Check that you chose the exported data file and upload it again.",
        "请确认选择的是导出的数据文件，然后重新上传。"),
    "ingest_hint_encoding": (
        "Save the file as 'CSV UTF-8' (Excel/WPS: Save As → CSV UTF-8) and upload it again.",
        "请将文件另存为“CSV UTF-8”（Excel/WPS：另存为 → CSV UTF-8）后重新上传。"),
    "ingest_hint_workbook": (
        "Open it in Excel or WPS and save it as .xlsx or CSV UTF-8; if it is a zip archive, "
        "extract the data file first.",
        "请用 Excel 或 WPS 打开并另存为 .xlsx 或 CSV UTF-8；如果是压缩包，请先解压出数据文件。"),
    "ingest_hint_sheet": (
        "Choose a sheet that holds the customer rows.",
        "请选择包含客户数据行的工作表。"),
    "ingest_hint_header": (
        "Add a first row with the column names (for example customer_id, join_date, churned, "
        "arpu).",
        "请在第一行加上列名（例如 客户ID、入网时间、是否流失、月均消费）。"),
    "ingest_hint_missing_fields": (
        'Choose a column for each group in the column mapping above, or rename the headers. Recognised names: {synonyms}.',
        '请在上方的字段映射中为每组选择一列，或修改表头。可识别的列名：{synonyms}。'),
    "ingest_hint_missing_fields_cli": (
        "Map a column to each group (--map 'SOURCE=FIELD' or the mapping table) or rename the "
        "headers. Recognised names: {synonyms}.",
        "请为每组映射一列（--map '源列=字段' 或映射表），或修改表头。可识别的列名：{synonyms}。"),
    "ingest_hint_snapshot": (
        'Give the snapshot date in the date box, or map a column such as {synonyms}.',
        '请在日期框中指定快照日期，或映射一列，例如 {synonyms}。'),
    "ingest_hint_snapshot_cli": (
        "Give the snapshot date at import (--snapshot-date YYYY-MM-DD or the date box), or map a "
        "column such as {synonyms}.",
        "请在导入时指定快照日期（--snapshot-date YYYY-MM-DD 或日期框），或映射一列，例如 {synonyms}。"),
    "ingest_hint_columns": (
        "Check the spelling; the file's columns are: {columns}.",
        "请检查拼写；文件中的列为：{columns}。"),
    "ingest_hint_map_syntax": (
        "Write SOURCE=FIELD[@unit], for example 'Account length=tenure_months@days' or "
        "'Total day charge+Total eve charge=spend_m1'.",
        "请写成 源列=字段[@单位]，例如“在网天数=tenure_months@days”或“通话费+流量费=spend_m1”。"),
    "ingest_hint_fields": (
        "Use one of: {fields}.",
        "请使用以下字段之一：{fields}。"),
    "ingest_hint_units": (
        "Units allowed for {field}: {units}.",
        "{field} 可用的单位：{units}。"),
    "ingest_hint_date_format": (
        "Write dates as YYYY-MM-DD.",
        "日期请写成 YYYY-MM-DD。"),
    "ingest_hint_fix_report": (
        "Download the problem report, correct the rejected rows (or the column mapping) and "
        "import the file again.",
        "请下载问题报告，修正被拒绝的行（或列映射）后重新导入文件。"),
    "ingest_hint_snapshot_date": (
        "Give the date the rows describe (YYYY-MM-DD), usually the last day of the exported month.",
        "请填写这些数据所描述的日期（YYYY-MM-DD），通常是导出月份的最后一天。"),
    "ingest_hint_nul": (
        "Export the file again from its source system (the rows named in the report hold the "
        "damaged bytes) and import the new copy.",
        "请从源系统重新导出该文件（报告中列出的行含有损坏的字节），然后导入新文件。"),
    "ingest_snapshot_date_out_of_range": (
        "{file}: the snapshot date {snapshot} is outside the accepted range {earliest} to "
        "{latest} (at most a year after today).",
        "{file}：快照日期 {snapshot} 超出可接受范围 {earliest} 至 {latest}（最晚为今天起一年内）。"),
    "ingest_nul_refused": (
        "{file} was not imported: {count:,} row(s) hold a NUL byte, which is no character of any "
        "text (rows {rows}…). The file is damaged or not plain text.",
        "{file} 未导入：{count:,} 行含有 NUL 字节（不属于任何文本字符，行 {rows}…）。文件已损坏或不是纯文本。"),
    "ingest_hint_report": (
        "Please send the file and this message to the administrator.",
        "请将该文件和此消息发送给管理员。"),
    # ---------------------------------------------------------------- file-level warnings
    "ingest_encoding_guessed": (
        "{file}: the text encoding was guessed as {encoding}; check that names read correctly.",
        "{file}：文本编码推测为 {encoding}，请检查文字是否显示正确。"),
    "ingest_title_rows_skipped": (
        "{count} title row(s) above the header were skipped.",
        "已跳过表头上方的 {count} 行标题。"),
    "ingest_ragged_rows": (
        "Some rows have more values than the {columns} header columns; the extra values were "
        "left out.",
        "部分行的值多于表头的 {columns} 列；多出的值已忽略。"),
    "ingest_quotes_ignored": (
        "{file} has an unbalanced double quote; quotes were read as ordinary characters.",
        "{file} 中的双引号不成对；引号已按普通字符读取。"),
    "ingest_other_sheets": (
        "Read sheet '{sheet}'; the workbook also has: {others}.",
        "已读取工作表“{sheet}”；工作簿中还有：{others}。"),
    "ingest_column_dropped": (
        "Column '{column}' ({dtype}) cannot be read as text and was left out.",
        "列“{column}”（{dtype}）无法转为文本，已忽略。"),
    "ingest_blank_header": (
        "Column {position} has no name; it is called '{renamed}'.",
        "第 {position} 列没有列名，已命名为“{renamed}”。"),
    "ingest_duplicate_header": (
        "Column name '{header}' appears more than once; the repeat is called '{renamed}'.",
        "列名“{header}”出现多次，重复的列已命名为“{renamed}”。"),
    "ingest_ids_generated": (
        "The file has no customer id column: ids R0000001, R0000002, … were made from the row "
        "numbers.",
        "文件中没有客户ID列：已按行号生成 R0000001、R0000002 … 作为客户ID。"),
    # ---------------------------------------------------------------- plausibility (lib.ingest.plausibility)
    "ingest_tenure_unit_values": (
        '{column} (tenure_months) is read as {unit}: values {low}–{high}, median {median}, 99th percentile {longest}, so 99 % of customers would have at most {longest_months} months of tenure, outside the {band_low}–{band_high} months a customer base plausibly spans. Read as {suggested} it would be {suggested_months} months. If the column is in {suggested}, choose that tenure unit in the box “Unit of the tenure column” before importing.',
        '{column}（tenure_months）按{unit}读取：取值 {low}–{high}，中位数 {median}，第 99 百分位数 {longest}，即 99% 的客户在网时长不超过 {longest_months} 个月，超出客户群合理的 {band_low}–{band_high} 个月。若按{suggested}读取则为 {suggested_months} 个月。如果该列的单位是{suggested}，请在导入前在“在网时长列的单位”框中选择该单位。'),
    "ingest_tenure_unit_values_cli": (
        "{column} (tenure_months) is read as {unit}: values {low}–{high}, median {median}, 99th "
        "percentile {longest}, so 99 % of customers would have at most {longest_months} months "
        "of tenure, outside the {band_low}–{band_high} months a customer base plausibly spans. "
        "Read as {suggested} it would be {suggested_months} months. If the column is in "
        "{suggested}, choose that tenure unit before importing (Data page, or --tenure-unit "
        "{suggested_code}).",
        "{column}（tenure_months）按{unit}读取：取值 {low}–{high}，中位数 {median}，第 99 百分位数 "
        "{longest}，即 99% 的客户在网时长不超过 {longest_months} 个月，超出客户群合理的 "
        "{band_low}–{band_high} 个月。若按{suggested}读取则为 {suggested_months} 个月。如果该列的单位是"
        "{suggested}，请在导入前选择该在网时长单位（数据页，或 --tenure-unit {suggested_code}）。"),
    "ingest_tenure_unit_header": (
        'The header {column} names {stated}, but the column is read as {unit} (values {low}–{high}, median {median}). Choose the tenure unit {stated} in the box “Unit of the tenure column” before importing, or keep {unit} if the header is wrong.',
        '表头 {column} 写明单位为{stated}，但该列按{unit}读取（取值 {low}–{high}，中位数 {median}）。请在导入前在“在网时长列的单位”框中选择“{stated}”；如果表头有误，可保留“{unit}”。'),
    "ingest_tenure_unit_header_cli": (
        "The header {column} names {stated}, but the column is read as {unit} (values "
        "{low}–{high}, median {median}). Choose the tenure unit {stated} before importing "
        "(Data page, or --tenure-unit {stated_code}), or keep {unit} if the header is wrong.",
        "表头 {column} 写明单位为{stated}，但该列按{unit}读取（取值 {low}–{high}，中位数 {median}）。"
        "请在导入前选择在网时长单位“{stated}”（数据页，或 --tenure-unit {stated_code}）；如果表头有误，"
        "可保留“{unit}”。"),
    "ingest_spend_implausible": (
        "{column} ({field}) has a median of {median} a month, more than {multiple} times the "
        "top star tier's threshold ({top}), i.e. above {ceiling}. It may be a balance, a salary "
        "or a yearly figure rather than monthly spend: map a monthly spend column instead (or "
        "convert a yearly figure to months) before importing.",
        "{column}（{field}）的月中位数为 {median}，超过最高星级门槛（{top}）的 {multiple} 倍，即高于 "
        "{ceiling}。它可能是余额、工资或年度金额，而不是月消费：请在导入前改为映射月消费列"
        "（或把年度金额换算为月度）。"),
    "ingest_spend_named_like_balance": (
        "{column} ({field}) is named like a balance, a salary or an income, not a monthly "
        "spend (median {median} a month; the top star tier starts at {top}). Map a monthly "
        "spend column instead before importing, unless it really is the monthly spend.",
        "{column}（{field}）的列名像是余额、工资或收入，而不是月消费（月中位数 {median}；最高星级门槛为 "
        "{top}）。除非它确实是月消费，否则请在导入前改为映射月消费列。"),
    "ingest_ids_scientific": (
        "{count:,} ids in {column} are written in scientific notation (such as {example}): a "
        "spreadsheet's rendering of a long number, which has lost the id's last digits, so "
        "different customers may look alike or alike ones different. Export the ids as text.",
        "{column} 中有 {count:,} 个ID以科学计数法书写（例如 {example}）：这是电子表格对长数字的显示形式，"
        "已丢失ID的末几位，不同客户可能被视为同一人或相反。请将ID导出为文本。"),
    "ingest_ids_beyond_spreadsheet_digits": (
        "{count:,} ids in {column} are numbers of more than {digits} digits: a spreadsheet keeps "
        "only {digits} significant digits of a number cell, so their last digits may be lost. "
        "Store the ids as text in the workbook (or export a CSV).",
        "{column} 中有 {count:,} 个ID是超过 {digits} 位的数字：电子表格的数字单元格只保留 {digits} 位有效数字，"
        "末几位可能已丢失。请在工作簿中将ID存为文本（或导出CSV）。"),
    "ingest_snapshot_in_future": (
        "The snapshot date {snapshot} is after today ({today}, {days} days ahead): the rows "
        "would describe a day that has not come yet. Check the snapshot date before importing.",
        "快照日期 {snapshot} 晚于今天（{today}，提前 {days} 天）：这些数据将描述尚未到来的日期。"
        "请在导入前检查快照日期。"),
    "ingest_unit_months": ("months", "月"),
    "ingest_unit_years": ("years", "年"),
    "ingest_unit_days": ("days", "天"),
    "ingest_tenure_unit_unmapped": (
        '{file}: a tenure unit was given but no column is mapped to tenure_months.',
        '{file}：指定了在网时长单位，但没有列映射到 tenure_months。'),
    "ingest_tenure_unit_unmapped_cli": (
        "{file}: --tenure-unit was given but no column is mapped to tenure_months.",
        "{file}：指定了 --tenure-unit，但没有列映射到 tenure_months。"),
    "ingest_hint_tenure_unit": (
        'Choose the tenure column in the column mapping first.',
        '请先在字段映射中选择在网时长列。'),
    "ingest_hint_tenure_unit_cli": (
        "Map the tenure column (--map 'COLUMN=tenure_months'), or leave out --tenure-unit.",
        "请映射在网时长列（--map '列名=tenure_months'），或去掉 --tenure-unit。"),
    # ---------------------------------------------------------------- row problems
    "ingest_blank_row": (
        "The row is empty; it is left out.",
        "该行为空，已忽略。"),
    "ingest_id_blank": (
        "The customer id ({column}) is blank; the row is rejected.",
        "客户ID（{column}）为空，该行被拒绝。"),
    "ingest_duplicate_id": (
        "The customer id ({column}) repeats an earlier row of the same snapshot; the first row "
        "is kept.",
        "客户ID（{column}）与同一快照的前面某行重复，保留第一行。"),
    "ingest_snapshot_missing": (
        "The row has no snapshot date and none was given at import; the row is rejected.",
        "该行没有快照日期，导入时也未指定，该行被拒绝。"),
    "ingest_not_a_number": (
        "Not a number in {column} ({field}).",
        "{column}（{field}）中的值不是数字。"),
    "ingest_not_a_whole_number": (
        "Not a whole number in {column} ({field}).",
        "{column}（{field}）中的值不是整数。"),
    "ingest_not_a_boolean": (
        "Not a yes/no value in {column} ({field}); use Yes/No, 1/0, 是/否, TRUE/FALSE.",
        "{column}（{field}）中的值不是是/否；请使用 是/否、1/0、Yes/No、TRUE/FALSE。"),
    "ingest_not_a_date": (
        "Not a date in {column} ({field}); use YYYY-MM-DD.",
        "{column}（{field}）中的值不是日期；请使用 YYYY-MM-DD。"),
    "ingest_date_ambiguous": (
        "The date in {column} ({field}) could be day-first or month-first; write it as "
        "YYYY-MM-DD.",
        "{column}（{field}）中的日期无法确定日/月顺序；请写成 YYYY-MM-DD。"),
    "ingest_text_too_long": (
        "The value in {column} is longer than {max_chars:,} characters: it was left out (a "
        "customer id that long rejects the row).",
        "{column} 中的值超过 {max_chars:,} 个字符：已被舍弃（如果是客户ID，则该行被拒绝）。"),
    "ingest_nul_byte": (
        "{column} holds a NUL byte (shown as ␀), which is no character of any text: the row is "
        "rejected and the file is not imported.",
        "{column} 含有 NUL 字节（显示为 ␀），它不属于任何文本字符：该行被拒绝，文件不会被导入。"),
    "ingest_line_encoding_differs": (
        "This row is written in {line_encoding} while the rest of the file is {encoding}: it was "
        "read as {line_encoding}. Check that its names read correctly.",
        "该行使用 {line_encoding} 编码，而文件其余部分为 {encoding}：已按 {line_encoding} 读取。"
        "请检查其中的文字是否显示正确。"),
    "ingest_date_out_of_range": (
        "The date in {column} ({field}) is before {earliest} or after {today}.",
        "{column}（{field}）中的日期早于 {earliest} 或晚于 {today}。"),
    "ingest_join_after_snapshot": (
        "The join date in {column} is after the snapshot date (negative tenure).",
        "{column} 中的入网日期晚于快照日期（在网时长为负）。"),
    "ingest_churn_after_snapshot": (
        "The churn date in {column} is after the snapshot date.",
        "{column} 中的流失日期晚于快照日期。"),
    "ingest_negative_spend": (
        "Negative spend in {column} ({field}).",
        "{column}（{field}）中的消费为负数。"),
    "ingest_negative_value": (
        "Negative value in {column} ({field}).",
        "{column}（{field}）中的值为负数。"),
    "ingest_value_out_of_range": (
        "The value in {column} ({field}) is outside {low}–{high}.",
        "{column}（{field}）中的值超出 {low}–{high} 的范围。"),
    "ingest_bad_churn_type": (
        "Unknown churn type in {column}; use switch, downgrade, value_decline, involuntary or "
        "unknown (转网, 降档, 价值下降, 欠费停机).",
        "{column} 中的流失类型无法识别；请使用 转网、降档、价值下降、欠费停机 或 switch、downgrade、"
        "value_decline、involuntary、unknown。"),
    "ingest_tenure_missing": (
        "No usable tenure: {column} is blank.",
        "没有可用的在网时长：{column} 为空。"),
    "ingest_churn_missing": (
        "No usable churn indicator: {column} is blank.",
        "没有可用的流失标志：{column} 为空。"),
    "ingest_spend_missing": (
        "No usable spend: {column} is blank.",
        "没有可用的消费金额：{column} 为空。"),
    # ---------------------------------------------------------------- labels for the Data page
    "ingest_severity_error": ("rejected", "已拒绝"),
    "ingest_severity_warning": ("value blanked", "值已清空"),
    "ingest_rows_summary": (
        "{read} rows read: {accepted} accepted, {rejected} rejected.",
        "读取 {read} 行：接受 {accepted} 行，拒绝 {rejected} 行。"),
}
