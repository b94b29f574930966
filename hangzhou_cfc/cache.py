"""The cache on Redis, sharing its database with the Celery broker."""

from django_redis.cache import RedisCache, omit_exception
from redis.client import Redis


def _glob_escape(text: str) -> str:
    return "".join(f"[{c}]" if c in "*?[]" else c for c in text)


class SharedRedisCache(RedisCache):
    """django-redis, except that clear() deletes the cache's own keys only: those under its
    KEY_PREFIX (settings.redis_cache), which no key of the broker's starts with.

    django-redis clears with FLUSHDB, which would also drop every task waiting in the broker's
    queue (the same Redis database): a cleared cache must never lose a routing job or an
    e-mail's task."""

    @omit_exception
    def clear(self) -> None:
        client: Redis = self.client.get_client(write=True)
        pattern = _glob_escape(self.key_prefix) + ":*"
        batch = []
        for key in client.scan_iter(match=pattern, count=1000):
            batch.append(key)
            if len(batch) == 1000:
                client.delete(*batch)
                batch = []
        if batch:
            client.delete(*batch)
