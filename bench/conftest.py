# The same server rules as the tests: skipped without PostgreSQL, failing under CI=true.
from tests.conftest import pipe, pytest_runtest_setup  # noqa: F401
from tests.messaging.conftest import sms_standin  # noqa: F401
