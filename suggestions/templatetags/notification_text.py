"""`{{ notice|notice_for:user }}`: what a notification says to the one reading it (a guardian
reads about their child's suggestion, a child about their own)."""

from django import template

register = template.Library()


@register.filter
def notice_for(notice, reader) -> str:
    return notice.text_for(reader)
