"""Walking the real command tree: every command a user can run, with its path."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any


def leaf_commands(group: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """(path, command) of every command below ``group``, groups walked through."""
    # Typer's own click: tell groups by what they can do, not by their class.
    ctx = type(group).context_class(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if hasattr(command, "list_commands"):
            yield from leaf_commands(command, (*path, name))
        else:
            yield (*path, name), command
