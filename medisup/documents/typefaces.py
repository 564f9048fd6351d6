"""The faces certificates are printed in: the Noto subsets shipped in ``fonts/``, or a
bureau's own face (``--font`` / ``certificate_font`` in the configuration), and the check
that every character to be printed exists in the face (a missing glyph prints blank)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from medisup.errors import DataError, InvalidValue, RuleViolation
from medisup.i18n import t

SERIF = "NotoSerifCJKsc-Regular-subset.otf"
SANS = "NotoSansCJKsc-Regular-subset.otf"


def shipped(name: str) -> Path:
    """A font file shipped inside the package."""
    from importlib import resources

    return Path(str(resources.files("medisup.documents") / "fonts" / name))


@dataclass(frozen=True)
class Faces:
    """The body face (serif) and the face of small print (sans)."""

    serif: Path
    sans: Path

    @property
    def custom(self) -> bool:
        return self.serif.name != SERIF


def faces(custom: str | Path | None = None) -> Faces:
    """The shipped faces, or a bureau's face for the text (small print stays sans)."""
    if custom in (None, ""):
        return Faces(shipped(SERIF), shipped(SANS))
    path = Path(custom).expanduser()
    if not path.is_file():
        raise InvalidValue("--font", str(custom), t("certificate.expect_font_file"))
    if path.suffix.lower() not in (".ttf", ".otf", ".ttc", ".otc"):
        raise InvalidValue("--font", str(custom), t("certificate.expect_font_file"))
    cmap_of(path)  # unreadable fonts fail here, before anything is written
    return Faces(path.resolve(), shipped(SANS))


@cache
def cmap_of(path: Path) -> frozenset[int]:
    """The code points a font file can draw."""
    from fontTools.ttLib import TTFont

    try:
        font = TTFont(str(path), lazy=True, fontNumber=0)
        cmap = font.getBestCmap() or {}
    except Exception as exc:  # fontTools raises many kinds for a broken file
        raise DataError(t("certificate.font_unreadable", path=path, problem=exc)) from None
    return frozenset(cmap)


def face_name(path: Path) -> str:
    from fontTools.ttLib import TTFont

    try:
        return TTFont(str(path), lazy=True, fontNumber=0)["name"].getDebugName(4) or path.name
    except Exception:
        return path.name


def check_glyphs(fields: Mapping[str, str], path: Path, *, who: str = "") -> None:
    """Refuse text with a character the face lacks, naming the field and the character."""
    cmap = cmap_of(path)
    for field, text in fields.items():
        for ch in text:
            if ch.isspace() or ord(ch) in cmap:
                continue
            raise RuleViolation(t(
                "certificate.missing_glyph", field=t(f"certificate.field.{field}"), value=text,
                who=who, char=ch, code=f"U+{ord(ch):04X}", font=face_name(path)))
