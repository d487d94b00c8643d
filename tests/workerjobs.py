"""A handler for the parse-worker tests, in a module that imports next to nothing.

A worker unpickles its handler by importing the handler's module; from a test module
that import (pytest, harvest's crawl) takes half a second, which counted towards the
time limit of the first job a fresh worker gets.
"""

from __future__ import annotations

import time


def sleepy(job: object) -> object:
    """("sleep", s) sleeps s seconds and answers "slept"; anything else is echoed."""
    if isinstance(job, tuple) and job[0] == "sleep":
        time.sleep(job[1])
        return "slept"
    return ("echo", job)
