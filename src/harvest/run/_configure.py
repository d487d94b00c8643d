"""What a run's parts are told, built from the settings: the fetcher's ``FetchConfig``
and the frontier's ``Plan``.

Settings hold the values as the user gave them; the defaults that depend on where
pages come from (live: 2 requests at once a host, 1 s apart; replay: no limit beyond
``concurrency``) are decided here.
"""

from __future__ import annotations

from datetime import timedelta

from harvest.config import Settings
from harvest.fetch import FetchConfig
from harvest.run._plan import Plan
from harvest.run._schedule import RevisitPolicy
from harvest.run._scope import seed_origins


def fetch_config(settings: Settings) -> FetchConfig:
    """The fetcher's configuration for ``settings``."""
    live = settings.replay_dir is None
    concurrency = settings.concurrency
    return FetchConfig(
        concurrency=concurrency,
        per_host_concurrency=settings.per_host_concurrency
        or (min(2, concurrency) if live else concurrency),
        delay_s=(1.0 if live else 0.0) if settings.delay_s is None else settings.delay_s,
        connect_timeout_s=min(settings.timeout_s, settings.deadline_s),
        read_timeout_s=settings.timeout_s,
        deadline_s=settings.deadline_s,
        attempts=settings.attempts,
        backoff_s=settings.backoff_s,
        retry_after_cap_s=settings.retry_after_cap_s,
        max_body_bytes=settings.max_body_bytes,
        max_redirects=settings.max_redirects,
        user_agent=settings.user_agent,
        obey_robots=settings.obey_robots,
        allowed_hosts=frozenset(settings.allowed_hosts),
        resolve=tuple((host.lower(), address) for host, address in settings.resolve),
        origins=seed_origins(settings.seeds),
        proxy=settings.proxy,
        http2=settings.http2,
    )


def crawl_plan(settings: Settings) -> Plan:
    """What the frontier asks for: discovery's stop, the revisit budget and schedule."""
    return Plan(
        stop_after_known=settings.stop_after_known,
        revisit_budget=settings.revisit_budget,
        policy=RevisitPolicy(
            min_interval=timedelta(days=settings.min_interval_days),
            max_interval=timedelta(days=settings.max_interval_days),
            grow=settings.grow,
            shrink=settings.shrink,
            recency=settings.recency,
        ),
        full=settings.full,
        clock=settings.clock,
    )
