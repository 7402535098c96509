"""`newsflow run` gives its worker the folders it may read (issue 16): never wider than the
configured NEWSFLOW_FETCH__ALLOWED_ROOTS, and never the target folder of a named symlink."""

from __future__ import annotations

import json
from pathlib import Path

from config.settings import Settings
from workers.cli.embedded import embedded_environment
from workers.cli.pipeline_cmds import _roots


def _allowed(settings: Settings, paths: list[str], tmp_path: Path) -> list[str]:
    env = embedded_environment(settings, tmp_path / "broker", _roots(paths))
    return list(json.loads(env["NEWSFLOW_FETCH__ALLOWED_ROOTS"]))


def _tree(tmp_path: Path) -> tuple[Path, Path]:
    inputs, outside = tmp_path / "inputs", tmp_path / "outside"
    inputs.mkdir()
    outside.mkdir()
    (outside / "secret.txt").write_text("private")
    (inputs / "good.txt").write_text("an article")
    (inputs / "link.txt").symlink_to(outside / "secret.txt")
    return inputs, outside


def test_configured_roots_are_never_widened(tmp_path: Path) -> None:
    inputs, outside = _tree(tmp_path)
    settings = Settings(fetch={"allowed_roots": [str(inputs)]})
    paths = [str(inputs / "good.txt"), str(inputs / ".." / "outside" / "secret.txt"),
             str(inputs / "link.txt"), str(outside)]
    assert _allowed(settings, paths, tmp_path) == [str(inputs)]


def test_a_named_symlink_does_not_add_its_target_folder(tmp_path: Path) -> None:
    inputs, outside = _tree(tmp_path)
    allowed = _allowed(Settings(), [str(inputs / "link.txt")], tmp_path)
    assert allowed == [str(inputs)]
    assert str(outside) not in allowed
