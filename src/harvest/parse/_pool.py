"""A crawl's parse worker processes, fed over socket pairs by the event loop itself.

``concurrent.futures``' process pool moves each job through two threads of the
main process: a feeder that pickles and writes it, a manager that reads the
result and wakes the loop. That cost the crawl's main process 0.2-0.3 ms of CPU
a page, and each wake-up took the GIL from the thread that drives the network.
Here each worker holds one end of a socket pair and the other end is an asyncio
transport: the loop writes a job as a length-prefixed pickle, the worker writes
the result back the same way, and the result completes a future. No thread of
the main process takes part.

Workers run at a lower CPU priority than the main process (``nice``). When the
machine's cores are all busy, the process that drives the network then gets the CPU
first, and requests turn around without waiting behind a parse; the workers take
what is left, and the crawl's bounded parse backlog holds the fetching back if
they fall behind. On the crawl benchmark (2 cores shared with the server), nice 5
gave 497 -> 525 pages/s at 50 ms latency and no change at 0 ms.

A worker answers its jobs in order. One that exits (killed, crashed) fails the
jobs it had with ``WorkerGoneError``; the caller parses them inline. Workers exit
when their socket closes, and on their own when the main process is gone.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import multiprocessing
import multiprocessing.context
import os
import pickle
import signal
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from typing import Any

Handler = Callable[[Any], Any]  # a job in, its result out (never raising), both picklable

_FRAME = struct.Struct("!I")  # the length of the pickle that follows
_JOIN_S = 5.0


class WorkerGoneError(Exception):
    """A parse worker exited, or none is running: parse inline."""


class WorkerTimeoutError(Exception):
    """A job took longer than its time limit: its worker was killed and replaced."""


class _Link(asyncio.Protocol):
    """The main process's end of one worker's socket: jobs out, results back in order."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.transport: asyncio.Transport | None = None
        self.pending: deque[asyncio.Future[Any]] = deque()
        self.lost = False
        self._buffer = bytearray()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        while len(buffer) >= _FRAME.size:
            end = _FRAME.size + _FRAME.unpack_from(buffer)[0]
            if len(buffer) < end:
                return
            result = pickle.loads(buffer[_FRAME.size : end])
            del buffer[:end]
            future = self.pending.popleft()
            if not future.done():  # not cancelled while the worker parsed
                future.set_result(result)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        while self.pending:
            future = self.pending.popleft()
            if not future.done():
                future.set_exception(WorkerGoneError(f"a parse worker exited ({exc or 'closed'})"))

    def submit(self, job: Any) -> asyncio.Future[Any]:
        if self.lost or self.transport is None:
            raise WorkerGoneError("a parse worker exited")
        payload = pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.pending.append(future)
        self.transport.write(_FRAME.pack(len(payload)) + payload)
        return future

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)  # the worker reads the end now, not later
        if self.transport is not None:
            self.transport.abort()


class ParseWorkers:
    """``count`` worker processes running ``handler``; a job goes to the one with the
    fewest jobs waiting. ``context`` starts them (default: a plain forkserver).

    ``start`` blocks (it may boot the forkserver: run it in a thread); ``connect``
    then hands the sockets to the running loop.
    """

    def __init__(
        self,
        count: int,
        handler: Handler,
        *,
        context: multiprocessing.context.ForkServerContext | None = None,
        nice: int = 0,
    ) -> None:
        self.count = count
        self.handler = handler
        self.context = context or multiprocessing.get_context("forkserver")
        self.nice = nice
        self._lock = threading.Lock()
        self._closed = False
        self._started: list[tuple[BaseProcess, socket.socket]] = []
        self._links: list[_Link] = []
        self._replacing: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        for _ in range(self.count):
            process, mine = self._spawn()
            with self._lock:
                self._started.append((process, mine))
                if self._closed:  # closed while this thread was starting them
                    break
        if self._closed:
            self.close()

    def _spawn(self) -> tuple[BaseProcess, socket.socket]:
        """Start one worker process (blocking); its socket's main-process end."""
        mine, theirs = socket.socketpair()
        process = self.context.Process(
            target=serve,
            args=(theirs, os.getpid(), self.handler, self.nice),
            name="harvest-parse",
            daemon=True,
        )
        try:
            process.start()
        except BaseException:
            mine.close()
            raise
        finally:
            theirs.close()  # the worker has its own copy now (or never will)
        return process, mine

    async def connect(self) -> None:
        loop = asyncio.get_running_loop()
        for _, sock in self._started:
            _, link = await loop.create_unix_connection(functools.partial(_Link, sock), sock=sock)
            self._links.append(link)

    @property
    def pids(self) -> tuple[int, ...]:
        """The process ids of the workers started (a replaced one gives its place)."""
        with self._lock:
            return tuple(process.pid for process, _ in self._started if process.pid is not None)

    @property
    def alive(self) -> bool:
        """True while some worker takes jobs, or one is being replaced."""
        return bool(self._replacing) or any(not link.lost for link in self._links)

    async def parse(self, job: Any, timeout_s: float | None = None) -> Any:
        """The job's result; past ``timeout_s`` (from the job's submission) its worker
        is killed and replaced, and ``WorkerTimeoutError`` raised. The worker's other
        jobs fail with ``WorkerGoneError``: the caller may submit them again."""
        links = [link for link in self._links if not link.lost]
        if not links and self._replacing:
            await asyncio.wait(self._replacing)
            links = [link for link in self._links if not link.lost]
        if not links:
            raise WorkerGoneError("no parse worker is running")
        link = min(links, key=lambda link: len(link.pending))
        future = link.submit(job)
        if timeout_s is None:
            return await future
        done, _ = await asyncio.wait([future], timeout=timeout_s)
        if done:
            return future.result()
        future.cancel()
        if not link.lost:
            link.lost = True  # no new job goes to it
            task = asyncio.ensure_future(self._replace(link))
            self._replacing.add(task)
            task.add_done_callback(self._replacing.discard)
            await asyncio.wait([task])
        raise WorkerTimeoutError(f"parsing took longer than {timeout_s:g} s: stopped")

    async def _replace(self, link: _Link) -> None:
        """Kill the worker behind ``link`` and start another in its place."""
        if link not in self._links:
            return
        index = self._links.index(link)
        process, _ = self._started[index]
        process.kill()
        link.close()
        await asyncio.to_thread(process.join, _JOIN_S)
        if self._closed:
            return
        try:
            process, mine = await asyncio.to_thread(self._spawn)
        except Exception:  # one worker fewer; the others go on
            return
        loop = asyncio.get_running_loop()
        _, fresh = await loop.create_unix_connection(functools.partial(_Link, mine), sock=mine)
        with self._lock:
            if self._closed:
                fresh.close()
                return
            self._started[index] = (process, mine)
            self._links[index] = fresh

    def close(self) -> None:
        """Close the sockets, then wait for the workers to exit (killing any that do not)."""
        with self._lock:
            self._closed = True
            started, self._started = self._started, []
        for link in self._links:
            link.close()
        for process, sock in started:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            process.join(_JOIN_S)
            if process.is_alive():
                process.kill()
                process.join(_JOIN_S)
            sock.close()


def serve(sock: socket.socket, parent: int, handler: Handler, nice: int = 0) -> None:
    """A worker's life: read a job, handle it, write the result; until the socket closes."""
    worker_init(parent)
    if nice:
        with contextlib.suppress(OSError):  # a lower priority needs no privilege
            os.nice(nice)
    reader = sock.makefile("rb")
    while True:
        head = reader.read(_FRAME.size)
        if len(head) < _FRAME.size:
            return  # the main process closed its end
        (size,) = _FRAME.unpack(head)
        body = reader.read(size)
        if len(body) < size:
            return
        payload = pickle.dumps(handler(pickle.loads(body)), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            sock.sendall(_FRAME.pack(len(payload)) + payload)
        except OSError:
            return


def worker_init(parent: int) -> None:
    """Set up a worker process (given the main process's pid).

    - Ctrl-C reaches the whole process group; the main process decides what stops.
    - ``gc.freeze``: what the worker inherited from the forkserver (harvest, pydantic,
      selectolax ...) is left out of the cyclic collector, so a full collection does
      not touch, and copy, every page of memory it shares (~7 MiB a worker, once).
    - A worker whose main process was killed (SIGKILL: no chance to close its end)
      exits instead of waiting for work forever.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.freeze()
    threading.Thread(target=_exit_with, args=(parent,), name="orphan-watch", daemon=True).start()


def _exit_with(parent: int, every_s: float = 1.0) -> None:
    while True:
        time.sleep(every_s)
        try:
            os.kill(parent, 0)
        except (ProcessLookupError, PermissionError):  # gone (or its pid reused by another user)
            os._exit(1)
