"""How an entry names its object.

django-auditlog names an object by its `str()`, and a suggestion's is its title: a child's own
words. Entries about a suggestion are named by its number instead, before they are written.
"""

NAMED_BY_NUMBER = {("suggestions", "suggestion")}


def name_without_free_text(sender, instance, **kwargs):
    content_type = instance.content_type
    if (content_type.app_label, content_type.model) in NAMED_BY_NUMBER:
        instance.object_repr = f"#{instance.object_pk}"
