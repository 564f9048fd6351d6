"""Write (or, with ``--check``, compare) ``medisup/tables.py``: the tables of
``medisup/models.py`` as plain SQLAlchemy Core, for the read commands that need no ORM.

    python scripts/tables.py          rewrite medisup/tables.py from the models
    python scripts/tables.py --check  exit 1 if the file differs from what the models give
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "medisup" / "tables.py"

HEADER = '''"""The product's tables as SQLAlchemy Core, for reads that need no ORM.

Generated from ``medisup/models.py`` by ``python scripts/tables.py``; do not edit
(``tests/test_tables.py`` fails when the two differ).  Building the SQLModel classes costs
about as much CPU as the rest of a read command's start-up, so lists and other reads that
only select rows use these ``Table`` objects instead: the same names, columns and types.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    TypeDecorator,
)


class UTCDateTime(TypeDecorator):
    """Aware datetimes stored in UTC and read back in UTC (as the models store them)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.utcoffset() is None else value.astimezone(UTC)


metadata = MetaData()
'''


def _type(column) -> str:
    kind = type(column.type).__name__
    if kind == "AutoString":
        return f"String({column.type.length})" if column.type.length else "String()"
    if kind == "Numeric":
        return f"Numeric({column.type.precision}, {column.type.scale})"
    if kind in ("Integer", "Boolean", "Date", "Text", "UTCDateTime"):
        return f"{kind}()"
    raise SystemExit(f"scripts/tables.py: no Core type for {kind} ({column})")


def render() -> str:
    sys.path.insert(0, str(ROOT))
    from medisup.models import metadata

    out = [HEADER]
    for table in sorted(metadata.tables.values(), key=lambda t: t.name):
        out.append(f'\n{table.name} = Table(\n    "{table.name}", metadata,')
        for column in table.columns:
            extra = ", primary_key=True" if column.primary_key else ""
            extra += "" if column.nullable or column.primary_key else ", nullable=False"
            out.append(f'    Column("{column.name}", {_type(column)}{extra}),')
        out.append(")\n")
    return "\n".join(out)


def main() -> int:
    text = render()
    if "--check" in sys.argv[1:]:
        return 0 if TARGET.read_text(encoding="utf-8") == text else 1
    TARGET.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
