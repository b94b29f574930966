"""`{% suggestion_stages suggestion as stages %}`: the four steps of a suggestion's journey for
templates/includes/stepper.html and stepper_mini.html (selectors.suggestion_stages)."""

from django import template

from suggestions import selectors

register = template.Library()


@register.simple_tag
def suggestion_stages(suggestion):
    return selectors.suggestion_stages(suggestion)
