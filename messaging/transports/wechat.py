"""WeChat template messages from the programme's Official Account to a guardian who linked
their WeChat (messaging/views.py: wechat_link), through wechatpy.

A template message carries only the fields its template names (WECHAT_TEMPLATES maps them to
the message's: the child's pseudonym, the title's first words, the news) and a link to the
portal; never a real name, never the child's text.

The API wants an access token, which the Official Account fetches with its secret: at most
2,000 times a day, and each new token ends the one before it (after a few minutes). One token
is therefore kept for every worker process, in Django's cache (Redis in production): if each
process fetched its own, they would end each other's tokens all day and use up the quota.
"""

import requests
from django.conf import settings
from django.core.cache import caches
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException
from wechatpy.oauth import WeChatOAuth
from wechatpy.session import SessionStorage

from . import Content, InDoubt, Transport, TryLater, Undeliverable, first_words

# The token ran out, or another fetch replaced it: fetch a new one and try once more.
TOKEN_ERRORS = frozenset({40001, 40014, 42001})
# Refused for good (the Official Account's global return codes): trying again will not help.
REFUSED = frozenset(
    {
        40003,  # invalid openid: not a user of this Official Account
        43004,  # require subscribe: the guardian unfollowed the Official Account
        43019,  # require remove blacklist: the Official Account blocked the user
        43101,  # user refuse to accept the msg
        40036,  # invalid template_id size
        40037,  # invalid template_id: not (or no longer) in the account's templates
        47001,  # data format error
        47003,  # argument invalid: a field's value does not fit the template
        48001,  # api unauthorized: the account may not send template messages
    }
)
# Every other code (rate limits 45009 and 45011, -1 system busy, 40164 an address not on the
# account's list) is tried again later, as network errors are.

# The most characters a template's field of each kind takes (WeChat's template rules: a
# longer value is refused with 47003, so it is cut here with "…"). By the data key's prefix.
FIELD_LIMITS = {"thing": 20, "character_string": 32, "name": 10, "phrase": 5}

# A token is fetched anew this long before WeChat ends it, so that no message meets its end.
TOKEN_MARGIN = 300


class CacheStorage(SessionStorage):
    """wechatpy's session storage in a Django cache: one access token for every process that
    shares the cache (Redis in production; the file cache of `make run` is shared too)."""

    def __init__(self, alias: str = "default", prefix: str = "wechatpy"):
        self.alias, self.prefix = alias, prefix

    def _key(self, key: str) -> str:
        return f"{self.prefix}:{key}"

    def get(self, key, default=None):
        return caches[self.alias].get(self._key(key), default)

    def set(self, key, value, ttl=None):
        if value is None:
            return
        timeout = max(int(ttl) - TOKEN_MARGIN, 60) if ttl else None
        caches[self.alias].set(self._key(key), value, timeout)

    def delete(self, key):
        caches[self.alias].delete(self._key(key))


class TimeoutSession(requests.Session):
    """A requests session with a timeout on every request: wechatpy passes none when it
    fetches a token or exchanges an OAuth code."""

    def __init__(self, timeout: float):
        super().__init__()
        self.timeout = timeout

    def request(self, method, url, **kwargs):
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().request(method, url, **kwargs)


def api_base() -> str:
    return settings.WECHAT_API_BASE_URL.rstrip("/") + "/"


class Client(WeChatClient):
    """wechatpy's client of the Official Account at WECHAT_API_BASE_URL. wechatpy takes the
    API's address from API_BASE_URL, except the token's, which it names in full."""

    def __init__(self, *, appid: str, secret: str, base_url: str, timeout: float, session):
        # auto_retry off: wechatpy would fetch a token and try again as long as the API says
        # the token is bad, without end; WeChatTemplate.send tries once more, then waits.
        super().__init__(appid, secret, session=session, timeout=timeout, auto_retry=False)
        self.API_BASE_URL = base_url + "cgi-bin/"
        self._http = TimeoutSession(timeout)

    def fetch_access_token(self):
        return self._fetch_access_token(
            url=self.API_BASE_URL + "token",
            params={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
        )


def client() -> Client:
    return Client(
        appid=settings.WECHAT_APP_ID,
        secret=settings.WECHAT_APP_SECRET,
        base_url=api_base(),
        timeout=settings.WECHAT_TIMEOUT,
        session=CacheStorage(),
    )


class WeChatTemplate(Transport):
    channel = "wechat"
    quiet_for_families = True
    # WeChat cannot tell two copies of a template message apart.
    resend_in_doubt = False

    def __init__(self):
        self.client = client()

    def address(self, user) -> str:
        preferences = getattr(user, "message_preferences", None)
        return preferences.wechat_openid if preferences is not None else ""

    def send(self, *, message, content: Content, address: str) -> str:
        template_id, data = template_for(message, content)
        try:
            try:
                result = self._send(address, template_id, data, content.link)
            except WeChatClientException as error:
                if error.errcode not in TOKEN_ERRORS:
                    raise
                self._token(fresh=True)
                result = self._send(address, template_id, data, content.link)
        except WeChatClientException as error:
            raise outcome(error) from error
        return str(result.get("msgid", ""))

    def _token(self, *, fresh: bool = False) -> None:
        """The access token, fetched if need be before a message goes out: a network error
        here sent nothing."""
        try:
            if fresh:
                self.client.fetch_access_token()
            else:
                self.client.access_token  # noqa: B018 (fetches it when the cache has none)
        except requests.RequestException as error:
            raise TryLater(type(error).__name__, "WeChat could not be reached") from error

    def _send(self, openid: str, template_id: str, data: dict, link: str) -> dict:
        self._token()
        try:
            return self.client.message.send_template(openid, template_id, data, url=link or None)
        except requests.RequestException as error:
            if _unanswered(error):
                # WeChat may have sent it: given up for the office rather than sent twice.
                raise InDoubt(
                    type(error).__name__, "no answer to a request that went out"
                ) from error
            raise TryLater(type(error).__name__, "WeChat could not be reached") from error


def _unanswered(error: requests.RequestException) -> bool:
    """The request went out and no answer came: the read timed out, or the server closed the
    connection before answering."""
    return isinstance(error, requests.exceptions.ReadTimeout) or (
        isinstance(error, requests.exceptions.ConnectionError)
        and "Connection aborted" in str(error)
    )


def outcome(error: WeChatClientException) -> Exception:
    """What an answer of the API means for the message: refused for good, or try later."""
    if error.errcode is None:  # not an answer of the API: an HTTP error on the way
        status = getattr(error.response, "status_code", "")
        return TryLater(f"http_{status}", "WeChat answered with an HTTP error")
    code, reason = str(error.errcode), str(error.errmsg or "")
    if error.errcode in REFUSED:
        return Undeliverable(code, reason)
    return TryLater(code, reason)


def template_for(message, content: Content) -> tuple[str, dict]:
    """The Official Account's template id and its data for `message`, from WECHAT_TEMPLATES.
    A template or field not set up here is given up: the office sees which."""
    languages = settings.WECHAT_TEMPLATES.get(message.template) or {}
    entry = languages.get(message.language) or languages.get(settings.LANGUAGE_CODE)
    if not entry or not entry.get("template_id"):
        raise Undeliverable("no_template", f"WECHAT_TEMPLATES has no {message.template}")
    values = {**content.fields, "subject": content.subject}
    data = {}
    for key, name in (entry.get("data") or {}).items():
        if not values.get(name):
            raise Undeliverable("no_field", f"{message.template} has no field {name}")
        data[key] = {"value": _fitted(key, values[name])}
    return entry["template_id"], data


def openid_for_code(code: str) -> str:
    """The openid of the WeChat user a web authorization's code was given for (wechatpy's
    OAuth client, at WECHAT_API_BASE_URL). Raises WeChatOAuthException when WeChat refuses
    the code, requests.RequestException when it cannot be reached."""
    oauth = WeChatOAuth(settings.WECHAT_APP_ID, settings.WECHAT_APP_SECRET, redirect_uri="")
    oauth.API_BASE_URL = api_base()
    oauth._http = TimeoutSession(settings.WECHAT_TIMEOUT)
    return oauth.fetch_access_token(code)["openid"]


def _fitted(key: str, value: str) -> str:
    kind = key.rstrip("0123456789")
    limit = FIELD_LIMITS.get(kind)
    if limit is None or len(value) <= limit:
        return value
    return first_words(value, limit - 1)
