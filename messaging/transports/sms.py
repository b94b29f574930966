"""Text messages through Tencent Cloud SMS (API 2021-01-11, action SendSms), by its official
Python SDK (tencentcloud-sdk-python-sms), which signs each request with TC3-HMAC-SHA256.

Why Tencent: its SDK is official, maintained and on PyPI, and its endpoint and scheme are
settings of the SDK itself (HttpProfile), so the tests point the very same client at a local
stand-in server that speaks the documented API (tests/standins/tencent_sms.py). The portal has
been tried only against that stand-in, never against Tencent's own servers.

Chinese SMS rules allow only approved templates: each of our message templates names, per
language, the provider's template id and which of Content.fields fill its variables, in order
(SMS_TEMPLATES). A message whose template has none is not sent ("no_sms_template"). Variables
are short (SMS_VARIABLE_LIMIT); the fields carry the child's pseudonym, the title's first
words and the news in a few words, never a real name or what the child wrote.

The provider's answer decides what happens to the message: a number it refuses for good (not
a mobile number, on its blacklist, unsubscribed) or a template or signature it has not
approved is given up at once with its code; a throttle, an internal error or a network error
is tried again later. An answer that does not come (a read timeout, a connection dropped after
the request went out) may follow a message the provider took: like a worker killed while
sending, it is not sent again (resend_in_doubt is off: Tencent does not drop copies) but given
up as "in doubt", and the office sees it and decides. A server that cannot be reached at all
is tried again.
"""

import phonenumbers
import requests
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.utils.translation import gettext_lazy as _
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models, sms_client

from . import Content, InDoubt, Transport, TryLater, Undeliverable

NO_SMS_TEMPLATE = "no_sms_template"

# Codes tried again later although their family is one of refusals: the account's balance or
# arrears (the office pays, then it goes), a clock out of step, an error of Tencent's own.
_PASSING = frozenset(
    {
        "FailedOperation.InsufficientBalanceInSmsPackage",
        "FailedOperation.FailResolvePacket",
        "UnauthorizedOperation.ServiceSuspendDueToArrears",
        "AuthFailure.SignatureExpire",
    }
)
# Families of codes that sending again will not change: the number (IncorrectPhoneNumber,
# PhoneNumberInBlacklist: unsubscribed numbers are on it too), the template or signature not
# approved (FailedOperation.TemplateIncorrectOrUnapproved), our parameters or credentials.
# Everything else (LimitExceeded.*, RequestLimitExceeded, InternalError.*, the SDK's
# ClientNetworkError and ServerNetworkError, a code we do not know) is tried again, at most
# services.MAX_ATTEMPTS times.
_FOR_GOOD = (
    "InvalidParameter",
    "MissingParameter",
    "FailedOperation.",
    "UnauthorizedOperation.",
    "UnsupportedOperation",
    "AuthFailure",
    "InvalidAction",
    "NoSuchVersion",
    # A country or region Tencent will not send to: LimitExceeded by name, a refusal in fact.
    "LimitExceeded.AppCountryOrRegionInBlacklist",
)


def _unanswered(error: TencentCloudSDKException) -> bool:
    """The SDK's network error came after the request was sent: the read timed out, or the
    server closed the connection before answering (requests' own exception is its context)."""
    cause = error.__context__
    return isinstance(cause, requests.exceptions.ReadTimeout) or (
        isinstance(cause, requests.exceptions.ConnectionError)
        and "Connection aborted" in str(cause)
    )


def refusal(code: str, text: str) -> Undeliverable | TryLater:
    """The error for the provider's `code`: given up at once, or tried again later."""
    code = code or "UnknownError"
    if code not in _PASSING and code.startswith(_FOR_GOOD):
        return Undeliverable(code, text)
    return TryLater(code, text)


def phone_normalise(text: str) -> str:
    """A mainland China mobile number as people type it (spaces, dashes, a +86 or 0086 prefix)
    in E.164 (+8613800138000); ValidationError for anything else, a landline included (it
    cannot receive a text)."""
    invalid = ValidationError(
        _("Please enter a mainland China mobile number, e.g. 138 0013 8000."),
        code="invalid_phone",
    )
    try:
        number = phonenumbers.parse(str(text or ""), "CN")
    except phonenumbers.NumberParseException:
        raise invalid from None
    mobile = phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
    if number.country_code != 86 or not phonenumbers.is_valid_number(number) or not mobile:
        raise invalid
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def short(text: str, limit: int) -> str:
    """A template variable within the provider's limit (each character counts one)."""
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class TencentSms(Transport):
    channel = "sms"
    quiet_for_families = True
    # Tencent sends every copy it is given: a message in doubt is left to the office.
    resend_in_doubt = False

    def __init__(self):
        http = HttpProfile(
            protocol=settings.SMS_SCHEME,
            endpoint=settings.SMS_ENDPOINT,
            reqTimeout=settings.SMS_TIMEOUT,
            keepAlive=True,
        )
        self.client = sms_client.SmsClient(
            credential.Credential(settings.SMS_SECRET_ID, settings.SMS_SECRET_KEY),
            settings.SMS_REGION,
            ClientProfile(httpProfile=http),
        )

    def address(self, user) -> str:
        try:
            phone = user.message_preferences.phone
        except ObjectDoesNotExist:
            return ""
        try:
            return phone_normalise(phone) if phone else ""
        except ValidationError:
            return ""

    def template(self, message, content: Content) -> tuple[str, list[str]]:
        """The provider's template id for this message and its variables, in order."""
        # A topic may have its own (staff's messages carry only the news, no child or title).
        templates = settings.SMS_TEMPLATES
        by_language = templates.get(f"{message.template}/{message.topic}") or templates.get(
            message.template, {}
        )
        chosen = by_language.get(message.language)
        if not chosen or not chosen.get("id"):
            raise Undeliverable(NO_SMS_TEMPLATE, f"{message.template} ({message.language})")
        missing = [name for name in chosen.get("fields", []) if name not in content.fields]
        if missing:
            raise Undeliverable(NO_SMS_TEMPLATE, f"{message.template}: no {', '.join(missing)}")
        limit = settings.SMS_VARIABLE_LIMIT
        return str(chosen["id"]), [
            short(content.fields[name], limit) for name in chosen.get("fields", [])
        ]

    def send(self, *, message, content: Content, address: str) -> str:
        template_id, variables = self.template(message, content)
        request = models.SendSmsRequest()
        request.PhoneNumberSet = [address]
        request.SmsSdkAppId = settings.SMS_SDK_APP_ID
        request.SignName = settings.SMS_SIGN_NAME
        request.TemplateId = template_id
        request.TemplateParamSet = variables
        # Comes back in delivery reports: which of our messages a report is about.
        request.SessionContext = f"message-{message.pk}"
        try:
            response = self.client.SendSms(request)
        except TencentCloudSDKException as error:
            if _unanswered(error):
                raise InDoubt(error.get_code(), "no answer to a request that went out") from None
            raise refusal(error.get_code(), error.get_message()) from None
        if not response.SendStatusSet:
            raise TryLater("EmptySendStatusSet", "no status in the provider's answer")
        status = response.SendStatusSet[0]
        if status.Code != "Ok":
            raise refusal(status.Code, status.Message)
        return status.SerialNo
