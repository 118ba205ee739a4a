"""What an inbox allows: the limits every stage of an email keeps to.

A leaf module: the story fits its subject to :data:`SUBJECT_MAX`, the text
filters wrap at :data:`TEXT_WIDTH`, and the inbox checks measure against all
of them, without the early stages importing the last one.
"""

from __future__ import annotations

__all__ = ["GMAIL_CLIP_BYTES", "SIZE_BUDGET_BYTES", "SUBJECT_MAX", "TEXT_WIDTH"]

#: Gmail clips an HTML part larger than about 102 KB and hides the rest.
GMAIL_CLIP_BYTES = 102 * 1024
#: What delightmail aims at, leaving room for what an ESP adds (tracking, footers).
SIZE_BUDGET_BYTES = 90 * 1024
#: Inbox previews show about this many characters of a subject.
SUBJECT_MAX = 78
#: The plain-text part's lines, as mail clients have shown text since RFC 2822.
TEXT_WIDTH = 78
