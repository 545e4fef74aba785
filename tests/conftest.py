"""Shared fixtures: the bundled instrument, its text, and a way to break it one edit at a time."""

from __future__ import annotations

import pytest

import instrument


@pytest.fixture(scope="session")
def ins() -> instrument.Instrument:
    return instrument.load()


@pytest.fixture(scope="session")
def bundled_text() -> str:
    return instrument.BUNDLED.read_text(encoding="utf-8")


@pytest.fixture
def edited(bundled_text, tmp_path):
    """Write the bundled instrument with `old` replaced by `new` and return the file's path."""

    def edit(*replacements: tuple[str, str]):
        text = bundled_text
        for old, new in replacements:
            assert old in text, f"test edit not applicable: {old!r}"
            text = text.replace(old, new, 1)
        path = tmp_path / "edited.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return edit
