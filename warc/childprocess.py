"""A child process on the crawl's event loop (the WARC writer, an extraction worker): pickled
messages down one pipe, answers back up another in order, and when it dies, the messages it held
back to its owner, to send again (each pickled once) to another. The event loop itself reads and
writes the pipes: no thread in the parent.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import pickle
import struct
import subprocess
import sys
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

HEADER = struct.Struct("!Q")
PIPE_BYTES = 1 << 20  # Linux's default pipe-max-size
READ_BYTES = 1 << 18


class ChildGone(RuntimeError):
    """The child process ended before answering."""


def frame(message: Any) -> bytes:
    """Its 8-byte length, then the pickle."""
    data = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(data)) + data


@dataclass(eq=False)
class Message:
    """A message, framed once (it may be sent again), and the future its answer settles."""

    data: bytes
    answer: asyncio.Future
    tries: int = 0  # children that died working on it

    @classmethod
    def of(cls, message: Any, **fields: Any) -> Message:  # RuntimeError without a running loop
        return cls(frame(message), asyncio.get_running_loop().create_future(), **fields)

    def settle(self, ok: bool, value: Any) -> None:
        if not self.answer.done():
            self.answer.set_result(value) if ok else self.answer.set_exception(value)


Lost = Callable[["Child", list[Message]], None]


class Child:
    """One child process as the event loop sees it: the messages it holds, in the order it answers
    them. Its answer pipe closes when it dies: then `lost` gets what it held (the first, which it
    was working on, counts a try) and it is ended."""

    def __init__(self, process: Any, writes: Any, reads: Any, lost: Lost) -> None:
        self.process = process  # the owner's handle on it (a Popen, a multiprocessing Process)
        self.pipes = (writes, reads)  # file objects or multiprocessing Connections, closed by `end`
        self.writes, self.reads = writes.fileno(), reads.fileno()
        self.lost = lost
        self.held: deque[Message] = deque()
        self.unsent: deque[memoryview] = deque()  # what its full pipe has not taken yet
        self.received = bytearray()
        self.ended = False
        self.loop = asyncio.get_running_loop()
        for fd in (self.writes, self.reads):
            os.set_blocking(fd, False)
            try:  # a page or two whole in the pipe (Linux's default holds 64 kB): written at once,
                fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)  # and read without waiting for the rest
            except (AttributeError, OSError):  # not Linux, or over the system's pipe-max-size
                pass
        self.loop.add_reader(self.reads, self._readable)

    def send(self, message: Message) -> None:
        self.held.append(message)
        self.unsent.append(memoryview(message.data))
        if len(self.unsent) == 1:
            self._write()

    def _write(self) -> None:
        """Writes what its pipe takes now, the rest when it has room."""
        try:
            while self.unsent:
                self.unsent[0] = self.unsent[0][os.write(self.writes, self.unsent[0]) :]
                if self.unsent[0]:
                    break
                self.unsent.popleft()
        except BlockingIOError:
            pass
        except OSError:  # it is gone: its answer pipe says so
            self.unsent.clear()
        if self.unsent:
            self.loop.add_writer(self.writes, self._write)
        else:
            self.loop.remove_writer(self.writes)

    def _readable(self) -> None:
        try:
            data = os.read(self.reads, READ_BYTES)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            held = list(self.held)
            if held:
                held[0].tries += 1
            self.end()
            self.lost(self, held)
            return
        self.received += data
        while len(self.received) >= HEADER.size:
            end = HEADER.size + HEADER.unpack_from(self.received)[0]
            if len(self.received) < end:
                return
            ok, value = pickle.loads(self.received[HEADER.size : end])
            del self.received[:end]
            self.held.popleft().settle(ok, value)

    def end(self) -> None:
        """Closes its pipes now, not at the loop's next turn: it reads to the end of its input and
        exits. What it still held is not answered, nor is its end reported."""
        if not self.ended:
            self.ended = True
            self.loop.remove_reader(self.reads)
            self.loop.remove_writer(self.writes)
            for pipe in self.pipes:
                pipe.close()


def start_python(statement: str, lost: Lost, cwd: str | None = None) -> Child:
    """A fresh interpreter running `statement`, its ends of the pipes in sys.argv[1:3] (to read, to
    write) and no other descriptor of ours: when this process dies, its input ends."""
    theirs_read, ours_write = os.pipe()
    ours_read, theirs_write = os.pipe()
    writes, reads = open(ours_write, "wb", buffering=0), open(ours_read, "rb", buffering=0)
    command = [sys.executable, "-c", statement, str(theirs_read), str(theirs_write)]
    try:
        process = subprocess.Popen(command, pass_fds=(theirs_read, theirs_write), cwd=cwd)
    finally:
        os.close(theirs_read)
        os.close(theirs_write)
    return Child(process, writes, reads, lost)


def serve(handle: Callable[[Any], Any], reads: int, writes: int) -> None:
    """The child's side: each message to `handle`, its answer back ((True, value) or (False, the
    exception raised)), until the end of its input (the owner closed it, or is gone)."""
    messages, answers = open(reads, "rb", closefd=False), open(writes, "wb", closefd=False)
    while len(header := messages.read(HEADER.size)) == HEADER.size:
        size = HEADER.unpack(header)[0]
        if len(data := messages.read(size)) < size:
            return  # the owner is gone mid-message
        try:
            answer = frame((True, handle(pickle.loads(data))))
        except Exception as exc:
            try:
                answer = frame((False, exc))
            except Exception:  # an exception that does not pickle
                answer = frame((False, RuntimeError(repr(exc))))
        try:
            answers.write(answer)
            answers.flush()
        except BrokenPipeError:
            return
