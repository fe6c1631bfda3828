"""Keeps credentials out of log lines, exception messages and dead letters.

`redact(text)` masks every secret registered with `register_secret` (the configured tokens and webhook
secrets) and anything shaped like a credential: `Authorization` headers, `Bearer`/`Basic` values,
`hapikey=`/`access_token=`/`token=` query parameters. `install_log_redaction()` makes every log record pass
through it, whoever logs it (the vendor libraries included).
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any

from pydantic import SecretStr

MASK = "***"
_PATTERNS = (
    re.compile(r"(?i)(['\"]?authorization['\"]?\s*[:=]\s*['\"]?)([^'\",}\r\n]+)"),
    re.compile(r"\b(Bearer|Basic|bearer)\s+[A-Za-z0-9._~+/=-]{6,}"),
    re.compile(r"(?i)\b(hapikey|access_token|api_token|token|secret|client_secret)=([^&\s'\"]+)"),
    re.compile(r"(?i)(x-hub-signature(?:-v3)?['\"]?\s*[:=]\s*['\"]?)([^'\",}\r\n]+)"),
)

_lock = threading.Lock()
_secrets: set[str] = set()


def register_secret(value: SecretStr | str | None) -> None:
    """Mask this value wherever it appears from now on (values shorter than 4 characters are ignored)."""
    if value is None:
        return
    text = value.get_secret_value() if isinstance(value, SecretStr) else value
    if len(text) >= 4:
        with _lock:
            _secrets.add(text)


def redact(text: str) -> str:
    """`text` with every registered secret and credential-shaped value masked."""
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, MASK)
    text = _PATTERNS[0].sub(lambda m: f"{m.group(1)}{MASK}", text)
    text = _PATTERNS[1].sub(lambda m: f"{m.group(1)} {MASK}", text)
    text = _PATTERNS[2].sub(lambda m: f"{m.group(1)}={MASK}", text)
    return _PATTERNS[3].sub(lambda m: f"{m.group(1)}{MASK}", text)


_installed = False
_base_factory: Any = None


def install_log_redaction() -> None:
    """Route every log record's message through `redact` (idempotent)."""
    global _installed, _base_factory
    with _lock:
        if _installed:
            return
        _installed = True
        _base_factory = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = _base_factory(*args, **kwargs)
        try:
            message = record.getMessage()
        except (TypeError, ValueError, KeyError):
            return record  # not ours to fix; logging reports it as usual
        masked = redact(message)
        if masked != message:  # records without a credential are left exactly as they were
            record.msg, record.args = masked, ()
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            masked_exc = redact(text)
            if masked_exc != text:
                record.exc_text, record.exc_info = masked_exc, None
        return record

    logging.setLogRecordFactory(factory)


__all__ = ["MASK", "install_log_redaction", "redact", "register_secret"]
