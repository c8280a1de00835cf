"""The shared frontier of a distributed crawl: several crawler processes, on one machine or many,
take requests from one queue and one dupefilter in Redis (scrapy-redis) and store into one corpus.

scrapy-redis gives the queue and the dupefilter. What it leaves open, and this module adds:

- **Nothing lost when a worker dies.** A request is moved from the queue into the worker's own
  in-flight hash in one atomic step, and leaves it only once its response has been handled (its
  links are queued). The in-flight requests of a worker that stopped sending heartbeats (or whose
  process is gone, on this machine) go back to the queue. A request may so be fetched twice, never
  zero times; a second fetch is one more capture, the article is stored once.
- **One seeding.** The first worker of a run reads the collection's seeds and discovery sources;
  the others start from the queue.
- **A common end.** A worker with an empty local queue waits while the shared queue holds requests
  or another live worker still has requests in flight; the last one out clears the run's state, so
  the next scheduled run starts afresh. A run stopped half-way (Ctrl-C, kill) keeps its queue,
  dupefilter and in-flight requests in Redis: starting the workers again resumes it.

Keys live under ``incident-archive:<collection>:`` so collections crawl side by side.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid

import redis
from scrapy import signals
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.utils.misc import load_object
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

log = logging.getLogger(__name__)

TOKEN = "frontier_token"  # request.meta: the request's field in this worker's in-flight hash
IDLE_POLL_SECONDS = 0.5  # how often a worker with nothing to do looks at the shared queue

# Pop the best request and record it as this worker's, in one step: a kill between the two
# cannot lose it.
_TAKE = """
local best = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #best == 0 then return nil end
redis.call('ZREM', KEYS[1], best[1])
redis.call('HSET', KEYS[2], ARGV[1], best[2] .. ' ' .. best[1])
return best[1]
"""
# A dead worker's in-flight requests back into the queue, each with its priority, in one step.
_REQUEUE = """
local taken = redis.call('HVALS', KEYS[1])
for _, entry in ipairs(taken) do
  local space = string.find(entry, ' ', 1, true)
  redis.call('ZADD', KEYS[2], string.sub(entry, 1, space - 1), string.sub(entry, space + 1))
end
redis.call('DEL', KEYS[1])
return #taken
"""


def redis_settings(collection: str, redis_url: str) -> dict:
    """The Scrapy settings that put a crawl of `collection` on the shared frontier."""
    prefix = f"incident-archive:{collection}"
    return {
        "REDIS_URL": redis_url,
        "SCHEDULER": "pipeline.run.frontier.FrontierScheduler",
        "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
        "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",
        "SCHEDULER_QUEUE_KEY": f"{prefix}:requests",
        "SCHEDULER_DUPEFILTER_KEY": f"{prefix}:dupefilter",
        "SCHEDULER_PERSIST": True,  # the run's state outlives a worker; Frontier.finish clears it
        "ARCHIVE_FRONTIER_PREFIX": prefix,
        "EXTENSIONS": {"pipeline.run.frontier.FrontierExtension": 100},
        "SPIDER_MIDDLEWARES": {"pipeline.run.frontier.FrontierDoneMiddleware": 10},
        "JOBDIR": None,  # the queue lives in Redis
    }


def check_redis(url: str) -> str | None:
    """None when Redis answers at `url`, else a one-line reason (credentials never shown)."""
    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except (redis.RedisError, ValueError, OSError) as exc:
        shown = url.split("@")[-1]
        return f"Redis at {shown} does not answer ({type(exc).__name__}: {exc})"
    return None


class Frontier:
    """This worker's view of the run's shared state in Redis."""

    def __init__(self, server: redis.Redis, prefix: str, heartbeat: float) -> None:
        self.server = server
        self.prefix = prefix
        self.heartbeat = heartbeat
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.queue_key = f"{prefix}:requests"
        self.inflight_key = self._inflight(self.worker)
        self._take = server.register_script(_TAKE)
        self._requeue = server.register_script(_REQUEUE)

    def _inflight(self, worker: str) -> str:
        return f"{self.prefix}:inflight:{worker}"

    def _alive_key(self, worker: str) -> str:
        return f"{self.prefix}:alive:{worker}"

    # membership
    def beat(self) -> None:
        self.server.set(self._alive_key(self.worker), "1", ex=max(1, int(self.heartbeat * 3)))

    def leave(self) -> None:
        self.server.delete(self._alive_key(self.worker), self.inflight_key)

    def alive(self, worker: str) -> bool:
        host, _, rest = worker.partition(":")
        pid = rest.partition(":")[0]
        if host == socket.gethostname() and pid.isdigit():
            try:
                os.kill(int(pid), 0)  # on this machine the process itself answers
            except ProcessLookupError:
                return False
            except PermissionError:
                pass
        return bool(self.server.exists(self._alive_key(worker)))

    def workers_in_flight(self) -> dict[str, int]:
        """Other workers with requests in flight: worker -> how many."""
        found = {}
        for key in self.server.scan_iter(match=self._inflight("*"), count=100):
            worker = key.decode().rsplit(":inflight:", 1)[1]
            if worker != self.worker:
                found[worker] = self.server.hlen(key)
        return {w: n for w, n in found.items() if n}

    def requeue_dead(self) -> int:
        """Put the in-flight requests of workers that died back in the queue."""
        moved = 0
        for worker in self.workers_in_flight():
            if not self.alive(worker):
                count = int(self._requeue(keys=[self._inflight(worker), self.queue_key]))
                if count:
                    log.warning("worker %s is gone: %d of its requests are queued again", worker, count)
                moved += count
        return moved

    # requests
    def take(self) -> tuple[bytes, str] | None:
        token = uuid.uuid4().hex
        data = self._take(keys=[self.queue_key, self.inflight_key], args=[token])
        return (data, token) if data is not None else None

    def done(self, token: str) -> None:
        self.server.hdel(self.inflight_key, token)

    def forget_handled(self) -> None:
        """At idle every request this worker took is handled (failed ones included)."""
        self.server.delete(self.inflight_key)

    def queued(self) -> int:
        return int(self.server.zcard(self.queue_key))

    # seeding and the end of a run
    def claim_seeding(self) -> bool:
        """True for the one worker that reads the seeds; a seeder that died mid-way is replaced."""
        key = f"{self.prefix}:seeding"
        if self.server.set(key, self.worker, nx=True):
            return True
        holder = (self.server.get(key) or b"").decode()
        if holder != "done" and not self.alive(holder):
            # the seeder died before it finished: whoever swaps it out seeds again
            return self.server.getset(key, self.worker) == holder.encode()
        return False

    def seeding_done(self) -> None:
        self.server.set(f"{self.prefix}:seeding", "done")

    def seeding_pending(self) -> bool:
        holder = (self.server.get(f"{self.prefix}:seeding") or b"").decode()
        return bool(holder) and holder != "done" and holder != self.worker and self.alive(holder)

    def finish(self) -> None:
        """The run is over: its dupefilter and seeding mark go, so the next run fetches again."""
        keys = [f"{self.prefix}:{name}" for name in ("dupefilter", "seeding", "requests")]
        self.server.delete(*keys)


class FrontierScheduler(Scheduler):
    """scrapy-redis's scheduler, taking each request into this worker's in-flight hash."""

    frontier: Frontier

    def open(self, spider):
        self.spider = spider
        self.frontier = spider.crawler.frontier
        self.queue = load_object(self.queue_cls)(
            server=self.server, spider=spider, key=self.queue_key, serializer=self.serializer
        )
        if not self.df:
            self.df = load_object(self.dupefilter_cls).from_spider(spider)
        if queued := len(self.queue):
            log.info("joining a crawl with %d requests queued in Redis", queued)

    def enqueue_request(self, request):
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        self.queue.push(request)
        return True

    def next_request(self):
        taken = self.frontier.take()
        if taken is None:
            return None
        data, token = taken
        request = self.queue._decode_request(data)
        request.meta[TOKEN] = token
        if self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request


class FrontierDoneMiddleware:
    """A response is handled once the spider's output for it is through: then its token goes."""

    def __init__(self, frontier: Frontier) -> None:
        self.frontier = frontier

    @classmethod
    def from_crawler(cls, crawler):
        frontier = getattr(crawler, "frontier", None)
        if frontier is None:
            raise NotConfigured("no shared frontier")
        return cls(frontier)

    def process_spider_output(self, response, result):
        yield from result
        self._done(response)

    async def process_spider_output_async(self, response, result):
        async for output in result:
            yield output
        self._done(response)

    def _done(self, response) -> None:
        token = response.meta.get(TOKEN)
        if token:
            self.frontier.done(token)


class FrontierExtension:
    """Joins the worker to the run: heartbeats, dead workers' requests re-queued, the common end."""

    def __init__(self, crawler, frontier: Frontier) -> None:
        self.crawler = crawler
        self.frontier = frontier
        self.beating: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        prefix = settings.get("ARCHIVE_FRONTIER_PREFIX")
        if not prefix:
            raise NotConfigured("not a distributed crawl")
        server = redis.Redis.from_url(settings.get("REDIS_URL"))
        frontier = Frontier(server, prefix, settings.getfloat("ARCHIVE_FRONTIER_HEARTBEAT"))
        crawler.frontier = frontier  # the scheduler, the middleware and the spider find it here
        extension = cls(crawler, frontier)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self, spider) -> None:
        self.frontier.beat()
        self.beating = task.LoopingCall(self._beat)
        self.beating.start(self.frontier.heartbeat, now=False)
        moved = self.frontier.requeue_dead()
        self.crawler.stats.set_value("frontier/worker", self.frontier.worker)
        if moved:
            self.crawler.stats.inc_value("frontier/requeued", moved)

    def _beat(self) -> None:
        try:
            self.frontier.beat()
        except redis.RedisError as exc:
            log.warning("Redis heartbeat failed: %s", exc)

    def spider_idle(self, spider) -> None:
        """Nothing left here: wait while the run has work anywhere, else end."""
        frontier = self.frontier
        frontier.forget_handled()
        moved = frontier.requeue_dead()
        if moved:
            self.crawler.stats.inc_value("frontier/requeued", moved)
        if frontier.queued() or frontier.seeding_pending() or frontier.workers_in_flight():
            self._look_again_soon()
            raise DontCloseSpider("the shared frontier still has work")

    def _look_again_soon(self) -> None:
        """Scrapy asks an idle spider's scheduler again only at its 5-second slot heartbeat, so a
        worker that started before the seeds were queued would sit out a short crawl, and one that
        ran dry would wait out the others' new links. The engine's own next-call hook is the one
        way to ask sooner; should a Scrapy release rename it, the heartbeat still works."""
        nextcall = getattr(getattr(self.crawler.engine, "_slot", None), "nextcall", None)
        if nextcall is not None:
            nextcall.schedule(IDLE_POLL_SECONDS)

    def spider_closed(self, spider, reason) -> None:
        if self.beating is not None and self.beating.running:
            self.beating.stop()
        frontier = self.frontier
        try:
            if reason == "finished":
                frontier.forget_handled()
                if not frontier.queued() and not frontier.workers_in_flight():
                    frontier.finish()
                frontier.leave()
            # Stopped early: in-flight requests stay for the next worker to take back.
            else:
                frontier.server.delete(frontier._alive_key(frontier.worker))
        except redis.RedisError as exc:
            log.warning("could not leave the shared frontier cleanly: %s", exc)
