"""The worker keeps the log level it was given: no terminal spinner turning the root logger to DEBUG."""

from __future__ import annotations

import logging
from types import SimpleNamespace

from streams.app import TandemWorker, app


def test_the_app_starts_tandems_worker() -> None:
    assert app.conf.Worker is TandemWorker


def test_setting_up_the_root_logger_at_warning_leaves_its_level_and_handlers_alone() -> None:
    """Faust's own worker sets the root logger to DEBUG and adds a spinner handler at warning and above, so
    every debug call of aiokafka builds a record that no handler wants."""
    logger = logging.Logger("root-under-test", logging.WARNING)
    logger.addHandler(logging.NullHandler())
    worker = SimpleNamespace(spinner=object())
    TandemWorker.on_setup_root_logger(worker, logger, logging.WARNING)  # type: ignore[arg-type]
    assert (logger.level, len(logger.handlers), worker.spinner) == (logging.WARNING, 1, None)
