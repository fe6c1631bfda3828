"""Goal and drift rules of docs/rules.md as pure functions: (state, now, config) → decisions. No I/O, no clock."""

from streams.rules.config import RuleConfig
from streams.rules.drift import evaluate
from streams.rules.goals import baseline_due, goal_facts, goal_status
from streams.rules.model import (
    RULES,
    CampaignView,
    GoalFacts,
    GoalView,
    ItemView,
    Progress,
    Severity,
    SignalEvent,
    SignalState,
)
from streams.rules.signals import transition

__all__ = [
    "RULES",
    "CampaignView",
    "GoalFacts",
    "GoalView",
    "ItemView",
    "Progress",
    "RuleConfig",
    "Severity",
    "SignalEvent",
    "SignalState",
    "baseline_due",
    "evaluate",
    "goal_facts",
    "goal_status",
    "transition",
]
