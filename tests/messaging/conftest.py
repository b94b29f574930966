"""Fixtures of the messaging tests: the providers' stand-in servers (tests/standins/), each
started on 127.0.0.1 (an ephemeral port) and the portal's settings pointed at it."""

import pytest

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
