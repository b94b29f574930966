"""The text of a privacy notice, as paragraphs, headings (## …) and lists (- …).

Every piece of text is escaped; only the tags made here are markup.
"""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def notice_text(text):
    blocks = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        paragraph, items = [], []
        for line in lines:
            if line.startswith("## "):
                blocks.append(format_html("<h2>{}</h2>", line[3:]))
            elif line.startswith("- "):
                items.append((line[2:],))
            else:
                if items:
                    blocks.append(
                        format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", items))
                    )
                    items = []
                paragraph.append(line)
        if items:
            blocks.append(format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", items)))
        if paragraph:
            blocks.append(format_html("<p>{}</p>", " ".join(paragraph)))
    # Each block was built by format_html, which escaped the text in it.
    return mark_safe("\n".join(blocks))  # noqa: S308
