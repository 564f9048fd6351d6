"""Destructive writes confirm first: under --no-input they need --yes (exit 2, nothing
written); with --yes they go ahead. Review --apply says how many it will dismiss."""

from __future__ import annotations

import json
from datetime import date

from helpers_activities import person
from helpers_certificates import appointed

from medisup.models import Certificate, Termination


def _count(env, model) -> int:
    from sqlmodel import func, select

    with env.uow(write=False) as uow:
        return uow.session.exec(select(func.count()).select_from(model)).one()


def test_review_apply_needs_yes_without_a_terminal(cli, seeded):
    person(seeded, dept="450102", start=date(2023, 1, 1))
    refused = cli("--no-input", "review", "terminations", "--as-of", "2025-03-01", "--apply",
                  dept="450000")
    assert refused.exit_code == 2
    assert "自动解聘 1 人" in refused.stderr and "--yes" in refused.stderr
    assert _count(seeded, Termination) == 0
    done = cli("--no-input", "review", "terminations", "--as-of", "2025-03-01", "--apply",
               "--yes", "--format", "json", dept="450000")
    assert done.exit_code == 0, done.stderr
    assert len(json.loads(done.stdout)["applied"]) == 1
    # Nothing left to apply: no confirmation is needed any more.
    again = cli("--no-input", "review", "terminations", "--as-of", "2025-03-01", "--apply",
                dept="450000")
    assert again.exit_code == 0, again.stderr


def test_certificate_revoke_needs_yes_without_a_terminal(cli, seeded, tmp_path):
    appointed(seeded, "150103", start=date(2026, 1, 1))
    issued = cli("certificate", "issue", "--pending", "--on", "2026-01-05", "--department",
                 "150103", "--combined", str(tmp_path / "all.pdf"), dept="150103")
    assert issued.exit_code == 0, issued.stderr
    with seeded.uow(write=False) as uow:
        from sqlmodel import select

        number = uow.session.exec(select(Certificate.number)).first()
    refused = cli("--no-input", "certificate", "revoke", number, "--reason", "误发", dept="150103")
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    done = cli("--no-input", "certificate", "revoke", number, "--reason", "误发", "--yes",
               dept="150103")
    assert done.exit_code == 0, done.stderr
    assert cli("certificate", "verify", number, dept="150103").exit_code == 1
