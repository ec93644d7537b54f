"""Which image references production refuses: a tag that is moved to new images by design.

A digest pins an image whatever its tag says, so a mutable tag with a digest is fine.
"""

from __future__ import annotations

import re

MUTABLE_TAGS = ("", "latest", "*-latest", "latest-*", "main", "master", "edge", "nightly", "dev", "stable")
MUTABLE_TAG = re.compile("^(" + "|".join(re.escape(t).replace(r"\*", ".*") for t in MUTABLE_TAGS) + ")$")
# For descriptions and messages: "empty, latest, *-latest, ..."
MUTABLE_TAGS_TEXT = ", ".join(t or "empty" for t in MUTABLE_TAGS)


def is_mutable(tag: str, digest: str = "") -> bool:
    """Whether an image with this tag (and digest, if any) may change under its name."""
    return not digest and bool(MUTABLE_TAG.match(tag))
