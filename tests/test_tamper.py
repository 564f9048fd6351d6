"""The tampering matrix: every way of changing the file behind the tool's back is found —
edits, deletions, reordering, truncation with and without the counter, re-chained
forgeries with and without the key, data rows changed outside the tool (--deep)."""

from __future__ import annotations

import pytest

from tests.conftest import Cli
from tests.helpers_security import keyed_env, rechain, report, sql


@pytest.fixture
def chain(db_url):
    return keyed_env(db_url)


@pytest.fixture
def run(chain, monkeypatch):
    return Cli(chain.url, monkeypatch)


def test_keyed_chain_verifies_whole(chain, run):
    r = report(chain, deep=True)
    assert r.ok and r.entries == 8 and r.keyed and r.legacy == 0 and r.deep == "checked"
    done = run("audit", "verify", "--deep")
    assert done.exit_code == 0 and "8" in done.stderr + done.stdout


def test_edit_is_found(chain):
    sql(chain, "UPDATE audit_entry SET operator='别人' WHERE id=3")
    assert report(chain).problem == "edited" and report(chain).broken_at == 3


def test_delete_is_found(chain):
    sql(chain, "DELETE FROM audit_entry WHERE id=4")
    assert report(chain).broken_at == 4 and report(chain).problem == "missing"


def test_reorder_is_found(chain):
    sql(chain, "UPDATE audit_entry SET id=100 WHERE id=2", "UPDATE audit_entry SET id=2 WHERE id=3",
        "UPDATE audit_entry SET id=3 WHERE id=100")
    r = report(chain)
    assert not r.ok and r.broken_at == 2


def test_truncation_with_counter_intact(chain):
    sql(chain, "DELETE FROM audit_entry WHERE id >= 7")
    r = report(chain)
    assert r.problem == "truncated" and r.entries == 6


def test_truncation_with_counter_deleted(chain, run):
    sql(chain, "DELETE FROM audit_entry WHERE id >= 7", "DELETE FROM counter WHERE name='audit'")
    assert report(chain).problem == "head_missing"
    assert run("audit", "verify").exit_code == 1
    # writing still works, and says in the chain that the head was rebuilt
    assert run("dept", "update", "150102", "--quota", "4").exit_code == 0
    rows = sql(chain, "SELECT action FROM audit_entry WHERE id = 7")[0]
    assert rows == [("head_restored",)]


def test_truncation_with_counter_moved_is_found_by_witness_and_anchor(chain, run):
    anchor = run("audit", "head").stdout.strip()
    assert anchor.endswith(":8")
    last7 = sql(chain, "SELECT hash FROM audit_entry WHERE id=7")[0][0][0]
    sql(chain, "DELETE FROM audit_entry WHERE id = 8",
        f"UPDATE counter SET value=7, head='{last7}' WHERE name='audit'")
    assert report(chain).problem == "witness"  # this machine wrote entry 8
    from medisup.services.audit_key import forget_witness

    forget_witness(chain.url)  # another machine: only the anchor can tell
    done = run("audit", "verify", "--anchor", anchor)
    assert done.exit_code == 1 and "8" in done.stderr


def test_rechained_forgery_without_key(chain):
    sql(chain, "UPDATE audit_entry SET operator='别人' WHERE id=5")
    rechain(chain, None, start=5)
    r = report(chain)
    assert r.problem == "unkeyed" and r.broken_at == 5


def test_rechained_forgery_with_key_is_caught_by_anchor(chain, run):
    from medisup.services.audit_key import forget_witness, load_key

    anchor = run("audit", "head").stdout.strip()
    sql(chain, "UPDATE audit_entry SET operator='别人' WHERE id=5")
    rechain(chain, load_key(), start=5)
    forget_witness(chain.url)
    assert report(chain).ok  # a key holder can re-chain: this is what anchors are for
    done = run("audit", "verify", "--anchor", anchor)
    assert done.exit_code == 1


def test_anchor_passes_on_an_untouched_chain_and_bad_anchor_is_usage(chain, run):
    anchor = run("audit", "head").stdout.strip()
    assert run("dept", "update", "150102", "--quota", "4").exit_code == 0
    done = run("audit", "verify", "--anchor", anchor)
    assert done.exit_code == 0
    bad = run("audit", "verify", "--anchor", "abc:99999999999999999999999")
    assert bad.exit_code == 1 and "Traceback" not in bad.stderr and "--anchor" in bad.stderr


@pytest.mark.parametrize("statement", [
    "UPDATE person SET name='改名' WHERE id=(SELECT MIN(id) FROM person)",
    "UPDATE department SET quota=999 WHERE code='150102'",
    "DELETE FROM department WHERE code='450102'",
    "INSERT INTO import_batch (id, kind, file_name, operator, dept, started_at, rows, "
    "created, updated, unchanged) VALUES (999, 'x', 'x', 'x', '150000', '2026-01-01', 0, 0, 0, 0)",
])
def test_rows_changed_behind_the_tools_back_are_found_deep(chain, run, statement):
    if "person" in statement:
        from tests.helpers_supervisors import appoint, make_id

        appoint(chain, id_number=make_id(seq=1))
    assert report(chain, deep=True).ok
    try:
        sql(chain, statement)
    except Exception as exc:  # pragma: no cover - the statement must fit the schema
        raise AssertionError(exc) from None
    r = report(chain, deep=True)
    assert not r.ok and r.tables and r.broken_at is None
    done = run("audit", "verify", "--deep")
    assert done.exit_code == 1
    assert run("audit", "verify").exit_code == 0  # the chain itself is whole


@pytest.mark.parametrize("statement", [
    "UPDATE audit_entry SET before = X'00ff10' WHERE id = 2",
    "UPDATE audit_entry SET at = 12345 WHERE id = 2",
    "UPDATE audit_entry SET hash = 42 WHERE id = 2",
    "UPDATE audit_entry SET after = 'not json' WHERE id = 8",
])
def test_wrong_type_in_an_entry_is_tampering(chain, run, statement):
    sql(chain, statement)
    done = run("audit", "verify")
    assert done.exit_code == 1 and "Traceback" not in done.stderr
    log = run("audit", "log", "--format", "json")
    assert log.exit_code in (0, 1, 3) and "Traceback" not in log.stderr


def test_legacy_chain_verifies_and_says_so(env, monkeypatch):
    from tests.conftest import seed_departments

    seed_departments(env)  # no key yet: the old unkeyed hash
    r = report(env)
    assert r.ok and r.legacy == 8 and not r.keyed
    from medisup.services.audit_key import ensure_key

    ensure_key()
    with env.uow("150000", command="dept update") as uow:
        from medisup.services import departments

        departments.update(uow, "150102", quota=4)
    r = report(env)
    assert r.ok and r.legacy == 8 and r.keyed and r.entries == 9
    done = Cli(env.url, monkeypatch)("audit", "verify")
    assert done.exit_code == 0 and "8" in done.stderr


def test_missing_key_file_is_a_data_error_not_a_pass(chain, run):
    from medisup.services.audit_key import key_path

    key_path().unlink()
    done = run("audit", "verify")
    assert done.exit_code == 3 and "audit.key" in done.stderr
    assert run("dept", "update", "150102", "--quota", "4").exit_code == 3


def test_key_file_is_owner_only(chain):
    from medisup.services.audit_key import key_path

    assert key_path().stat().st_mode & 0o077 == 0


def test_audit_log_shows_control_characters_escaped(chain, run):
    done = run("dept", "update", "150102", "--name", "新城区\x1b[31m医保局")
    if done.exit_code != 0:
        pytest.skip("name rejected earlier")
    log = run("audit", "log", "--limit", "1")
    assert "\x1b[31m" not in log.stdout and "\\x1b" in log.stdout


def test_operator_too_long_is_usage_error(chain, monkeypatch):
    from tests.conftest import Cli as C

    cli = C(chain.url, monkeypatch)
    done = cli("--operator", "长" * 10240, "dept", "list")
    assert done.exit_code == 2 and "--operator" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("option", ["--batch", "--limit"])
def test_audit_log_numbers_out_of_range_are_usage_errors(run, option):
    done = run("audit", "log", option, str(2**70))
    assert done.exit_code == 2 and option in done.stderr and "内部错误" not in done.stderr


def test_large_tables_are_sealed_by_count_only(chain, monkeypatch):
    from medisup.services import audit

    monkeypatch.setattr(audit, "SEAL_FULL_MAX", 3)
    with chain.uow("150000", command="dept update") as uow:
        from medisup.services import departments

        departments.update(uow, "150102", quota=4)
    sql(chain, "UPDATE department SET quota=999 WHERE code='150102'")
    assert report(chain, deep=True).ok  # 8 departments > 3: the count is all that is kept
    sql(chain, "DELETE FROM department WHERE code='450102'")
    assert report(chain, deep=True).tables == (("department", "8 → 7"),)


def test_deep_names_the_row_and_field_changed(chain, run):
    sql(chain, "UPDATE department SET quota=999 WHERE code='150102'")
    r = report(chain, deep=True)
    assert ("department", "150102", "quota", 3, 999) in [x[:5] for x in r.suspects]
    done = run("audit", "verify", "--deep")
    assert done.exit_code == 1 and "150102" in done.stderr and "999" in done.stderr


def test_deep_keeps_personal_values_masked(chain, run):
    from tests.helpers_supervisors import appoint, make_id

    number = make_id(seq=5)
    appoint(chain, id_number=number)
    sql(chain, "UPDATE person SET phone='13900001111'")
    done = run("audit", "verify", "--deep")
    assert done.exit_code == 1 and "13900001111" not in done.stderr
