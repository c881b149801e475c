"""The filter bar's category values (queue, sentiment) in the team archive: store/api.py's
`category_values`. A column the archive's schema does not have yet gives no values."""

from __future__ import annotations

import psycopg

CATEGORIES = ("queue", "sentiment")


def category_values(conn: psycopg.Connection) -> dict[str, list[str]]:
    present = {r[0] for r in conn.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
        "AND table_name = 'calls' AND column_name = ANY(%s)", (list(CATEGORIES),))}
    out: dict[str, list[str]] = {}
    for column in CATEGORIES:  # a name from the tuple above, never user input
        rows = conn.execute(f"SELECT DISTINCT {column} FROM calls WHERE {column} > ''") if column in present else []
        out[column] = sorted((r[0] for r in rows), key=str.casefold)
    return out
