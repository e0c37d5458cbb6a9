"""The rules of which part of the backend may import which (pyproject.toml, [tool.importlinter]).

Checked with import-linter over the real import graph, and once more against a copy of the
package with one forbidden import added, so that a rule that cannot fail does not pass for kept.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINT = [sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"]


def lint(cwd: Path, pythonpath: Path) -> subprocess.CompletedProcess:
    env = {"PYTHONPATH": str(pythonpath), "PATH": "/usr/bin:/bin"}
    return subprocess.run([*LINT, "--config", str(ROOT / "pyproject.toml")], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_every_import_rule_holds():
    done = lint(ROOT, ROOT / "backend")
    assert done.returncode == 0, done.stdout[-3000:]


def test_a_broken_rule_is_reported(tmp_path):
    shutil.copytree(ROOT / "backend" / "telltale", tmp_path / "telltale",
                    ignore=shutil.ignore_patterns("__pycache__", "data"))
    classifier = tmp_path / "telltale" / "classify" / "__init__.py"
    classifier.write_text(classifier.read_text() + "\nimport telltale.store  # noqa\n")
    done = lint(tmp_path, tmp_path)
    assert done.returncode != 0
    assert "The classifier is pure: no store, no HTTP, no Redis BROKEN" in done.stdout
