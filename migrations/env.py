"""Alembic environment: runs medisup's migrations on the engine the caller hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import DateTime, String

import medisup.models  # noqa: F401 - registers every table on the metadata
from medisup.db import connection_for_migrations, is_sqlite, make_engine
from medisup.models import metadata

config = context.config


def render_item(type_, obj, autogen_context):
    """Render SQLModel's AutoString as a plain sa.String so migrations never import
    application types."""
    if type_ != "type":
        return False
    name = type(obj).__name__
    if name == "AutoString":
        length = getattr(obj, "length", None)
        return f"sa.String(length={length})" if length else "sa.String()"
    if name == "UTCDateTime":
        return "sa.DateTime(timezone=True)"
    return False


def compare_type(context_, inspected_column, metadata_column, inspected_type, metadata_type):
    name = type(metadata_type).__name__
    if name == "AutoString" and isinstance(inspected_type, String):
        return inspected_type.length != metadata_type.length
    if name == "UTCDateTime":
        return not isinstance(inspected_type, DateTime)
    return None


def run_migrations_online() -> None:
    engine = config.attributes.get("engine") or make_engine(
        config.get_main_option("sqlalchemy.url"), create_dirs=True
    )
    with connection_for_migrations(engine) as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=is_sqlite(engine),
            render_item=render_item,
            compare_type=compare_type,
            user_module_prefix="sa.",
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("medisup migrations run online only")
run_migrations_online()
