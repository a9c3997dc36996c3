"""Template helpers of the web check-in pages."""

import re

from django import template

register = template.Library()
_PLACE = re.compile(r"\{\w+\}")


@register.filter
def fill(text: str, value) -> str:
    """The page text with its next {placeholder} filled: {{ t.heading|fill:day_word }}."""
    return _PLACE.sub(lambda _: str(value), text, count=1)
