"""How deeply a page's elements nest, estimated from its bytes before parsing.

An HTML parser's cost grows with the square of the nesting depth: lexbor takes
0.01 s for 4,096 nested elements, 0.2 s for 16,000, minutes for 100,000 (an
adversarial page of 1.1 MB). Browsers do not build such trees either (Chromium
caps the DOM at 512 levels). ``too_deep`` reads the start and end tags' names
with one regular expression and keeps a running depth, counting only elements
whose end tag is required (void elements and those closed implicitly, like
``<p>``, ``<li>`` or ``<td>``, would only inflate it). A page with no more tags
than the limit cannot be deeper: it is passed without a scan.
"""

from __future__ import annotations

import re

MAX_DEPTH = 4096
_TAG = re.compile(rb"<(/?)([A-Za-z][A-Za-z0-9-]{0,15})")
# Elements that never nest through their own tags: void ones, and those whose end
# tag may be left out (the parser closes them), and the document's frame.
_UNCOUNTED = frozenset(
    b"area base br col embed hr img input link meta source track wbr param keygen "
    b"p li dt dd td th tr thead tbody tfoot option optgroup rb rt rp colgroup caption "
    b"html head body".split()
)


def too_deep(body: bytes, limit: int = MAX_DEPTH) -> int | None:
    """The depth the page reaches when it passes ``limit``; None when it does not.

    >>> too_deep(b"<div>" * 5000, limit=4096)
    4097
    >>> too_deep(b"<ul>" + b"<li>x" * 5000 + b"</ul>", limit=4096) is None
    True
    """
    if body.count(b"<") <= limit:
        return None
    depth = 0
    for slash, tag in _TAG.findall(body):
        if tag.lower() in _UNCOUNTED:
            continue
        if slash:
            depth = max(0, depth - 1)
            continue
        depth += 1
        if depth > limit:
            return depth
    return None
