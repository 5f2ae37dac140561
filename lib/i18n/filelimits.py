"""Strings of the limits on what an uploaded file may make the reader build (``lib.ingest.read_limits``)
and of the reading worker (``lib.ingest.read_worker``). Keys are ``IngestError`` codes."""
from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    "ingest_too_many_columns": (
        "{file} has {columns:,} columns; at most {max_columns:,} are read.",
        "{file} 有 {columns:,} 列；最多读取 {max_columns:,} 列。"),
    "ingest_too_many_cells": (
        "{file} holds {rows:,} rows × {columns:,} columns ({cells:,} cells); at most {max_cells:,} "
        "cells are read from a workbook or a Parquet/Arrow file.",
        "{file} 含 {rows:,} 行 × {columns:,} 列（{cells:,} 个单元格）；工作簿或 Parquet/Arrow 文件"
        "最多读取 {max_cells:,} 个单元格。"),
    "ingest_table_too_big_for_memory": (
        "{file} holds {rows:,} rows × {columns:,} columns: importing it needs about {need_gb} GB of "
        "memory and this server has {free_gb} GB free.",
        "{file} 含 {rows:,} 行 × {columns:,} 列：导入约需 {need_gb} GB 内存，而本服务器仅剩 "
        "{free_gb} GB 可用。"),
    "ingest_part_too_big": (
        "{file} unpacks to more than it may: its part {part} is {size_mb:,} MB uncompressed (at most "
        "{max_mb:,} MB).",
        "{file} 解压后过大：其中的 {part} 解压后为 {size_mb:,} MB（最多 {max_mb:,} MB）。"),
    "ingest_sheet_declares_too_much": (
        "Sheet “{sheet}” of {file} declares the range {range} ({rows:,} rows × {columns:,} columns); "
        "at most {max_rows:,} rows, {max_columns:,} columns and {max_cells:,} cells are read.",
        "{file} 的工作表“{sheet}”声明的区域为 {range}（{rows:,} 行 × {columns:,} 列）；最多读取 "
        "{max_rows:,} 行、{max_columns:,} 列、{max_cells:,} 个单元格。"),
    "ingest_sheet_spans_too_much": (
        "Sheet “{sheet}” of {file} has cells spanning {rows:,} rows × {columns:,} columns; at most "
        "{max_rows:,} rows, {max_columns:,} columns and {max_cells:,} cells are read.",
        "{file} 的工作表“{sheet}”中的单元格跨越 {rows:,} 行 × {columns:,} 列；最多读取 "
        "{max_rows:,} 行、{max_columns:,} 列、{max_cells:,} 个单元格。"),
    "ingest_cell_too_big": (
        "{file} has a cell holding more than {size_kb:,} KB of text; a cell may hold at most about "
        "{max_kb:,} KB (Excel itself stops at 32,767 characters).",
        "{file} 中有单元格的文本超过 {size_kb:,} KB；单元格最多约 {max_kb:,} KB"
        "（Excel 本身限制为 32,767 个字符）。"),
    "ingest_hint_limits": (
        "Remove stray cells far outside the table (Ctrl+End in Excel shows the last one), split "
        "the file, or save it as CSV.",
        "请删除表格范围之外的零散单元格（在 Excel 中按 Ctrl+End 可找到最后一个），拆分文件，"
        "或另存为 CSV。"),
    "ingest_reader_crashed": (
        "{file} made the file reader stop abnormally ({detail}); nothing was stored.",
        "读取 {file} 时读取程序异常终止（{detail}）；未保存任何内容。"),
    "ingest_reader_out_of_memory": (
        "{file} needed more than the {limit_gb} GB of memory a file may use while it is read; "
        "nothing was stored.",
        "读取 {file} 所需内存超过单个文件允许的 {limit_gb} GB；未保存任何内容。"),
    "ingest_reader_timeout": (
        "{file} took more than {seconds} seconds to read and was stopped; nothing was stored.",
        "读取 {file} 超过 {seconds} 秒，已停止；未保存任何内容。"),
    "ingest_hint_reader": (
        "Check the file in Excel, save it again as XLSX or CSV, or split it, then upload it again.",
        "请在 Excel 中检查文件，另存为 XLSX 或 CSV，或拆分后重新上传。"),
}
