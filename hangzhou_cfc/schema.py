"""The OpenAPI schema as a generated client needs it: each operation's error answers in the
common envelope (see `hangzhou_cfc.api`), a summary and a tag per resource, and names a
code generator can use in any language.

The Open311 operations (`/api/open311/`) answer Open311's own errors and are described in
`suggestions/open311.py`; nothing here adds to them.
"""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import permissions, serializers
from rest_framework.authentication import TokenAuthentication

API_PREFIX = "/api/v1/"
OPEN311_PREFIX = "/api/open311/"

# Each resource of /api/v1/: its tag's description, and how a summary names one and many.
RESOURCES = {
    "suggestions": (
        "A child's suggestions and their journey: each workflow move is its own POST.",
        "a suggestion",
        "suggestions",
    ),
    "implemented": (
        "\u201cYou said, we did\u201d: implemented suggestions, public, pseudonyms only.",
        "an implemented suggestion",
        "implemented suggestions",
    ),
    "groups": ("Observation groups, public.", "an observation group", "observation groups"),
    "sub-teams": ("The municipal group's sub-teams, public.", "a sub-team", "sub-teams"),
    "practice-bases": (
        "Certified child-friendly practice bases, public.",
        "a practice base",
        "practice bases",
    ),
    "programmes": ("Named programmes and brands, public.", "a programme", "programmes"),
    "divisions": (
        "Hangzhou's districts, streets and communities by statistical code, public.",
        "a division",
        "divisions",
    ),
    "places": (
        "Known places (schools, parks, metro stations \u2026), found as a child types, public.",
        "a known place",
        "known places",
    ),
    "training-sessions": (
        "Training sessions: their mentors log and correct them.",
        "a training session",
        "training sessions",
    ),
    "activities": (
        "Activities: public; who came only for the sub-teams' people.",
        "an activity",
        "activities",
    ),
    "figures": ("The figures of a year, for the programme office.", "a year's figures", ""),
}
OPEN311_TAG = ("open311", "Open311 GeoReport v2, read only.")

# What each error status means here, for the schema's readers.
ERROR_MEANINGS = {
    400: "What was sent is not valid: `fields` names each field and what is wrong.",
    401: "No valid credentials: a token that is not valid, or none where one is needed.",
    403: "Not allowed for this user (or the browser session's CSRF token is missing).",
    404: "Not found, or not yours to see; also a page or cursor that does not exist.",
    409: "The move is not possible now (`illegal_move`, the reason in `fields.reason`), "
    "`version` is older than the suggestion's (`stale`), or a request with the same "
    "Idempotency-Key is being answered (`in_progress`). Nothing changed.",
    413: "The body is larger than 1 MB.",
    429: "Too many requests: try again after `Retry-After` seconds.",
}


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Machine-readable: `invalid`, `not_found` …")
    message = serializers.CharField(help_text="For people, in the request's language.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="For `invalid`: each field sent and what is wrong with it.",
    )


class ErrorSerializer(serializers.Serializer):
    """Every error of the API."""

    error = ErrorDetailSerializer()


def _resource(path: str) -> str | None:
    if not path.startswith(API_PREFIX):
        return None
    return path[len(API_PREFIX) :].split("/", 1)[0]


class AutoSchema(SpectacularAutoSchema):
    def get_tags(self):
        if self.path.startswith(OPEN311_PREFIX):
            return [OPEN311_TAG[0]]
        resource = _resource(self.path)
        return [resource] if resource in RESOURCES else super().get_tags()

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self.method == "POST" and self.path.startswith(API_PREFIX):
            parameters.append(
                OpenApiParameter(
                    "Idempotency-Key",
                    OpenApiTypes.STR,
                    OpenApiParameter.HEADER,
                    description="Any 1 to 255 printable ASCII characters, new for each request. "
                    "The same request sent again with the same key within 24 hours gets the "
                    "first answer (with `Idempotent-Replayed: true`) and changes nothing; the "
                    "key sent with another request is a 400 (`idempotency_key_reused`).",
                )
            )
        return parameters

    def get_summary(self):
        resource = RESOURCES.get(_resource(self.path))
        if resource is None:
            return super().get_summary()
        _description, one, many = resource
        action = getattr(self.view, "action", None)
        if action == "list":
            return f"List {many}"
        if action == "create":
            return f"Create {one}"
        if action in ("update", "partial_update"):
            return f"Correct {one}"
        return f"Read {one}"

    def _error_statuses(self) -> set[int]:
        view, method = self.view, self.method
        has_body = method in ("POST", "PUT", "PATCH")
        public = method in permissions.SAFE_METHODS and all(
            isinstance(p, permissions.AllowAny) for p in view.get_permissions()
        )
        filtered = getattr(view, "filterset_class", None) or getattr(view, "filterset_fields", None)
        statuses = set()
        if has_body or (self._is_list_view() and filtered):
            statuses.add(400)
        if any(isinstance(a, TokenAuthentication) for a in view.get_authenticators()):
            statuses.add(401)  # a token that is not valid, wherever it is sent
        if not public:
            statuses.add(403)
        paginated = method == "GET" and self._is_list_view() and self._get_paginator()
        if "{" in self.path or paginated:
            statuses.add(404)
        if has_body:
            statuses.add(413)
        if method == "POST" and self.path.startswith(API_PREFIX):
            statuses.update({400, 409})  # a key reused, or one being answered right now
        if view.get_throttles():
            statuses.add(429)
        return statuses

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if self.path.startswith(OPEN311_PREFIX):
            return responses
        for status in sorted(self._error_statuses()):
            documented = responses.setdefault(
                str(status),
                self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=ERROR_MEANINGS[status]),
                    str(status),
                    direction=direction,
                ),
            )
            if status == 429:
                documented.setdefault("headers", {})["Retry-After"] = {
                    "schema": {"type": "integer"},
                    "description": "Seconds to wait before the next request.",
                }
        return responses


def tags_and_plain_names(result, generator, request, public):
    """A postprocessing hook: describe each tag, and drop the `title`s taken from the models'
    verbose names (in the request's language): code generators name classes after them."""
    result["tags"] = [
        {"name": name, "description": description}
        for name, (description, _one, _many) in RESOURCES.items()
    ] + [{"name": OPEN311_TAG[0], "description": OPEN311_TAG[1]}]
    _drop_titles(result.get("paths", {}))
    _drop_titles(result.get("components", {}).get("schemas", {}))
    return result


SCHEMA_KEYS = {"type", "$ref", "allOf", "oneOf", "anyOf", "enum"}


def _drop_titles(node):
    if isinstance(node, dict):
        if isinstance(node.get("title"), str) and SCHEMA_KEYS & set(node):
            del node["title"]
            if set(node) == {"allOf"} and len(node["allOf"]) == 1:
                node.update(node.pop("allOf")[0])  # was there to carry the title
        for value in node.values():
            _drop_titles(value)
    elif isinstance(node, list):
        for value in node:
            _drop_titles(value)
