"""`make chaos` in the suite, with a small N: the same script, the same checks (chaos.py)."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import _database_url_for_subprocess

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.worker]
BASE_DIR = Path(__file__).resolve().parents[2]


def test_the_pipeline_holds_while_workers_redis_and_the_database_fail(tmp_path):
    if not shutil.which("redis-server"):
        pytest.skip("needs redis-server: the chaos test starts a Redis of its own")
    report = tmp_path / "chaos.json"
    env = {
        **os.environ,
        "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""),
        "DATABASE_URL": _database_url_for_subprocess(),
    }
    chaos = subprocess.Popen(
        [sys.executable, "tests/chaos/chaos.py", "--n", "60", "--json", str(report)],
        cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        output, _ = chaos.communicate(timeout=900)
    except subprocess.TimeoutExpired:
        chaos.terminate()  # it stops its servers and drops its database on SIGTERM
        output, _ = chaos.communicate(timeout=60)
        pytest.fail("the chaos test took over 15 minutes:\n" + output[-6000:])
    assert chaos.returncode == 0, output[-12000:]
    figures = json.loads(report.read_text())
    assert set(figures["checks"].values()) == {0}
    faults = figures["faults"]
    assert faults["redis restarts"] == 2 and faults["database outages"] == 1
    assert faults["workers killed"] >= 1
    assert figures["5xx in outages"] > 0, "the outage was felt: the clients retried through it"
