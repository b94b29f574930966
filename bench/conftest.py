# The same server rules as the tests: skipped without PostgreSQL, failing under CI=true.
from tests.conftest import pytest_runtest_setup  # noqa: F401
