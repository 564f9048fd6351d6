"""``export … --reveal`` killed with SIGKILL half-way: the reveal is already in the audit
log, no unmasked copy is left in the system's temp folder (or anywhere but the export's
own hidden stage beside the target), and the next export into that folder removes the
stage."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from clock import NOW
from helpers_supervisors import make_id
from test_import_supervisors import roster, row

from medisup.files import STAGE_PREFIX

ROOT = Path(__file__).resolve().parent.parent
PEOPLE = 300

# The child runs the real command; only its row source is slowed down, so that it is
# killed while the writer holds every row of the sheet in its temporary files.
CHILD = r"""
import os, sys, time
from datetime import datetime
from pathlib import Path

import time_machine
time_machine.travel(datetime.fromisoformat(sys.argv[1]), tick=False).start()

import medisup.services.exports as exports
original = exports._write

def paused(stage, columns, rows, **options):
    def slow():
        yield from rows
        Path(os.environ["READY_FILE"]).write_text(str(stage.book))
        time.sleep(600)
    return original(stage, columns, slow(), **options)

exports._write = paused
from medisup.cli import main
main(sys.argv[2:])
"""


def _ids() -> list[str]:
    return [make_id(birth=f"19{60 + n // 300:02d}{1 + n // 28 % 12:02d}{1 + n % 28:02d}",
                    seq=(n * 2 + 1) % 1000) for n in range(PEOPLE)]


@pytest.fixture
def many(seeded, tmp_path):
    from medisup.services.supervisors.import_roster import import_supervisors

    ids = _ids()
    (tmp_path / "in").mkdir()
    book = roster(tmp_path / "in" / "roster.xlsx",
                  [row(number, dept="152500", seq=n) for n, number in enumerate(ids, 1)])
    with seeded.uow("150000", command="import supervisors") as uow:
        report = import_supervisors(uow, book)
    assert not report.problems and report.created == PEOPLE, report.problems[:3]
    return seeded, ids


def _files_holding(root: Path, needles: list[str]) -> set[Path]:
    """Every file under ``root`` holding one of ``needles`` (zip members read too)."""
    found = set()
    for path in root.rglob("*"):
        if not path.is_file() or path.is_symlink():
            continue
        data = path.read_bytes()
        texts = [data]
        if zipfile.is_zipfile(path):
            try:
                with zipfile.ZipFile(path) as z:
                    texts += [z.read(name) for name in z.namelist()]
            except (zipfile.BadZipFile, OSError):
                pass
        if any(n.encode() in t for t in texts for n in needles):
            found.add(path)
    return found


def _reveals(env) -> list[dict]:
    from medisup.services import audit

    with env.uow("150000", write=False) as uow:
        return [e for e in audit.log(uow.session, action="reveal", reveal=True)]


def test_a_killed_reveal_leaves_its_audit_entry_and_no_copy_outside_its_stage(many, tmp_path,
                                                                               cli):
    env, ids = many
    out = tmp_path / "out"
    out.mkdir()
    system_temp = tmp_path / "system-temp"
    system_temp.mkdir()
    ready = tmp_path / "ready"
    child_env = {**os.environ, "TMPDIR": str(system_temp), "READY_FILE": str(ready),
                 "PYTHONPATH": str(ROOT)}
    target = out / "名单.xlsx"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, NOW.isoformat(), "--db", env.url, "--dept", "150000",
         "--operator", "测试员", "export", "supervisors", str(target), "--reveal"],
        env=child_env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        while not ready.exists():
            assert child.poll() is None, child.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the export never reached its last row"
            time.sleep(0.05)
        # Every row has been handed to the writer; the audit entry was committed first.
        assert len(_reveals(env)) == 1
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL

    entry = _reveals(env)[0]
    assert entry["after"]["rows"] == PEOPLE and entry["after"]["table"] == "supervisors"
    assert not target.exists()
    # The unmasked rows exist only inside the export's own hidden stage beside the target.
    holding = _files_holding(tmp_path, ids[:50] + ids[-50:])
    holding = {p for p in holding if p.parent.name != "in" and p.suffix != ".db"}
    assert holding, "the test must kill the export while its rows are on disk"
    stages = [p for p in out.iterdir() if p.name.startswith(STAGE_PREFIX)]
    assert len(stages) == 1 and stages[0].is_dir()
    assert stages[0].stat().st_mode & 0o777 == 0o700
    assert all(stages[0] in p.parents for p in holding), holding
    assert not list(system_temp.iterdir())

    # The next export into that folder removes the dead process's stage.
    result = cli("export", "supervisors", str(out / "遮蔽.xlsx"))
    assert result.exit_code == 0, result.stderr
    assert not [p for p in out.iterdir() if p.name.startswith(STAGE_PREFIX)]
    assert _files_holding(out, ids) == set()


def test_a_stage_of_a_live_process_or_another_host_is_left_alone(tmp_path):
    from medisup.files import _host, stage_path, sweep_stale

    target = tmp_path / "x.xlsx"
    mine = stage_path(target)
    mine.mkdir()
    dead = tmp_path / f"{STAGE_PREFIX}{_host()}-999999999-0a0b0c0d-x.xlsx.part"
    dead.write_bytes(b"150102199001010011")
    other_host = tmp_path / f"{STAGE_PREFIX}ffffff-999999999-0a0b0c0d-x.xlsx.part"
    other_host.write_bytes(b"")
    parent = tmp_path / f"{STAGE_PREFIX}{_host()}-{os.getppid()}-0a0b0c0d-x.xlsx.part"
    parent.write_bytes(b"")
    assert sweep_stale(tmp_path) == [dead]
    assert mine.exists() and other_host.exists() and parent.exists() and not dead.exists()


def test_nothing_of_an_export_goes_to_the_system_temp_folder(seeded, tmp_path, monkeypatch,
                                                             cli):
    import tempfile

    system_temp = tmp_path / "system-temp"
    system_temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_temp))
    for command in (("supervisors", str(tmp_path / "s.xlsx"), "--reveal"),
                    ("leads", str(tmp_path / "l.xlsx"), "--reveal"),
                    ("template", "leads", str(tmp_path / "t.xlsx"))):
        result = cli("export", *command)
        assert result.exit_code == 0, result.stderr
    assert list(system_temp.iterdir()) == []
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(STAGE_PREFIX)]
