"""Strings of the read-only Spark SQL store (lib.store.spark)."""
from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    "store_spark_not_published": (
        "No tables have been published to the Spark server {url} yet. Publish the store first: "
        "python -m lib.publish <duckdb file> <hive URL> <shared folder>.",
        "Spark 服务器 {url} 上尚未发布数据表。请先发布：python -m lib.publish <duckdb 文件> <hive 地址> <共享目录>。"),
    "store_spark_schema_old": (
        "The tables on the Spark server have schema version {found}, older than this program's "
        "({known}). Publish the store again.",
        "Spark 服务器上的数据表结构版本为 {found}，低于本程序的 {known}。请重新发布。"),
    "store_spark_read_only": (
        "This store is a read-only copy on Spark SQL: imports, rule and offer edits, model "
        "training and logged exports are done on the DuckDB or PostgreSQL store, which is then "
        "published again (python -m lib.publish).",
        "当前数据库是 Spark SQL 上的只读副本：导入、规则和优惠修改、模型训练以及需记录的导出请在 DuckDB "
        "或 PostgreSQL 数据库中进行，然后重新发布（python -m lib.publish）。"),
}
