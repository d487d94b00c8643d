"""Commentary and blog articles (``article.blog``): body text and hero image."""

from __future__ import annotations

from selectolax.lexbor import LexborNode

from harvest.parse._base import Fields
from harvest.parse._html import first, join_paragraphs, text_of
from harvest.parse._publication import PublicationPage

BODY_SELECTORS = ("article .body-text", ".body-text", "article .article-body", "article")
HERO_SELECTORS = (".hero-image", ".post-heading + .photo", "article .photo")
# Inside the body, these hold repeated or promotional text, not the article.
_NOT_BODY = frozenset(
    {
        "pull-quote",
        "social-media-buttons",
        "newsletter-subscription-box-wrapper",
        "related-resources",
        "additional-info",
        "post-heading",
        "photo",
        "hero-image",
        "author-wrap",
        "authors",
        "original-source",
        "caption",
        "credit",
    }
)


class CommentaryPage(PublicationPage):
    """An article page: the shared publication fields plus body and hero image."""

    def summary(self) -> str | None:
        return self.pick("summary", ("json-ld description / meta description", self.description))

    def body(self) -> str | None:
        return self.pick("body", ("dom article body", self._dom_body))

    def _dom_body(self) -> str | None:
        node = first(self.find, *BODY_SELECTORS)
        if node is None:
            return None
        return join_paragraphs(text_of(p) for p in _body_paragraphs(node))

    def image(self) -> Fields | None:
        return self.pick(
            "image", ("dom hero image", lambda: self.image_of(first(self.find, *HERO_SELECTORS)))
        )


def _body_paragraphs(node: LexborNode) -> list[LexborNode]:
    """The ``<p>`` elements of the body, skipping quotes, share and subscribe boxes."""
    found = []
    for child in node.iter():
        if not child.is_element_node:  # a comment (iter gives all but text)
            continue
        classes = (child.attrs.get("class") or "").split()
        if not _NOT_BODY.isdisjoint(classes) or child.tag in (
            "aside",
            "nav",
            "form",
            "script",
            "style",
        ):
            continue
        if child.tag == "p":
            found.append(child)
        elif child.tag in ("div", "section", "blockquote", "ul", "ol"):
            found.extend(_body_paragraphs(child) if child.tag in ("div", "section") else [child])
    return found
