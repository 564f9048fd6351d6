"""Activities' read models and the checks their commands share (kind, institutions,
participants, conflicts of interest)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from medisup.errors import InvalidValue, NotFound
from medisup.i18n import t
from medisup.models import Activity, ActivityInstitution, Interest, Participation, Person
from medisup.packs import Pack, PackItem
from medisup.services.masking import mask_id_number, mask_text

if TYPE_CHECKING:
    from medisup.services.uow import UnitOfWork

STATUSES = ("planned", "held", "cancelled")
TOPIC_LIMIT = 200
NAME_LIMIT = 200


def number_of(dept: str, year: int, seq: int) -> str:
    """``150102-HD-2026-0007``: department, 活动 (HD), year, a sequence that never repeats."""
    return f"{dept}-HD-{year}-{seq:04d}"


def counter_name(dept: str, year: int) -> str:
    return f"activity:{dept}:{year}"


@dataclass(frozen=True)
class Institution:
    """An inspected institution: name and unified social credit code."""

    name: str
    credit_code: str | None = None

    # conflict_of() reads institutions and interests by these names
    @property
    def institution_name(self) -> str:
        return self.name


@dataclass(frozen=True)
class ParticipantView:
    person_id: int
    id_number: str
    name: str
    background: str | None
    attendance: str  # invited / attended / absent
    override_reason: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ActivityRow:
    """One activity as lists show it; confidential plans masked unless revealed."""

    number: str
    department_code: str
    kind: str
    kind_label: str
    held_on: date
    topic: str
    status: str
    confidential: bool
    institutions: tuple[str, ...]
    invited: int
    attended: int
    absent: int

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ActivityDetail:
    row: ActivityRow
    article: str
    note: str | None
    cancelled_on: date | None
    cancel_reason: str | None
    institutions: tuple[dict[str, Any], ...]
    participants: tuple[ParticipantView, ...]
    warnings: tuple[str, ...] = field(default=())

    @property
    def number(self) -> str:
        return self.row.number

    def as_dict(self) -> dict[str, Any]:
        doc = self.row.as_dict()
        doc.update(article=self.article, note=self.note, cancelled_on=self.cancelled_on,
                   cancel_reason=self.cancel_reason)
        doc["institutions"] = [dict(i) for i in self.institutions]
        doc["participants"] = [p.as_dict() for p in self.participants]
        return doc


def attendance_code(value: bool | None) -> str:
    return "invited" if value is None else ("attended" if value else "absent")


def check_kind(pack: Pack, text: str) -> PackItem:
    from medisup.services.supervisors.identity import clean_text

    return pack.resolve("activity_kinds", clean_text(text))


def check_topic(value: Any) -> str:
    text = " ".join(str(value or "").split())
    if not text or len(text) > TOPIC_LIMIT:
        raise InvalidValue(t("activity.field.topic"), text[:20], t("activity.expect_text",
                                                                  limit=TOPIC_LIMIT))
    return text


def check_institutions(kind: PackItem, pairs: list[tuple[str, str | None]]) -> list[Institution]:
    """Institutions named for an activity: only kinds that inspect take them; a name is
    required, and a credit code too where the pack's kind says so; codes are checked."""
    from medisup.services.supervisors.identity import check_credit_code

    out: list[Institution] = []
    for name, code in pairs:
        clean = " ".join(str(name or "").split())
        if not kind.inspects:
            raise InvalidValue("--institution", clean, t("activity.expect_no_institution",
                                                        kind=kind.text()))
        if not clean or len(clean) > NAME_LIMIT:
            raise InvalidValue("--institution", clean, t("activity.expect_text", limit=NAME_LIMIT))
        checked = check_credit_code(code, required=False)
        if checked is None and kind.needs_credit_code:
            raise InvalidValue("--credit-code", "", t("activity.expect_credit_code",
                                                      name=clean, kind=kind.text(),
                                                      article=kind.cite()))
        out.append(Institution(clean, checked))
    return out


def pair_institutions(names: list[str] | None, codes: list[str] | None) -> list[tuple[str, str | None]]:
    """``--institution`` and ``--credit-code`` given in pairs, in order; a code may be
    missing only at the end (a kind that needs none)."""
    names, codes = list(names or []), list(codes or [])
    if len(codes) > len(names):
        raise InvalidValue("--credit-code", codes[len(names)], t("activity.expect_pairs"))
    return [(n, codes[i] if i < len(codes) else None) for i, n in enumerate(names)]


def conflicts(session: Session, person_ids: list[int], institutions: list[Institution],
              on: date) -> dict[int, Interest]:
    """Person id → the declared interest (in force on ``on``) that matches an inspected
    institution, by credit code or by name (the lead rule, nm Art. 9(四), GX Art. 7(六))."""
    from sqlmodel import or_

    from medisup.services.leads.rules import Target, conflict_of

    if not institutions or not person_ids:
        return {}
    found: dict[int, Interest] = {}
    rows = session.exec(select(Interest).where(
        col(Interest.person_id).in_(person_ids), col(Interest.declared_on) <= on,
        or_(col(Interest.withdrawn_on).is_(None), col(Interest.withdrawn_on) > on),
    ).order_by(col(Interest.id)))
    by_person: dict[int, list[Interest]] = {}
    for row in rows:
        by_person.setdefault(row.person_id, []).append(row)
    for pid, interests in by_person.items():
        for inst in institutions:
            hit = conflict_of(interests, Target("medical_institution", inst.name, inst.credit_code))
            if hit is not None:
                found[pid] = hit
                break
    return found


def find_activity(uow: UnitOfWork, number: str) -> Activity:
    text = str(number or "").strip().upper()
    row = uow.session.exec(select(Activity).where(Activity.number == text)).first()
    if row is None or row.department_code not in uow.scope:
        raise NotFound(t("activity.not_found", number=text or "-"))
    return row


def institutions_of(session: Session, activity_id: int) -> list[Institution]:
    rows = session.exec(select(ActivityInstitution).where(
        ActivityInstitution.activity_id == activity_id).order_by(col(ActivityInstitution.id)))
    return [Institution(r.name, r.credit_code) for r in rows]


def detail_of(uow: UnitOfWork, activity: Activity, *, reveal: bool,
              warnings: tuple[str, ...] = ()) -> ActivityDetail:
    from medisup.services.supervisors.records import pack_for

    session = uow.session
    pack = pack_for(session, activity.department_code)
    hidden = activity.confidential and not reveal
    insts = institutions_of(session, activity.id)
    parts = session.exec(select(Participation, Person).where(
        Participation.activity_id == activity.id, col(Participation.person_id) == col(Person.id)
    ).order_by(col(Person.id)))
    people = []
    for part, person in parts:
        people.append(ParticipantView(
            person_id=person.id, id_number=person.id_number if reveal else
            (mask_id_number(person.id_number) or ""), name=person.name,
            background=person.background, attendance=attendance_code(part.attended),
            override_reason=part.override_reason))
    counts = {c: sum(1 for p in people if p.attendance == c) for c in ("invited", "attended", "absent")}
    kind_label, article = activity.kind, ""
    try:
        item = pack.item("activity_kinds", activity.kind)
        kind_label, article = item.text(), item.cite()
    except InvalidValue:
        pass
    row = ActivityRow(
        number=activity.number, department_code=activity.department_code, kind=activity.kind,
        kind_label=kind_label, held_on=activity.held_on,
        topic=mask_text(activity.topic) if hidden else activity.topic, status=activity.status,
        confidential=activity.confidential,
        institutions=tuple(mask_text(i.name) if hidden else i.name for i in insts),
        invited=counts["invited"], attended=counts["attended"], absent=counts["absent"])
    return ActivityDetail(
        row=row, article=article, note=mask_text(activity.note) if hidden else activity.note,
        cancelled_on=activity.cancelled_on, cancel_reason=activity.cancel_reason,
        institutions=tuple({"name": mask_text(i.name) if hidden else i.name,
                            "credit_code": mask_text(i.credit_code) if hidden else i.credit_code}
                           for i in insts),
        participants=tuple(people), warnings=warnings)


def snapshot(activity: Activity) -> dict[str, Any]:
    return {"number": activity.number, "department_code": activity.department_code,
            "kind": activity.kind, "held_on": activity.held_on, "status": activity.status,
            "confidential": activity.confidential, "cancelled_on": activity.cancelled_on,
            "cancel_reason": activity.cancel_reason}
