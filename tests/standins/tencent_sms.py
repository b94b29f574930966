"""A stand-in for Tencent Cloud SMS, API 2021-01-11, action SendSms, on 127.0.0.1.

It does what the documented API does with a request, as far as the portal can tell:
- refuses what is not SendSms of version 2021-01-11 (InvalidAction, NoSuchVersion);
- refuses a number not in E.164 (InvalidParameterValue.IncorrectPhoneNumber, as its status) and
  a template variable longer than its limit (InvalidParameterValue.TemplateParameterLengthLimit);
- checks the TC3-HMAC-SHA256 signature against the secret key it was given and refuses a wrong
  one (AuthFailure.SecretIdNotFound, AuthFailure.SignatureFailure) or an old one
  (AuthFailure.SignatureExpire, more than 5 minutes off);
- answers with HTTP 200 and a JSON body {"Response": {"SendStatusSet": [...], "RequestId"}}
  or {"Response": {"Error": {"Code", "Message"}, "RequestId"}}, where a number refused is a
  status with its own Code in SendStatusSet, as Tencent does.

Each SMS it accepts is recorded (number, template id, variables, signature name, session
context). A test switches its behaviours: `reject` a number (with a code), `throttle` or `fail`
the next N requests, `hang` every answer for some seconds (for the client's timeout: the SMS
is recorded before the wait, as a provider that took it and answered late).

As a process (`python -m tests.standins.tencent_sms [--secret-id ID --secret-key KEY]`) it
prints its port as its first line and serves until stopped. GET /_standin/sent gives what it
recorded ({"count", "sent"}); POST /_standin/behaviour with a JSON object sets behaviours
({"reject": {number: code}, "throttle": n, "fail": n, "hang": seconds}).
"""

import argparse
import hashlib
import hmac
import json
import re
import sys
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SERVICE = "sms"
ACTION = "SendSms"
VERSION = "2021-01-11"
SECRET_ID = "AKIDstandin"
SECRET_KEY = "standin-secret-key"

_AUTHORIZATION = re.compile(
    r"TC3-HMAC-SHA256 Credential=(?P<id>[^/]+)/(?P<date>\d{4}-\d{2}-\d{2})/(?P<service>[^/]+)"
    r"/tc3_request, SignedHeaders=(?P<headers>[a-z0-9;-]+), Signature=(?P<signature>[0-9a-f]{64})"
)
_E164 = re.compile(r"\+[1-9]\d{6,14}")
_MESSAGES = {
    "InvalidParameterValue.IncorrectPhoneNumber": "the number {number} is not a phone number",
    "FailedOperation.PhoneNumberInBlacklist": "the number {number} is in the blacklist",
    "LimitExceeded.PhoneNumberDailyLimit": "the number {number} has had its SMS of the day",
}


@dataclass
class Sent:
    number: str
    template_id: str
    params: list[str]
    sign_name: str
    session_context: str
    serial_no: str
    sdk_app_id: str


@dataclass
class Behaviour:
    # number (E.164) → the code its status answers (a refusal)
    reject: dict[str, str] = field(default_factory=dict)
    # the next so many requests are answered with throttle_code (a request's error)
    throttle: int = 0
    throttle_code: str = "RequestLimitExceeded"
    # the next so many requests are answered with fail_code
    fail: int = 0
    fail_code: str = "InternalError.OtherError"
    # seconds to wait before each answer
    hang: float = 0.0


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()


def signature(*, secret_key, method, path, query, headers, signed, body, timestamp, date, service):
    """TC3-HMAC-SHA256 as Tencent documents it ("签名方法 v3"): the canonical request, the
    string to sign, and the key derived from the secret key by date, service, "tc3_request"."""
    canonical_headers = "".join(f"{name}:{headers[name].strip().lower()}\n" for name in signed)
    canonical = "\n".join(
        [
            method,
            path,
            query,
            canonical_headers,
            ";".join(signed),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{date}/{service}/tc3_request"
    to_sign = "\n".join(
        [
            "TC3-HMAC-SHA256",
            str(timestamp),
            scope,
            hashlib.sha256(canonical.encode("utf-8")).hexdigest(),
        ]
    )
    key = _hmac(("TC3" + secret_key).encode("utf-8"), date)
    key = _hmac(_hmac(key, service), "tc3_request")
    return hmac.new(key, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()


class _Refused(Exception):
    def __init__(self, code, message):
        super().__init__(code)
        self.code, self.message = code, message


class TencentSmsStandIn:
    """The server and what it saw. Use as a context manager, or start() and stop()."""

    def __init__(
        self, *, secret_id=SECRET_ID, secret_key=SECRET_KEY, host="127.0.0.1", variable_limit=12
    ):
        self.secret_id, self.secret_key = secret_id, secret_key
        # Characters in one template variable: 12 for an individual's account.
        self.variable_limit = variable_limit
        self.behaviour = Behaviour()
        self.sent: list[Sent] = []
        self.requests = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.server = ThreadingHTTPServer((host, 0), _handler_for(self))
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = None

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.sent)

    def start(self):
        # A short poll: stop() (which waits for the next poll) is then quick.
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self):
        self._stopping.set()
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --- what a test switches ---------------------------------------------------------------

    def reject(self, number, code="InvalidParameterValue.IncorrectPhoneNumber"):
        with self._lock:
            self.behaviour.reject[number] = code

    def throttle(self, times=1, code="RequestLimitExceeded"):
        with self._lock:
            self.behaviour.throttle, self.behaviour.throttle_code = times, code

    def fail(self, times=1, code="InternalError.OtherError"):
        with self._lock:
            self.behaviour.fail, self.behaviour.fail_code = times, code

    def hang(self, seconds):
        with self._lock:
            self.behaviour.hang = seconds

    def configure(self, **changes):
        with self._lock:
            for name, value in changes.items():
                if not hasattr(self.behaviour, name):
                    raise ValueError(f"no behaviour {name!r}")
                setattr(self.behaviour, name, value)

    # --- the API ----------------------------------------------------------------------------

    def answer(self, *, method, path, query, headers, body) -> dict:
        """The `Response` object for one request (without its RequestId)."""
        with self._lock:
            self.requests += 1
        self._check_signature(method, path, query, headers, body)
        if headers.get("x-tc-action") != ACTION:
            raise _Refused("InvalidAction", f"action {headers.get('x-tc-action')} not found")
        if headers.get("x-tc-version") != VERSION:
            raise _Refused("NoSuchVersion", f"version {headers.get('x-tc-version')} not found")
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            raise _Refused("FailedOperation.JsonParseFail", "the body is not JSON") from None
        for name in ("PhoneNumberSet", "SmsSdkAppId", "TemplateId"):
            if not params.get(name):
                raise _Refused("MissingParameter", f"the parameter {name} is missing")
        for value in params.get("TemplateParamSet") or []:
            if len(value) > self.variable_limit:
                raise _Refused(
                    "InvalidParameterValue.TemplateParameterLengthLimit",
                    f"a template variable is longer than {self.variable_limit} characters",
                )
        with self._lock:
            if self.behaviour.throttle > 0:
                self.behaviour.throttle -= 1
                raise _Refused(self.behaviour.throttle_code, "too many requests, slow down")
            if self.behaviour.fail > 0:
                self.behaviour.fail -= 1
                raise _Refused(self.behaviour.fail_code, "an internal error, try again")
            statuses = []
            for number in params["PhoneNumberSet"]:
                code = self.behaviour.reject.get(number)
                if not _E164.fullmatch(number):
                    code = "InvalidParameterValue.IncorrectPhoneNumber"
                if code:
                    message = _MESSAGES.get(code, "refused: {number}").format(number=number)
                    statuses.append(self._status(number, params, code, message, ""))
                    continue
                serial = f"2433:{uuid.uuid4().int % 10**28:028d}"
                self.sent.append(
                    Sent(
                        number=number,
                        template_id=str(params["TemplateId"]),
                        params=list(params.get("TemplateParamSet") or []),
                        sign_name=params.get("SignName", ""),
                        session_context=params.get("SessionContext", ""),
                        serial_no=serial,
                        sdk_app_id=str(params["SmsSdkAppId"]),
                    )
                )
                statuses.append(self._status(number, params, "Ok", "send success", serial))
        return {"SendStatusSet": statuses}

    @staticmethod
    def _status(number, params, code, message, serial):
        return {
            "SerialNo": serial,
            "PhoneNumber": number,
            "Fee": 1 if code == "Ok" else 0,
            "SessionContext": params.get("SessionContext", ""),
            "Code": code,
            "Message": message,
            "IsoCode": "CN",
        }

    def _check_signature(self, method, path, query, headers, body):
        found = _AUTHORIZATION.fullmatch(headers.get("authorization", ""))
        if not found:
            raise _Refused("AuthFailure.InvalidAuthorization", "Authorization is not TC3")
        if found["id"] != self.secret_id:
            raise _Refused("AuthFailure.SecretIdNotFound", "the SecretId is not known")
        timestamp = int(headers.get("x-tc-timestamp") or 0)
        if abs(time.time() - timestamp) > 300:
            raise _Refused("AuthFailure.SignatureExpire", "the signature has expired")
        if found["date"] != datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d"):
            raise _Refused("AuthFailure.SignatureFailure", "the date is not the timestamp's")
        signed = found["headers"].split(";")
        if not {"content-type", "host"} <= set(signed) or any(h not in headers for h in signed):
            raise _Refused("AuthFailure.SignatureFailure", "content-type and host must be signed")
        expected = signature(
            secret_key=self.secret_key,
            method=method,
            path=path,
            query=query,
            headers=headers,
            signed=signed,
            body=body,
            timestamp=timestamp,
            date=found["date"],
            service=found["service"],
        )
        if not hmac.compare_digest(expected, found["signature"]):
            raise _Refused("AuthFailure.SignatureFailure", "the signature is not right")

    def hang_now(self):
        with self._lock:
            seconds = self.behaviour.hang
        if seconds:
            self._stopping.wait(seconds)

    def records(self) -> dict:
        with self._lock:
            return {"count": len(self.sent), "sent": [asdict(sent) for sent in self.sent]}


def _handler_for(standin: TencentSmsStandIn):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body leave in two writes: without this, each answer waits for the
        # client's delayed ACK (40 ms), which would bound any benchmark against the stand-in.
        disable_nagle_algorithm = True

        def log_message(self, *args):  # quiet: a test's output is not a server log
            pass

        def _reply(self, status, payload):
            body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _body(self):
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def do_GET(self):
            if self.path == "/_standin/sent":
                self._reply(200, standin.records())
            else:
                self._reply(404, {"error": "not found"})

        def do_POST(self):
            body = self._body()
            if self.path == "/_standin/behaviour":
                try:
                    standin.configure(**json.loads(body or b"{}"))
                except (ValueError, TypeError) as error:
                    self._reply(400, {"error": str(error)})
                    return
                self._reply(200, asdict(standin.behaviour))
                return
            path, _, query = self.path.partition("?")
            headers = {name.lower(): value for name, value in self.headers.items()}
            request_id = str(uuid.uuid4())
            try:
                response = standin.answer(
                    method="POST", path=path, query=query, headers=headers, body=body
                )
            except _Refused as refused:
                response = {"Error": {"Code": refused.code, "Message": refused.message}}
            standin.hang_now()
            self._reply(200, {"Response": {**response, "RequestId": request_id}})

    return Handler


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--secret-id", default=SECRET_ID)
    parser.add_argument("--secret-key", default=SECRET_KEY)
    arguments = parser.parse_args(argv)
    standin = TencentSmsStandIn(secret_id=arguments.secret_id, secret_key=arguments.secret_key)
    print(standin.port, flush=True)
    try:
        standin.server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        standin.server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
