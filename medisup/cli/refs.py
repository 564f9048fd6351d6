"""Naming people and leads the way a clerk does: a person by name (``supervisor show
张丽娟``), a lead by its short sequence in the operator's department (``lead show 2``).

Each is a Typer callback on the argument or option, so every command that takes an ID
number or a lead number accepts the short forms alike.  A name several people share is
chosen from a list in a terminal; a script is told who they are and how to name one.
"""

from __future__ import annotations

import re

import typer

from medisup.errors import NotFound, UsageError
from medisup.i18n import t


def person(ctx: typer.Context, value: str | None) -> str | None:
    """The ID number (or numeric id) of the person ``value`` names: itself when it is one,
    else the one person of that name in the operator's departments."""
    from medisup.cli import common

    if value is None or ctx.resilient_parsing:
        return value
    from medisup.services.supervisors.people import find_by_name, looks_like_reference

    if looks_like_reference(value):
        _remember(ctx, value)
        return value
    matches = common.run(ctx, lambda uow: find_by_name(uow, value), write=False)
    if not matches:
        raise NotFound(t("refs.no_person", name=common.printable(value.strip())))
    for m in matches:
        ctx.find_root().meta.setdefault(_NAMES, {})[m.id_number] = m.name
    if len(matches) == 1:
        return matches[0].id_number
    described = [t("refs.person_line", id=m.person_id, name=m.name, masked=m.masked_id,
                   department=m.department_name or m.department_code or "—")
                 for m in matches]
    if common.can_prompt(ctx):
        from medisup.cli import prompts

        chosen = prompts.prompter().select(
            t("refs.pick_person", count=len(matches), name=matches[0].name),
            [(m.id_number, line) for m, line in zip(matches, described, strict=True)])
        return chosen
    raise UsageError(t("refs.several_people", count=len(matches), name=matches[0].name,
                       people=t("list.sep").join(described)))


_NAMES = "medisup.person_names"


def _remember(ctx: typer.Context, ref: str) -> None:
    """Note the name of the person an ID number names (in the operator's scope), so that
    messages can say who: 张丽娟（150102********0025）."""
    from medisup.cli import common
    from medisup.errors import MedisupError
    from medisup.services.supervisors.people import find_in_scope

    try:
        found = common.run(ctx, lambda uow: (lambda p: (p.id_number, p.name))(
            find_in_scope(uow, ref)), write=False)
    except MedisupError:  # not found, not valid: the command itself says so
        return
    ctx.find_root().meta.setdefault(_NAMES, {})[found[0]] = found[1]
    ctx.find_root().meta[_NAMES][ref.strip().upper()] = found[1]


def who(ctx: typer.Context, id_number: str) -> str:
    """A person as messages name them: name and masked ID number (the masked ID alone
    when the name is not known here)."""
    from medisup.cli import common

    name = ctx.find_root().meta.get(_NAMES, {}).get((id_number or "").strip().upper())
    masked = common.masked(id_number)
    return t("refs.who", name=name, masked=masked) if name else masked


_SHORT_LEAD = re.compile(r"^(?:(\d{4})-)?(\d{1,6})$")


def lead(ctx: typer.Context, value: str | None) -> str | None:
    """A lead number, from a short form too: ``2`` is lead 2 of this year in the
    operator's department, ``2025-17`` lead 17 of 2025 there."""
    if value is None or ctx.resilient_parsing:
        return value
    found = _SHORT_LEAD.match(value.strip())
    if not found:
        return value
    from datetime import date

    from medisup.cli import common

    year = found.group(1) or str(date.today().year)
    dept = common.settings_of(ctx).dept  # the operator's department, as the command acts
    return f"{dept}-{year}-{int(found.group(2)):04d}" if dept else value
