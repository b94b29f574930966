"""`make chaos` in the suite, with a small N: the same script, the same checks (chaos.py)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import _database_url_for_subprocess

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.worker]
BASE_DIR = Path(__file__).resolve().parents[2]


def test_the_pipeline_holds_while_workers_redis_and_the_database_fail(tmp_path):
    report = tmp_path / "chaos.json"
    run = subprocess.run(
        [sys.executable, "tests/chaos/chaos.py", "--n", "150", "--json", str(report)],
        cwd=BASE_DIR,
        env={"PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin",
             "DATABASE_URL": _database_url_for_subprocess(), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=900,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-6000:]
    figures = json.loads(report.read_text())
    assert set(figures["checks"].values()) == {0}
    faults = figures["faults"]
    assert faults["redis restarts"] == 2 and faults["database outages"] == 1
    assert faults["workers killed"] >= 1
    assert figures["5xx in outages"] > 0, "the outage was felt: the clients retried through it"
