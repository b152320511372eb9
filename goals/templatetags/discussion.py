"""Comments as HTML: {% load discussion %}. Plain text only: every character typed is escaped; line breaks,
http(s) links and the mentions that reached someone are the only markup added. They never query (a comment's
mentions are prefetched: goals.discussion.threads.threads_of)."""

import re

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

from goals import activity
from goals.discussion import mentions as parsing

register = template.Library()

# http(s) only: no javascript:, data: or other schemes can become a link. Stops at spaces, quotes, angle
# brackets and Japanese punctuation and brackets.
_URL = re.compile(r"https?://[^\s<>\"'`「」『』（）【】、。]+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\"*"
_SHOWN_URL_LENGTH = 60


def _link(url):
    shown = url if len(url) <= _SHOWN_URL_LENGTH else url[: _SHOWN_URL_LENGTH - 1] + "…"
    return format_html('<a href="{}" rel="nofollow noopener noreferrer" class="comment-link">{}</a>', url, shown)


def _text(text):
    """Escaped text with its http(s) addresses as links and its line breaks as <br>."""
    parts = []
    position = 0
    for match in _URL.finditer(text):
        url = match.group(0)
        trimmed = url.rstrip(_TRAILING)
        if trimmed.lower() in ("http://", "https://"):
            continue
        parts.append(escape(text[position : match.start()]))
        parts.append(_link(trimmed))
        position = match.start() + len(trimmed)
    parts.append(escape(text[position:]))
    return "".join(str(part) for part in parts).replace("\n", "<br>")


def render_body(body, mention_rows=()):
    """The body of a comment as safe HTML, its mentions (Mention rows) marked."""
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    directory = parsing.Directory()
    for row in mention_rows:
        directory.add(row.text, parsing.Target(user=row.user, department=row.department))
    found = [item for item in parsing.parse(body, directory) if item.target is not None] if directory.names else []
    parts = []
    position = 0
    for item in found:
        parts.append(_text(body[position : item.start]))
        kind = "department" if item.target.department is not None else "person"
        parts.append(str(format_html('<span class="mention mention--{}">@{}</span>', kind, item.text)))
        position = item.end
    parts.append(_text(body[position:]))
    return mark_safe("".join(parts))  # noqa: S308 -- every piece above is escaped or built by format_html


@register.filter
def comment_html(comment):
    """{{ comment|comment_html }}: its text as safe HTML (see the module docstring)."""
    return render_body(comment.body, comment.mentions.all())


@register.filter
def plain_excerpt(comment, length=200):
    """{{ comment|plain_excerpt }}: the start of its text, escaped, line breaks kept."""
    body = comment.body if len(comment.body) <= length else comment.body[: length - 1] + "…"
    return render_body(body, comment.mentions.all())


@register.filter
def change_sentences(change):
    """{{ change|change_sentences }}: a recorded change (goals.history.Change) as sentences (goals.activity)."""
    return activity.sentences(change)
