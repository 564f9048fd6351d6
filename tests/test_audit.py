"""The audit chain: every change recorded, and any edit or deletion behind the tool's back found."""

from __future__ import annotations

from sqlalchemy import text

from medisup.services import audit


def _engine(url):
    from medisup.db import make_engine

    return make_engine(url)


def test_every_department_change_is_recorded(seeded):
    with seeded.uow(write=False) as uow:
        rows = audit.log(uow.session, limit=None)
        report = audit.verify(uow.session)
    assert len(rows) == 8
    assert {r["entity_id"] for r in rows} >= {"150000", "450102"}
    assert all(r["operator"] == "测试员" and r["command"] == "dept add" for r in rows)
    assert report.ok and report.entries == 8


def test_edited_entry_is_named(seeded):
    engine = _engine(seeded.url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_entry SET operator = '别人' WHERE id = 3"))
    engine.dispose()
    with seeded.uow(write=False) as uow:
        report = audit.verify(uow.session)
    assert not report.ok and report.broken_at == 3 and report.problem == "edited"


def test_deleted_entry_is_named(seeded):
    engine = _engine(seeded.url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entry WHERE id = 5"))
    engine.dispose()
    with seeded.uow(write=False) as uow:
        report = audit.verify(uow.session)
    assert not report.ok and report.broken_at == 5


def test_deleted_last_entry_is_found(seeded):
    engine = _engine(seeded.url)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_entry WHERE id = 8"))
    engine.dispose()
    with seeded.uow(write=False) as uow:
        report = audit.verify(uow.session)
    assert not report.ok and report.broken_at == 8 and report.problem == "truncated"


def test_cli_verify_exits_1_and_names_entry(cli, seeded):
    assert cli("audit", "verify").exit_code == 0
    engine = _engine(seeded.url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_entry SET after = '{}' WHERE id = 2"))
    engine.dispose()
    result = cli("audit", "verify")
    assert result.exit_code == 1
    assert "第 2 条" in result.stderr and result.stdout == ""


def test_audit_log_masks_personal_data_unless_revealed(seeded, cli):
    with seeded.uow() as uow:
        uow.audit("update", "person", "1", before={"phone": "13812345678"},
                  after={"phone": "13987654321", "id_number": "150102199003070318"})
    masked = cli("audit", "log", "--entity", "person", "-f", "json")
    assert "13987654321" not in masked.stdout and "139****4321" in masked.stdout
    assert "150102********0318" in masked.stdout
    shown = cli("audit", "log", "--entity", "person", "--reveal", "-f", "json")
    assert "13987654321" in shown.stdout
    # the reveal itself is recorded
    log = cli("audit", "log", "--action", "reveal", "-f", "json")
    assert '"reveal"' in log.stdout


def test_audit_log_filters_and_formats(cli):
    result = cli("audit", "log", "--entity", "department", "--id", "150102", "-f", "csv")
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("id,at,operator")
    assert len(lines) == 2 and ",150102," in lines[1]


def test_audit_log_covers_only_the_operators_subtree(seeded, cli):
    from medisup.services import departments

    with seeded.uow("150102", command="dept update") as uow:
        departments.update(uow, "150102", quota=7)
    with seeded.uow("150103", command="dept update") as uow:
        departments.update(uow, "150103", quota=9)
    import json

    own = json.loads(cli("audit", "log", "--format", "json", dept="150103").stdout)
    assert {e["dept"] for e in own} == {"150103"}
    assert all(e["entity_id"] != "150102" for e in own)
    city = json.loads(cli("audit", "log", "--format", "json", dept="150100").stdout)
    assert {"150102", "150103"} <= {e["dept"] for e in city}
    assert "150000" not in {e["dept"] for e in city}
    top = json.loads(cli("audit", "log", "--format", "json", dept="150000").stdout)
    assert {"150000", "150102", "150103"} <= {e["dept"] for e in top}
    assert "450000" not in {e["dept"] for e in top}
