"""Fixtures of the messaging tests: the providers' stand-in servers (tests/standins/), each
started on 127.0.0.1 (an ephemeral port) and the portal's settings pointed at it."""

import email
import email.policy
import subprocess
import sys
import time
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# --- SMS: Tencent Cloud SMS stand-in (tests/standins/tencent_sms.py) -----------------------

# The provider's template ids of our templates, per language, as SMS_TEMPLATES has them.
SMS_TEMPLATE_IDS = {"zh-hans": "2001001", "en": "2001002"}


@pytest.fixture
def sms_standin(settings):
    """A running stand-in for Tencent Cloud SMS, and the SMS channel turned on and pointed at
    it (over plain HTTP), with a template for "suggestions.notification" in each language."""
    from messaging.transports import transport_for
    from tests.standins.tencent_sms import TencentSmsStandIn

    with TencentSmsStandIn() as standin:
        settings.SMS_SECRET_ID = standin.secret_id
        settings.SMS_SECRET_KEY = standin.secret_key
        settings.SMS_SDK_APP_ID = "1400000001"
        settings.SMS_SIGN_NAME = "杭州儿童观察团"
        settings.SMS_ENDPOINT = standin.endpoint
        settings.SMS_SCHEME = "http"
        settings.SMS_TIMEOUT = 2
        settings.SMS_TEMPLATES = {
            "suggestions.notification": {
                language: {"id": template_id, "fields": ["child", "title", "news"]}
                for language, template_id in SMS_TEMPLATE_IDS.items()
            },
            # Staff's: the news only (their messages name no child and no title).
            "suggestions.notification/work": {
                language: {"id": f"3{template_id}", "fields": ["news"]}
                for language, template_id in SMS_TEMPLATE_IDS.items()
            },
        }
        settings.MESSAGE_TRANSPORTS = {
            **settings.MESSAGE_TRANSPORTS,
            "sms": "messaging.transports.sms.TencentSms",
        }
        transport_for.cache_clear()
        yield standin
    transport_for.cache_clear()


# --- end of SMS ---------------------------------------------------------------------------


# --- E-mail: a real SMTP server (aiosmtpd, tests/standins/smtp.py) ---------------------------


class SmtpServer:
    """aiosmtpd in a process of its own on 127.0.0.1; what it received is in `folder`.

    `stop()` and `start()` play an outage: it comes back on the same port."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = 0
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.standins.smtp", str(self.folder), str(self.port)],
            cwd=BASE_DIR,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline()
        if not line.strip().isdigit():
            self.stop()
            raise RuntimeError("the SMTP stand-in did not start")
        self.port = int(line)

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process.stdout.close()
        self.process = None

    def received(self) -> list[email.message.EmailMessage]:
        """Every message received so far, in arrival order, parsed as a mail program would."""
        return [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            for path in sorted(self.folder.glob("*.eml"))
        ]

    def received_by(self, address: str) -> list[email.message.EmailMessage]:
        return [mail for mail in self.received() if address in str(mail["To"])]

    def wait_for(self, count: int, timeout: float = 10) -> list[email.message.EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(received := self.received()) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return received


@pytest.fixture
def smtp_server(settings, tmp_path):
    """A real SMTP server, and Django's SMTP backend pointed at it (not locmem): what the
    e-mail transport sends goes over a socket, as in production."""
    from messaging.transports import transport_for

    server = SmtpServer(tmp_path / "smtp")
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    transport_for.cache_clear()
    try:
        yield server
    finally:
        server.stop()
        transport_for.cache_clear()


# --- End of the e-mail block -----------------------------------------------------------------


# --- WeChat (tests/standins/wechat.py) ------------------------------------------------------

# The Official Account's template for the news of a suggestion, as WECHAT_TEMPLATES names it:
# its data keys, each filled with one field of the message.
WECHAT_DATA = {"first": "subject", "thing1": "child", "thing2": "title", "thing3": "news"}


@pytest.fixture
def wechat(settings):
    """The WeChat stand-in, serving on 127.0.0.1, with the portal's WeChat transport pointed at
    it. Quiet hours are off, so that a test sends whatever the hour (one test turns them on)."""
    from messaging.transports import transport_for
    from tests.standins.wechat import APP_ID, APP_SECRET, TEMPLATE_ID, WeChatStandIn

    standin = WeChatStandIn().start()
    settings.WECHAT_APP_ID = APP_ID
    settings.WECHAT_APP_SECRET = APP_SECRET
    settings.WECHAT_API_BASE_URL = standin.base_url
    settings.WECHAT_OAUTH_AUTHORIZE_URL = standin.authorize_url
    settings.WECHAT_TIMEOUT = 5
    settings.WECHAT_TEMPLATES = {
        "suggestions.notification": {
            "zh-hans": {"template_id": TEMPLATE_ID, "data": WECHAT_DATA},
            "en": {"template_id": TEMPLATE_ID, "data": WECHAT_DATA},
        }
    }
    settings.MESSAGE_TRANSPORTS = {
        **settings.MESSAGE_TRANSPORTS,
        "wechat": "messaging.transports.wechat.WeChatTemplate",
    }
    settings.MESSAGES_QUIET_HOURS = (0, 0)
    # As the settings do when WECHAT_APP_ID is set: the browser may follow "Link WeChat" there.
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    settings.CONTENT_SECURITY_POLICY = {
        **settings.CONTENT_SECURITY_POLICY,
        "DIRECTIVES": {**directives, "form-action": ["'self'", standin.base_url.rstrip("/")]},
    }
    transport_for.cache_clear()
    yield standin
    standin.stop()
    transport_for.cache_clear()


# --- end of WeChat --------------------------------------------------------------------------
