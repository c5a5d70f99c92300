"""Grow a fixture library to a large one (100,000 assets by default), for benchmarks.

Every asset row of a fixture library is copied, round after round, with a new UUID and new
hashes, together with the rows that hang off it (attributes, resources, album and keyword
links), so both Photos' tables and osxphotos see a library of the asked size. Media files are
shared: the copies point at the fixture's originals. Only ever run on a temporary copy.

    python -m bench.inflate --assets 100000 OUT_DIR
"""

from __future__ import annotations

import argparse
import random
import re
import sqlite3
import uuid
from contextlib import closing
from pathlib import Path

from tests.support.fixtures import copy_library, open_for_edit

DEFAULT_SOURCE = "Test-26.1.photoslibrary"

# ZASSET columns that point at a row of another per-asset table.
ASSET_POINTERS = {
    "ZADDITIONALATTRIBUTES": "ZADDITIONALASSETATTRIBUTES",
    "ZEXTENDEDATTRIBUTES": "ZEXTENDEDATTRIBUTES",
    "ZCOMPUTEDATTRIBUTES": "ZCOMPUTEDASSETATTRIBUTES",
    "ZMEDIAANALYSISATTRIBUTES": "ZMEDIAANALYSISASSETATTRIBUTES",
    "ZPHOTOANALYSISATTRIBUTES": "ZPHOTOANALYSISASSETATTRIBUTES",
    "ZCOMPUTESYNCATTRIBUTES": "ZCOMPUTESYNCATTRIBUTES",
}
UNIQUE_TEXT = re.compile(r"(UUID|HASH|FINGERPRINT|GUID)$")
KEPT_GROUPS = {"ZAVALANCHEUUID", "ZMEDIAGROUPUUID"}  # shared within a round, not per asset


def _columns(db: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in db.execute(f"PRAGMA table_info({table})")]


def _tables(db: sqlite3.Connection) -> list[str]:
    return [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]


def _base(db: sqlite3.Connection, table: str) -> int:
    return int(db.execute(f"SELECT COALESCE(MAX(Z_PK), 0) + 1 FROM {table}").fetchone()[0])


def _expression(table: str, column: str, offsets: dict[str, str], asset_table: str) -> str:
    if column == "Z_PK":
        return f"Z_PK + {offsets[table]}"
    if table == asset_table and column in ASSET_POINTERS and ASSET_POINTERS[column] in offsets:
        return f"{column} + {offsets[ASSET_POINTERS[column]]}"
    if column in ("ZASSET", "ZASSETFORFACE") and table != asset_table:
        return f"{column} + {offsets[asset_table]}"
    if re.fullmatch(r"Z_(FOK_)?\d+ASSETS", column):
        return f"{column} + {offsets[asset_table]}"
    if re.fullmatch(r"Z_\d+ASSETATTRIBUTES", column) and "ZADDITIONALASSETATTRIBUTES" in offsets:
        return f"{column} + {offsets['ZADDITIONALASSETATTRIBUTES']}"
    if column in KEPT_GROUPS:
        return f"CASE WHEN {column} IS NULL THEN NULL ELSE {column} || ':round' || :round END"
    if UNIQUE_TEXT.search(column):
        return f"CASE WHEN {column} IS NULL THEN NULL ELSE new_id() END"
    return column


def inflate(library: Path, assets: int, seed: int = 1, source_uuid: str | None = None) -> int:
    """Grow the library database in place to ``assets`` assets; returns the final count.

    Every asset is copied round after round, or, with ``source_uuid``, that one asset.
    """
    rng = random.Random(f"{seed}:{source_uuid}")  # distinct ids for each source's copies
    with closing(open_for_edit(library)) as db:
        db.create_function("new_id", 0, lambda: str(uuid.UUID(int=rng.getrandbits(128))).upper())
        tables = _tables(db)
        asset_table = "ZASSET" if "ZASSET" in tables else "ZGENERICASSET"
        children = [
            t
            for t in tables
            if t != asset_table
            and {"ZASSET", "ZASSETFORFACE"} & set(_columns(db, t))
            and "Z_PK" in _columns(db, t)
        ]
        links = [
            t
            for t in tables
            if t.startswith("Z_")
            and "Z_PK" not in _columns(db, t)
            and any(re.fullmatch(r"Z_\d+(ASSETS|ASSETATTRIBUTES)", c) for c in _columns(db, t))
        ]
        base = {t: _base(db, t) for t in [asset_table, *children]}
        total = int(db.execute(f"SELECT COUNT(*) FROM {asset_table}").fetchone()[0])
        if source_uuid is None:
            original = total
            first_pk = int(db.execute(f"SELECT MIN(Z_PK) FROM {asset_table}").fetchone()[0])
        else:
            original = 1
            first_pk = int(
                db.execute(
                    f"SELECT Z_PK FROM {asset_table} WHERE ZUUID = ?", (source_uuid,)
                ).fetchone()[0]
            )
        round_ = 0
        while total < assets:
            round_ += 1
            offsets = {t: str(base[t] * round_) for t in base}
            take = min(original, assets - total)
            last_pk = db.execute(
                f"SELECT Z_PK FROM {asset_table} WHERE Z_PK >= ? AND Z_PK < ?"
                " ORDER BY Z_PK LIMIT 1 OFFSET ?",
                (first_pk, base[asset_table], take - 1),
            ).fetchone()[0]
            for table in [asset_table, *children, *links]:
                columns = _columns(db, table)
                select = ", ".join(_expression(table, c, offsets, asset_table) for c in columns)
                where = _originals_of_round(table, columns, asset_table, base, offsets)
                db.execute(
                    f"INSERT INTO {table} ({', '.join(columns)}) SELECT {select} FROM {table}"
                    f" WHERE {where}",
                    {"round": round_, "first": first_pk, "last": last_pk},
                )
            total += take
        db.commit()
        return int(db.execute(f"SELECT COUNT(*) FROM {asset_table}").fetchone()[0])


def _originals_of_round(
    table: str,
    columns: list[str],
    asset_table: str,
    base: dict[str, int],
    offsets: dict[str, str],
) -> str:
    """The fixture's own rows of ``table`` that belong to this round's assets."""
    if table == asset_table:
        return "Z_PK BETWEEN :first AND :last"
    for column in columns:
        if column in ("ZASSET", "ZASSETFORFACE") or re.fullmatch(r"Z_\d+ASSETS", column):
            own = f"Z_PK < {base[table]} AND " if table in base else ""
            return f"{own}{column} BETWEEN :first AND :last"
    column = next(c for c in columns if re.fullmatch(r"Z_\d+ASSETATTRIBUTES", c))
    attributes = "ZADDITIONALASSETATTRIBUTES"
    return (
        f"{column} < {base[attributes]} AND {column} + {offsets[attributes]}"
        f" IN (SELECT Z_PK FROM {attributes})"
    )


def make_large_library(destination: Path, assets: int, source: str = DEFAULT_SOURCE) -> Path:
    library = copy_library(source, destination)
    inflate(library, assets)
    return library


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("destination", type=Path)
    parser.add_argument("--assets", type=int, default=100_000)
    parser.add_argument("--source", default=DEFAULT_SOURCE)
    args = parser.parse_args()
    library = make_large_library(args.destination, args.assets, args.source)
    print(library)


if __name__ == "__main__":
    main()
