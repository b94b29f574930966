"""System checks of the project's own settings (`manage.py check --deploy`)."""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, register

PORTAL_BASE_URL_HINT = (
    "Set PORTAL_BASE_URL to the address people open the portal at, e.g. "
    "https://portal.example.org: e-mails and calendar feeds link there."
)


def _is_this_machine(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


@register(Tags.security, deploy=True)
def check_portal_base_url(app_configs, **kwargs):
    """Links in e-mails and calendar feeds must reach the portal from elsewhere."""
    url = settings.PORTAL_BASE_URL
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return [
            Error(
                f"PORTAL_BASE_URL ({url!r}) is not the http(s) address of the portal.",
                hint=PORTAL_BASE_URL_HINT,
                id="hangzhou_cfc.E001",
            )
        ]
    if _is_this_machine(parts.hostname):
        return [
            Error(
                f"PORTAL_BASE_URL ({url!r}) is this machine's own address: links in e-mails "
                "and calendar feeds would lead nowhere for the people who get them.",
                hint=PORTAL_BASE_URL_HINT,
                id="hangzhou_cfc.E002",
            )
        ]
    return []
