"""The item ledger (table ``items``): every enqueued item has a row from the moment it is
enqueued until it ends terminal. This package is the only code that reads or writes it.

* ``states``: the states and their groups (``TERMINAL_STATES``, ``DONE_STATES`` ...).
* ``enqueue``: ``record_enqueued``, the producer's hot path (both backends tuned).
* ``transitions``: started, sent-failure, rejected, dead, rejected-source, and ``record_done``
  which the store writes inside its own transaction.
* ``readers``: counts by state and by stage, batch pace, rows to replay or sweep, items.
* ``keys``: item keys already in the ledger (the producer's re-run).

Callers write ``from tasks.storage import ledger`` and ``ledger.<name>(...)``.
"""

from __future__ import annotations

from tasks.storage.ledger import enqueue, keys, readers, rows, states, transitions
from tasks.storage.ledger.enqueue import *  # noqa: F403
from tasks.storage.ledger.keys import *  # noqa: F403
from tasks.storage.ledger.readers import *  # noqa: F403
from tasks.storage.ledger.rows import *  # noqa: F403
from tasks.storage.ledger.states import *  # noqa: F403
from tasks.storage.ledger.transitions import *  # noqa: F403

# Each module's public names, and only those (not the modules themselves).
__all__ = [
    *states.__all__,
    *rows.__all__,
    *enqueue.__all__,
    *transitions.__all__,
    *readers.__all__,
    *keys.__all__,
]
