"""Fixtures of the portal-wide tests."""

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def production_static(tmp_path_factory):
    """`collectstatic` run once under the production settings, as the Dockerfile's build runs
    it (compressing and hashing every file is slow): `.root` is the STATIC_ROOT it wrote,
    `.built` the finished command, for the test to assert on. The tests that need production's
    static files (the build, the rehearsal) share it; none of them writes into it."""
    from tests.hangzhou_cfc.test_production_build import production_environment

    root = tmp_path_factory.mktemp("production") / "static"
    built = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=BASE_DIR,
        env=production_environment(root),
        capture_output=True,
        text=True,
        check=False,
    )
    return SimpleNamespace(root=root, built=built)
