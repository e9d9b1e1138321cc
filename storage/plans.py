"""The database's plan for a query (SQLite's EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN), as text.

For the tests and benchmarks that check a query reads through its index rather
than a scan of the table."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from sqlalchemy.sql import Executable


def query_plan(connection: Connection, statement: Executable) -> str:
    compiled: Any = statement.compile(bind=connection, compile_kwargs={"render_postcompile": True})
    if connection.dialect.name == "sqlite":
        params = tuple(compiled.params[name] for name in compiled.positiontup)
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", params).all()
        return "\n".join(str(row[-1]) for row in rows)
    rows = connection.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).all()
    return "\n".join(str(row[0]) for row in rows)
