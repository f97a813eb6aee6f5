"""A missing browser tool skips the browser tests on a developer's machine and fails them in CI."""

from __future__ import annotations

import pytest

from .conftest import require


def test_a_missing_tool_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="Chromium is missing"):
        require(False, "Chromium")


def test_a_missing_tool_skips_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="Chromium is missing"):
        require(False, "Chromium")
    require(True, "Chromium")
