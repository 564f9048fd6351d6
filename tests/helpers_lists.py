"""Test helpers for lists: many leads written straight into the tables (Core inserts),
enough to fill several pages without logging each through the service."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta


def insert_leads(env, supervisor: str, count: int, *, dept: str = "150102",
                 first: date = date(2024, 1, 1), per_day: int = 1,
                 status: str = "received", codes: tuple[str, ...] = ("A1",)) -> list[str]:
    """``count`` leads reported by ``supervisor`` (an ID number), ``per_day`` a day from
    ``first``; returns their numbers in the order they were received."""
    from sqlalchemy import func, insert, select

    from medisup.models import Lead, LeadItem, Person

    now = datetime.now(UTC)
    with env.uow("150000", command="test setup") as uow:
        connection = uow.session.connection()
        person = connection.execute(
            select(Person.id).where(Person.id_number == supervisor)).scalar_one()
        start = connection.execute(select(func.coalesce(func.max(Lead.id), 0))).scalar_one()
        rows, numbers = [], []
        for n in range(count):
            received = first + timedelta(days=n // per_day)
            seq = start + n + 1
            number = f"{dept}-{received.year}-{seq:05d}"
            numbers.append(number)
            rows.append({
                "id": seq, "number": number, "department_code": dept, "year": received.year,
                "seq": seq, "supervisor_id": person, "received_on": received,
                "channel": "phone", "target_kind": "medical_institution",
                "target_name": "呼和浩特市某某医院", "description": "该院虚构住院病历",
                "status": status, "accept_by": received + timedelta(days=7),
                "handle_by": received + timedelta(days=45), "conflict": False,
                "created_at": now, "updated_at": now,
            })
        connection.execute(insert(Lead), rows)
        connection.execute(insert(LeadItem), [{"lead_id": r["id"], "code": c}
                                              for r in rows for c in codes])
    return numbers
