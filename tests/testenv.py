"""Loaded by pytest before Django (see pyproject's addopts): the suite's environment.

The suite runs against real PostgreSQL and Redis at their local default addresses; each variable can
be overridden from the environment (a second checkout uses another database name and Redis db).
"""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/recovery")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
os.environ.setdefault("CELERY_BROKER_URL", os.environ["REDIS_URL"])
os.environ.setdefault("PUBLIC_BASE_URL", "http://recovery.test")
os.environ.setdefault("SECRET_KEY", "test-secret-key-for-the-suite-only-0123456789abcdef")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("STATIC_MANIFEST", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1,recovery.test")
os.environ.setdefault("VAR_DIR", os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "var", "test"))

# Under pytest-xdist each worker process gets its own Redis database (14, 13, ...): a queue or a
# counter shared between two workers' tests would make them see each other's tasks.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if _worker.startswith("gw") and _worker[2:].isdigit():
    from urllib.parse import urlsplit, urlunsplit

    def _own_db(url: str, index: int) -> str:
        parts = urlsplit(url)
        base = int(parts.path.strip("/") or 0)
        return urlunsplit(parts._replace(path=f"/{max(base - index, 0)}"))

    _index = int(_worker[2:])
    for _name in ("REDIS_URL", "CELERY_BROKER_URL"):
        if os.environ[_name].startswith("redis"):
            os.environ[_name] = _own_db(os.environ[_name], _index)
