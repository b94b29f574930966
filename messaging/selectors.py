"""Reads of the outbox, for the pages that show whether an e-mail went, and of whom a guardian
sets messages for."""

from collections.abc import Iterable

from groups.models import Child, Role

from .models import Message


def messages_about(
    *, template: str, key: str, ids: Iterable[int], recipient_ids: Iterable[int]
) -> dict[int, Message]:
    """The latest message of `template` about each of `ids` (named in its context under
    `key`), by id, in one query. The recipients narrow it to their rows (an index), since the
    context has none."""
    ids = list(ids)
    if not ids:
        return {}
    messages = Message.objects.filter(
        template=template, recipient_id__in=set(recipient_ids), **{f"context__{key}__in": ids}
    ).order_by("created_at", "pk")
    return {message.context[key]: message for message in messages}


def children_of_guardian(user) -> list:
    """The children whose messages a guardian sets (messages page), pseudonym order, each with
    its login and its ChildReach row: one query. Empty for anyone else."""
    if user.role != Role.GUARDIAN:
        return []
    return list(
        Child.objects.filter(guardians__user=user)
        .select_related("user", "reach")
        .order_by("pseudonym")
    )
