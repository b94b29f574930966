"""A stand-in for the WeChat Official Account API, on 127.0.0.1, for the tests and the bench.

It speaks the documented HTTP API as far as the portal uses it, with WeChat's own answers
(always HTTP 200 with a JSON body; `errcode` 0 or missing is success):

- GET  /cgi-bin/token?grant_type=client_credential&appid=&secret=   the access token
- POST /cgi-bin/message/template/send?access_token=                a template message
- GET  /connect/oauth2/authorize?appid=&redirect_uri=&response_type=code&scope=&state=
       the page WeChat shows inside its app: here the user agrees at once, and it redirects
       back to redirect_uri with code and state, as WeChat does
- GET  /sns/oauth2/access_token?appid=&secret=&code=&grant_type=authorization_code
       the code of that redirect for the user's openid (once)

Tests switch it: `expire_token()`, `unfollow(openid)`, `throttle(errcode)`, `fail(times)`,
`delay(seconds)`. `python -m tests.standins.wechat` runs it as a process (for the bench): it
prints its port on the first line, accepts any openid and template, and serves until killed;
GET /_standin/sent answers how many messages it took.
"""

import argparse
import itertools
import json
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

APP_ID = "wx-standin-app-id"
APP_SECRET = "standin-app-secret"
TEMPLATE_ID = "standin-template-id"

# WeChat's error codes and messages (the Official Account's global return codes).
ERRORS = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40003: "invalid openid",
    40013: "invalid appid",
    40029: "invalid code",
    40037: "invalid template_id",
    40125: "invalid appsecret",
    40163: "code been used",
    42001: "access_token expired",
    43004: "require subscribe",
    45009: "reach max api daily quota limit",
    47001: "data format error",
}


def _error(errcode: int) -> dict:
    return {"errcode": errcode, "errmsg": f"{ERRORS[errcode]} rid: {secrets.token_hex(4)}"}


class WeChatStandIn:
    """The server and what it holds; each switch is safe to call while it serves."""

    def __init__(self, *, app_id=APP_ID, secret=APP_SECRET, strict=True):
        self.app_id, self.secret = app_id, secret
        # strict: only followers (follow()) and TEMPLATE_ID; else any openid and template.
        self.strict = strict
        self.templates = {TEMPLATE_ID}
        self.followers: set[str] = set()
        self.unfollowed: set[str] = set()
        self.tokens: dict[str, bool] = {}  # token -> still valid
        self.token_fetches = 0
        self.codes: dict[str, str] = {}  # OAuth code -> openid (used once)
        self.visitor = ""  # the WeChat user who opens the authorize page
        self.sent: list[dict] = []
        self._throttle = 0
        self._failures, self._failure_code = 0, -1
        self._delay = 0.0
        self._ids = itertools.count(1_000_000_001)
        self._lock = threading.Lock()
        self._server = None
        self._thread = None

    # --- Lifecycle ---------------------------------------------------------------------------

    def start(self, port: int = 0) -> "WeChatStandIn":
        standin = self

        class Handler(_Handler):
            pass

        Handler.standin = standin
        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        """What WECHAT_API_BASE_URL is set to."""
        return f"http://127.0.0.1:{self.port}/"

    @property
    def authorize_url(self) -> str:
        """What WECHAT_OAUTH_AUTHORIZE_URL is set to."""
        return self.base_url + "connect/oauth2/authorize"

    # --- Switches ----------------------------------------------------------------------------

    def follow(self, openid: str = "") -> str:
        """A WeChat user who follows the Official Account: their openid."""
        openid = openid or "o" + secrets.token_urlsafe(20)
        with self._lock:
            self.followers.add(openid)
            self.unfollowed.discard(openid)
        return openid

    def unfollow(self, openid: str) -> None:
        with self._lock:
            self.unfollowed.add(openid)

    def expire_token(self) -> None:
        """Every token handed out so far ends (as after its 7,200 seconds)."""
        with self._lock:
            self.tokens = dict.fromkeys(self.tokens, False)

    def throttle(self, errcode: int | None = 45009) -> None:
        """Answer every template message with this rate limit until throttle(None)."""
        with self._lock:
            self._throttle = errcode or 0

    def fail(self, times: int, errcode: int = -1) -> None:
        """The next `times` template messages get `errcode` (-1: system busy)."""
        with self._lock:
            self._failures, self._failure_code = times, errcode

    def delay(self, seconds: float) -> None:
        """Answer template messages only after this long (a slow or unreachable provider)."""
        self._delay = seconds

    def sent_to(self, openid: str) -> list[dict]:
        with self._lock:
            return [message for message in self.sent if message["touser"] == openid]

    # --- The API -----------------------------------------------------------------------------

    def token(self, query: dict) -> dict:
        if query.get("grant_type") != "client_credential":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        if query.get("appid") != self.app_id:
            return _error(40013)
        if query.get("secret") != self.secret:
            return _error(40125)
        token = secrets.token_urlsafe(48)
        with self._lock:
            self.tokens[token] = True
            self.token_fetches += 1
        return {"access_token": token, "expires_in": 7200}

    def template_send(self, query: dict, body: bytes) -> dict:
        if self._delay:
            time.sleep(self._delay)
        with self._lock:
            valid = self.tokens.get(query.get("access_token", ""))
            if valid is None:
                return _error(40001)
            if not valid:
                return _error(42001)
            if self._throttle:
                return {"errcode": self._throttle, "errmsg": "api freq out of limit"}
            if self._failures:
                self._failures -= 1
                return _error(self._failure_code)
            try:
                message = json.loads(body)
            except ValueError:
                return _error(47001)
            openid = message.get("touser", "")
            if self.strict and openid not in self.followers:
                return _error(40003)
            if openid in self.unfollowed:
                return _error(43004)
            if self.strict and message.get("template_id") not in self.templates:
                return _error(40037)
            msgid = next(self._ids)
            self.sent.append(
                {
                    "msgid": msgid,
                    "touser": openid,
                    "template_id": message.get("template_id"),
                    "url": message.get("url", ""),
                    "data": message.get("data", {}),
                }
            )
        return {"errcode": 0, "errmsg": "ok", "msgid": msgid}

    def authorize(self, query: dict) -> tuple[int, dict]:
        """(status, headers) of the authorize page: straight back to redirect_uri."""
        if query.get("appid") != self.app_id or query.get("response_type") != "code":
            return 400, {}
        if query.get("scope") not in ("snsapi_base", "snsapi_userinfo"):
            return 400, {}
        code = secrets.token_hex(16)
        with self._lock:
            self.codes[code] = self.visitor or self.follow()
        parts = urlsplit(query.get("redirect_uri", ""))
        if parts.scheme not in ("http", "https"):
            return 400, {}
        back = parse_qs(parts.query)
        back.update(code=[code], state=[query.get("state", "")])
        return 302, {"Location": urlunsplit(parts._replace(query=urlencode(back, doseq=True)))}

    def oauth_access_token(self, query: dict) -> dict:
        if query.get("appid") != self.app_id:
            return _error(40013)
        if query.get("secret") != self.secret:
            return _error(40125)
        with self._lock:
            openid = self.codes.pop(query.get("code", ""), None)
        if openid is None:
            return _error(40029)
        return {
            "access_token": secrets.token_urlsafe(32),
            "expires_in": 7200,
            "refresh_token": secrets.token_urlsafe(32),
            "openid": openid,
            "scope": "snsapi_base",
        }


class _Handler(BaseHTTPRequestHandler):
    standin: WeChatStandIn
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # the tests' output stays readable
        pass

    def _answer(self, status: int, body: dict | None = None, headers: dict | None = None):
        data = json.dumps(body, ensure_ascii=False).encode() if body is not None else b""
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _route(self):
        parts = urlsplit(self.path)
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        return parts.path, query

    def do_GET(self):
        path, query = self._route()
        if path == "/cgi-bin/token":
            self._answer(200, self.standin.token(query))
        elif path == "/sns/oauth2/access_token":
            self._answer(200, self.standin.oauth_access_token(query))
        elif path == "/connect/oauth2/authorize":
            status, headers = self.standin.authorize(query)
            self._answer(status, None, headers)
        elif path == "/_standin/sent":
            self._answer(200, {"sent": len(self.standin.sent)})
        else:
            self._answer(404, {"errcode": 404, "errmsg": "not found"})

    def do_POST(self):
        path, query = self._route()
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if path == "/cgi-bin/message/template/send":
            self._answer(200, self.standin.template_send(query, body))
        else:
            self._answer(404, {"errcode": 404, "errmsg": "not found"})


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--app-id", default=APP_ID)
    parser.add_argument("--secret", default=APP_SECRET)
    args = parser.parse_args(argv)
    standin = WeChatStandIn(app_id=args.app_id, secret=args.secret, strict=False).start(args.port)
    print(standin.port, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        standin.stop()
        sys.stdout.flush()


if __name__ == "__main__":
    main()
