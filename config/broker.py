"""kombu's Redis transport, publishing through one client per channel.

For every message it publishes, kombu's Redis channel builds a new redis.Redis client over the same
connection pool, and building one costs more than sending the message. Every check-in publishes a
task, so this channel keeps the client it built for publishing and uses it again. Everything else,
connections and consuming included, is kombu's own. Used for redis:// brokers (config/settings.py).
"""

from contextlib import contextmanager

from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):
    _publishing_client = None

    @contextmanager
    def conn_or_acquire(self, client=None):
        if client:
            yield client
            return
        if self._publishing_client is None:
            # Thread-safe: a client takes a connection from the pool for each command.
            self._publishing_client = self._create_client()
        yield self._publishing_client


class Transport(kombu_redis.Transport):
    Channel = Channel
