from __future__ import annotations

import pytest

from pipeline import atomic


def test_written_file_gets_normal_permissions(tmp_path):
    import os

    path = atomic.atomic_write_text(tmp_path / "a.txt", "x")
    assert os.stat(path).st_mode & 0o777 == atomic.default_file_mode()


def test_failed_write_leaves_previous_file_intact(tmp_path, monkeypatch):
    target = tmp_path / "out.json"
    atomic.atomic_write_json(target, {"v": 1})

    def boom(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", boom)
    with pytest.raises(OSError):
        atomic.atomic_write_json(target, {"v": 2})
    assert target.read_text(encoding="utf-8").strip().replace(" ", "").replace("\n", "") == '{"v":1}'
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]  # no temporary file left behind
