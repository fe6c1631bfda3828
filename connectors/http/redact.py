"""Keeps credentials out of log lines, exception messages and dead letters.

`redact(text)` masks every secret registered with `register_secret` and anything shaped like a credential:
`Authorization` headers, `Bearer`/`Basic` values, `hapikey=`/`access_token=`/`token=` query parameters.
A secret is masked however it was written out: as it is, percent-encoded (`%2F` or `%2f`, `+` for a space:
a token in a query string or a form) or JSON-escaped. `register_settings(settings)` registers every secret
setting (each `SecretStr`, inside lists and dicts too: the API tokens with and without their role, each
Slack webhook URL, its path and the path's last segment, where the secret is); the settings class calls it
when it is loaded, so no secret setting can be forgotten. `install_log_redaction()` makes every log record
pass through `redact`, whoever logs it (the vendor libraries included).
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, SecretStr

MASK = "***"
SHORTEST = 4
"""Values shorter than this are never registered (they would mask ordinary words)."""
_PATTERNS = (
    re.compile(r"(?i)(['\"]?authorization['\"]?\s*[:=]\s*['\"]?)([^'\",}\r\n]+)"),
    re.compile(r"\b(Bearer|Basic|bearer)\s+[A-Za-z0-9._~+/=-]{6,}"),
    re.compile(r"(?i)\b(hapikey|access_token|api_token|token|secret|client_secret)=([^&\s'\"]+)"),
    re.compile(r"(?i)(x-hub-signature(?:-v3)?['\"]?\s*[:=]\s*['\"]?)([^'\",}\r\n]+)"),
)
_JSON_ESCAPES = {'"': r'\\"', "\\": r"\\\\", "/": r"\\/"}

_lock = threading.Lock()
_secrets: set[str] = set()
_pattern: re.Pattern[str] | None = None


def _spelled(char: str) -> str:
    """A regex for one character of a secret: itself, percent-encoded (either case), or JSON-escaped."""
    forms = [re.escape(char)]
    encoded = "".join(f"%{byte:02X}" for byte in char.encode("utf-8"))
    forms.append("".join(f"%[{h[1]}{h[1].lower()}][{h[2]}{h[2].lower()}]" for h in re.findall(r"%..", encoded)))
    if char == " ":
        forms.append(r"\+")
    if char in _JSON_ESCAPES:
        forms.append(_JSON_ESCAPES[char])
    return forms[0] if len(forms) == 1 else f"(?:{'|'.join(forms)})"


def _compile(secrets: set[str]) -> re.Pattern[str] | None:
    if not secrets:
        return None
    ordered = sorted(secrets, key=len, reverse=True)  # the longest first: a secret containing another goes whole
    return re.compile("|".join("".join(_spelled(char) for char in secret) for secret in ordered))


def register_secret(value: SecretStr | str | None) -> None:
    """Mask this value wherever it appears from now on (values shorter than 4 characters are ignored)."""
    global _pattern
    if value is None:
        return
    text = value.get_secret_value() if isinstance(value, SecretStr) else value
    if len(text) < SHORTEST:
        return
    with _lock:
        if text not in _secrets:
            _secrets.add(text)
            _pattern = _compile(_secrets)


def _walk(value: Any) -> Iterator[SecretStr]:
    if isinstance(value, SecretStr):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _walk(item)
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _walk(getattr(value, name))


def secret_values(settings: BaseModel) -> list[str]:
    """Every secret a settings object holds: each `SecretStr` anywhere in it; for an API token entry
    (`token:role`) the bare token too; for a URL (a Slack webhook) also its path, where the secret is."""
    found: list[str] = []
    for secret in _walk(settings):
        text = secret.get_secret_value()
        found.append(text)
        parts = urlsplit(text) if "://" in text else None
        if parts is not None and parts.netloc:
            tail = parts.path + (f"?{parts.query}" if parts.query else "")
            if len(tail) >= 24:  # Slack's /services/T…/B…/…; not a short local path such as /hook
                found.append(tail)
            last = parts.path.rstrip("/").rpartition("/")[2]
            if len(last) >= 16:  # Slack's secret part, the last segment, quoted on its own
                found.append(last)
        elif ":" in text:
            found.append(text.rpartition(":")[0].strip())
    return [text for text in found if len(text) >= SHORTEST]


def register_settings(settings: BaseModel) -> None:
    """Mask every secret of `settings` from now on (see `secret_values`)."""
    for text in secret_values(settings):
        register_secret(text)


def redact(text: str) -> str:
    """`text` with every registered secret and credential-shaped value masked."""
    with _lock:
        pattern = _pattern
    if pattern is not None:
        text = pattern.sub(MASK, text)
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


__all__ = ["MASK", "install_log_redaction", "redact", "register_secret", "register_settings", "secret_values"]
