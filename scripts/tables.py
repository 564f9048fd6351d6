"""Write (or, with ``--check``, compare) ``medisup/tables.py``: the tables of
``medisup/models.py`` as plain SQLAlchemy Core, for the read commands that need no ORM.
The file's head (down to ``metadata = MetaData()``) is kept as it is; the tables after it
are generated.

    python scripts/tables.py          rewrite medisup/tables.py from the models
    python scripts/tables.py --check  exit 1 if the file differs from what the models give
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / "medisup" / "tables.py"

# Everything above this line of medisup/tables.py (its docstring, imports and the column
# type the models share) is written by hand and kept; the tables below it are generated.
MARKER = "metadata = MetaData()\n"


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

    current = TARGET.read_text(encoding="utf-8")
    out = [current[:current.index(MARKER) + len(MARKER)]]
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
