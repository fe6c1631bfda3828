"""One budget per vendor app and event loop (`Budget.shared`)."""

from __future__ import annotations

import asyncio

from aiolimiter import AsyncLimiter

from connectors.http.caller import Budget


def limiter() -> AsyncLimiter:
    return AsyncLimiter(10, 1)


async def budget_of(key: str) -> Budget:
    return Budget.shared(key, limiter)


def test_clients_of_one_app_in_one_loop_share_a_budget() -> None:
    async def both() -> tuple[Budget, Budget, Budget]:
        return await budget_of("app-a"), await budget_of("app-a"), await budget_of("app-b")

    first, again, other = asyncio.run(both())
    assert first is again and first is not other


def test_a_new_event_loop_never_inherits_an_earlier_loops_budget() -> None:
    """Limiters belong to one loop, and a closed loop's `id()` may be reused by the next one: a budget held
    (or slowed) in one loop must not reach a later loop that happens to get the same id."""
    earlier = asyncio.run(budget_of("app-a"))
    earlier.hold(600, "daily limit", reserve=False)
    for _ in range(5):
        later = asyncio.run(budget_of("app-a"))
        assert later is not earlier and later.hold_state is None
