"""Labels for the codes the reviews count, in the user's language (tables and workbooks;
JSON keeps the codes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from medisup.i18n import t
from medisup.services.supervisors.records import item_text

if TYPE_CHECKING:
    from medisup.packs import Pack

_PACK_LISTS = {"category": "categories", "channel": "channels", "subject": "subjects",
               "item": "items", "kind": "activity_kinds", "ground": "termination_grounds",
               "lead_channel": "report_channels"}


def label(pack: Pack, dim: str, code: str) -> str:
    """``category``/``insured`` → 参保群众, ``gender``/``F`` → 女, ``status``/``closed`` → 已办结 …"""
    if dim in _PACK_LISTS:
        return item_text(pack, _PACK_LISTS[dim], code) or code
    if dim == "gender":
        return t(f"review.gender.{code}") if code in ("M", "F") else code
    if dim == "age_band":
        return t(f"review.age_band.{code}")
    if dim == "status":
        return t(f"lead.status.{code}")
    return code
