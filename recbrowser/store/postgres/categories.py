"""The filter bar's category values (queue, sentiment) in the team archive: store/api.py's
`category_values`. Row-level security limits them to the accounts the login may see."""

from __future__ import annotations

import psycopg

CATEGORIES = ("queue", "sentiment")


def category_values(conn: psycopg.Connection) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for column in CATEGORIES:  # a name from the tuple above, never user input
        rows = conn.execute(f"SELECT DISTINCT {column} FROM calls WHERE {column} > ''")
        out[column] = sorted((r[0] for r in rows), key=str.casefold)
    return out
