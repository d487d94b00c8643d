"""``harvest status``: the revisit schedule and listing walks a state file holds.

What the next run will ask for, estimated before it runs: one robots.txt a host,
the seeds, the listing pages discovery walks, and the revisits due within the
budget; pages new on the site come on top, one request each. At the configured pace
(requests start ``delay`` seconds apart on a host) that gives the run's length.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from harvest.config._settings import Settings
from harvest.run._configure import crawl_plan, fetch_config
from harvest.run._scope import is_listing
from harvest.state import State


def schedule_status(settings: Settings, now: datetime) -> dict[str, Any]:
    """The schedule, the walks and the next run's estimate, as one JSON-ready dict."""
    plan, state = crawl_plan(settings), State(settings.state_file)
    try:
        summary = state.schedule_summary(now, plan.policy.max_interval)
        walks = state.walks()
        listing_pages = state.listing_pages()
    finally:
        state.close()
    seeds = [url for url in settings.seeds if not is_listing(url)]
    by_root = {walk.root: walk for walk in walks}
    walk_pages = 0
    for root in (url for url in settings.seeds if is_listing(url)):
        walk = by_root.get(root)
        whole = walk is None or walk.unordered is not None or plan.full
        walk_pages += max(listing_pages, 1) if whole else plan.stop_after_known
    walk_pages += sum(1 for walk in walks if not walk.complete and walk.resume_url)
    revisits = summary.known if plan.full else min(summary.due, plan.revisit_budget)
    hosts = len({url.split("/")[2] for url in settings.seeds})
    requests = hosts + len(seeds) + walk_pages + revisits
    delay = fetch_config(settings).delay_s
    return {
        "state": str(settings.state_file),
        "now": now.isoformat(),
        "pages": {
            "known": summary.known,
            "listing_pages": listing_pages,
            "scheduled": summary.scheduled,
            "due_now": summary.due,
            "overdue": summary.overdue,
            "oldest_check": summary.oldest_check,
            "next_due": summary.next_due,
        },
        "walks": [
            {
                "root": walk.root,
                "complete": walk.complete,
                "resume_url": walk.resume_url,
                "out_of_order": walk.unordered,
            }
            for walk in walks
        ],
        "next_run": {
            "requests": requests,
            "robots": hosts,
            "seeds": len(seeds),
            "listing_pages": walk_pages,
            "revisits": revisits,
            "revisit_budget": None if plan.full else plan.revisit_budget,
            "plus": "one request per page new on the site",
            "delay_s": delay,
            "duration_s": round(requests * delay, 1),
        },
        "policy": {
            "min_interval_days": settings.min_interval_days,
            "max_interval_days": settings.max_interval_days,
            "grow": settings.grow,
            "shrink": settings.shrink,
            "recency": settings.recency,
        },
    }


def status_lines(status: dict[str, Any]) -> list[str]:
    """``schedule_status`` for people."""
    pages, run = status["pages"], status["next_run"]
    walks = status["walks"]
    complete = sum(1 for walk in walks if walk["complete"])
    unordered = sum(1 for walk in walks if walk["out_of_order"])
    budget = "all" if run["revisit_budget"] is None else f"{run['revisit_budget']:,}"
    max_days = status["policy"]["max_interval_days"]
    lines = [
        f"state {status['state']} at {status['now']}",
        f"pages known     {pages['known']:>9,}  (listing pages {pages['listing_pages']:,})",
        f"scheduled       {pages['scheduled']:>9,}",
        f"due now         {pages['due_now']:>9,}",
        f"overdue         {pages['overdue']:>9,}  (not checked for over {max_days:g} days)",
        f"oldest check    {pages['oldest_check'] or '-':>9}",
        f"next due        {pages['next_due'] or '-':>9}",
        f"listing walks   {len(walks):>9,}  ({complete} complete, {unordered} out of date order)",
        f"next run        {run['requests']:>9,} requests: robots.txt {run['robots']}, "
        f"seeds {run['seeds']}, listing pages {run['listing_pages']}, "
        f"revisits {run['revisits']:,} (budget {budget}); {run['plus']}",
        f"at the pace     {_duration(run['duration_s']):>9}  "
        f"(requests {run['delay_s']:g} s apart on a host)",
    ]
    return lines


def _duration(seconds: float) -> str:
    """
    >>> _duration(13), _duration(1500), _duration(45000)
    ('13 s', '25 min', '12.5 h')
    """
    if seconds < 120:
        return f"{seconds:g} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
