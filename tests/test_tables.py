"""``medisup/tables.py`` (the Core tables reads use) is the models' tables, column for
column: regenerated from ``medisup/models.py`` it is the same file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_core_tables_are_generated_from_the_models():
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "tables.py"), "--check"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, "medisup/tables.py is stale: run python scripts/tables.py"


def test_every_model_column_has_the_same_name_and_kind_in_core():
    from medisup import tables
    from medisup.models import metadata

    assert set(metadata.tables) == set(tables.metadata.tables)
    for name, model in metadata.tables.items():
        core = tables.metadata.tables[name]
        assert [c.name for c in model.columns] == [c.name for c in core.columns], name
        for column in model.columns:
            assert core.c[column.name].type._type_affinity is column.type._type_affinity, \
                (name, column.name)
            assert core.c[column.name].primary_key == column.primary_key


def test_dates_and_times_read_back_alike_through_core_and_the_orm(seeded):
    from sqlalchemy import create_engine, select

    from medisup import tables

    engine = create_engine(seeded.url)
    with engine.connect() as connection:
        row = connection.execute(select(tables.department).order_by(
            tables.department.c.code)).first()
    engine.dispose()
    assert row.code == "150000"
    assert row.created_at.tzinfo is not None and row.created_at.utcoffset().total_seconds() == 0
