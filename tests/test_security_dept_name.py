"""A department name typed with control characters or escape sequences is shown escaped
in the success message, never sent raw to the terminal."""

from __future__ import annotations

import pytest

NAMES = ["\x1b[31m红色\x1b[0m局", "新\x07城区", "回民\x1b]0;title\x07区", "玉泉\x9b31m区"]


@pytest.mark.parametrize("name", NAMES)
def test_dept_update_name_is_shown_escaped(cli, name):
    result = cli("dept", "update", "150102", "--name", name)
    assert result.exit_code == 0, result.stderr
    shown = result.stderr + result.stdout
    assert not any(c in shown for c in "\x1b\x07\x9b"), repr(shown)
    assert "\\x1b" in shown or "\\x07" in shown or "\\x9b" in shown


@pytest.mark.parametrize("name", NAMES[:2])
def test_dept_add_name_is_shown_escaped(cli, name):
    result = cli("dept", "add", "150104", name, "--parent", "150100")
    assert result.exit_code == 0, result.stderr
    assert not any(c in result.stderr + result.stdout for c in "\x1b\x07\x9b")
