"""Redirects, followed by hand: each hop is checked before it is asked for.

A hop is not followed when its URL is invalid (``http_error``), off the allowed
origins (``redirect_offsite``), already in the chain (``redirect_loop``), past
the hop limit (``too_many_redirects``), or one the crawl has had already
(``duplicate``). Each refusal names the URL first asked for.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from harvest.errors import FetchError
from harvest.fetch._config import FetchConfig
from harvest.normalize import host_of, in_scope_origin, origin_of

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class RedirectChain:
    """The URLs of one fetch, from the one asked for to the current hop."""

    def __init__(
        self, url: str, config: FetchConfig, claim: Callable[[str], bool] | None = None
    ) -> None:
        """``claim(target)`` is asked before a hop is followed: False, the crawl has it."""
        self.urls = [url]
        self.config = config
        self.claim = claim

    @property
    def current(self) -> str:
        return self.urls[-1]

    def follow(self, location: str, status: int, attempts: int) -> str:
        """The URL that ``location`` (of a ``status`` answer) leads to, now the current
        one; FetchError when it is not to be followed."""
        try:
            target = str(httpx.URL(self.current).join(location))
        except httpx.InvalidURL as exc:
            message = f"redirect to an invalid URL {location!r}"
            raise self._refusal(message, "http_error", status, attempts) from exc
        refused = self._check(target)
        if refused is not None:
            raise self._refusal(*refused, status, attempts)
        self.urls.append(target)
        if self.claim is not None and not self.claim(target):
            message = f"redirect to {target}, fetched already in this run"
            raise self._refusal(message, "duplicate", status, attempts)
        return target

    def _check(self, target: str) -> tuple[str, str] | None:
        """(message, outcome) when ``target`` may not be followed, else None."""
        start, config = self.urls[0], self.config
        allowed = config.allowed_hosts or {h for h in [host_of(start)] if h}
        origins = config.origins or {o for o in [origin_of(start)] if o}
        if not in_scope_origin(target, allowed, origins):
            return f"redirect to {target} (origin not allowed): not followed", "redirect_offsite"
        if target in self.urls:
            loop = " -> ".join([*self.urls[self.urls.index(target) :], target])
            return f"redirect loop: {loop}", "redirect_loop"
        if len(self.urls) > config.max_redirects:
            return f"more than {config.max_redirects} redirects", "too_many_redirects"
        return None

    def _refusal(self, message: str, outcome: str, status: int, attempts: int) -> FetchError:
        return FetchError(
            message, url=self.urls[0], status=status, outcome=outcome, attempts=attempts
        )
