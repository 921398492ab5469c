"""Structured JSON logs, one object per line, each tagged with the request id.

Log calls pass ids and counts as `extra=` fields, never CV text, names or transcript text;
the access log records the path without its query string (which may carry `?token=`).
"""

from __future__ import annotations

import json
import logging
import sys
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)

# attributes every LogRecord has; anything else came in through `extra=`
_STANDARD_ATTRS = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys() | {"message", "asctime"}
)


_DROPPED = frozenset({"color_message"})  # uvicorn's ANSI-coloured duplicate of msg


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key in _STANDARD_ATTRS or key in _DROPPED or key.startswith("_"):
                continue
            entry[f"extra_{key}" if key in entry else key] = value  # never shadow ts/level/msg
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


_request_ids_installed = False


def install_request_ids() -> None:
    """Stamp `request_id` on every LogRecord when it is created (idempotent).

    Done at creation, not at formatting, because handlers may format later and elsewhere
    (queues, pytest's caplog), when the request's context is gone.
    """
    global _request_ids_installed
    if _request_ids_installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        request_id = request_id_var.get()
        if request_id is not None:
            record.request_id = request_id
        return record

    logging.setLogRecordFactory(factory)
    _request_ids_installed = True


def configure_logging(level: str = "INFO") -> None:
    """Route our and uvicorn's loggers to one JSON handler on stderr."""
    install_request_ids()
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        uv = logging.getLogger(name)
        uv.handlers[:] = []
        uv.propagate = True
    # uvicorn's access log prints query strings (?token=); ours does not
    logging.getLogger("uvicorn.access").disabled = True
    # pypdf warns about every oddity of a malformed upload; the rejection is what matters
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    # at DEBUG these print SQL parameters, i.e. CV text and names
    for name in ("aiosqlite", "sqlalchemy", "asyncpg"):
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
