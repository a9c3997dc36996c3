"""Logging filters: the request logs name the path, never the query string (a nurse's search for a
name or a phone fragment must not land in the log)."""

import logging
import re

_QUERY = re.compile(r"(/[^\s?\"']*)\?[^\s\"']*")


def without_query(text: str) -> str:
    return _QUERY.sub(r"\1", text)


class DropQueryStrings(logging.Filter):
    """For django.server (runserver's access lines) and django.request (4xx and 5xx warnings)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = without_query(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(without_query(arg) if isinstance(arg, str) else arg for arg in record.args)
        return True
