"""The ledger's states: one set of names for every module that reads or writes them.

A row moves ``queued -> processing -> stored | duplicate | rejected | dead``. ``stored`` and
``duplicate`` (the article is in the database) are *done*: no later event leaves them.
``rejected`` and ``dead`` are terminal too, but a replay or a re-run may send them again.
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "ALL_STATES",
    "DEAD",
    "DONE_STATES",
    "DUPLICATE",
    "FAILED_STATES",
    "IN_FLIGHT_STATES",
    "PROCESSING",
    "QUEUED",
    "REJECTED",
    "STORED",
    "TERMINAL_STATES",
    "DoneState",
    "ItemState",
]

ItemState = Literal["queued", "processing", "stored", "duplicate", "rejected", "dead"]
DoneState = Literal["stored", "duplicate"]

QUEUED: ItemState = "queued"
PROCESSING: ItemState = "processing"
STORED: DoneState = "stored"
DUPLICATE: DoneState = "duplicate"
REJECTED: ItemState = "rejected"
DEAD: ItemState = "dead"

# Ordered tuples, not sets: summaries and tables list them in this order.
IN_FLIGHT_STATES: tuple[ItemState, ...] = (QUEUED, PROCESSING)
# States no later event may leave: the article is in the database.
DONE_STATES: tuple[DoneState, ...] = (STORED, DUPLICATE)
# Failures a replay may send again.
FAILED_STATES: tuple[ItemState, ...] = (REJECTED, DEAD)
TERMINAL_STATES: tuple[ItemState, ...] = (*DONE_STATES, *FAILED_STATES)
ALL_STATES: tuple[ItemState, ...] = (*IN_FLIGHT_STATES, *TERMINAL_STATES)
