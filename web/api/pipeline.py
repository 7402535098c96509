"""The pipeline's state (queue depths, ledger counts, recent rate, failed items) and replay."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Depends, HTTPException, Query

from tasks.common import utc_now
from tasks.storage import ledger
from web.api.models import FailedItem, PipelineStatus, ReplayReply, ReplayRequest
from web.auth import api_operator, api_reader
from web.state import WebState, web_state

__all__ = ["pipeline_status", "replay_failed", "router"]

router = APIRouter(tags=["pipeline"])


def pipeline_status(state: WebState, failed_limit: int = 100) -> PipelineStatus:
    from workers.queue_depth import stage_depths_or_none

    counts = ledger.batch_counts(state.engine)
    by_stage: dict[str, dict[str, int]] = {}
    for (stage, item_state), n in sorted(ledger.counts_by_stage(state.engine).items()):
        by_stage.setdefault(stage or "(none)", {})[item_state] = n
    failed = ledger.list_items(state.engine, states=ledger.FAILED_STATES, limit=failed_limit)
    return PipelineStatus(
        queues=stage_depths_or_none(state.celery, state.settings.pipeline),
        counts=counts,
        by_stage=by_stage,
        in_flight=ledger.in_flight_count(counts),
        done_last_minute=ledger.done_since(state.engine, utc_now() - timedelta(seconds=60)),
        failed=[
            FailedItem(id=r.id, state=r.state, stage=r.stage, reason=r.reason, error=r.error,
                       source=r.source, attempts=r.attempts, replayable=bool(r.payload))
            for r in failed
        ],
    )


def replay_failed(state: WebState, request: ReplayRequest) -> ReplayReply:
    """What ``newsflow replay`` does, with whole item ids."""
    from workers.producer.replay import ReplayNotSent, replay_items

    if not (request.ids or request.reason or request.all):
        raise HTTPException(422, "give ids, a reason, or all=true")
    try:
        report = replay_items(state.celery, state.settings, state.engine,
                              ids=request.ids or None, reason=request.reason)
    except ReplayNotSent as exc:
        # the items stay queued, marked not sent: `newsflow replay --unsent` sends them
        raise HTTPException(503, f"the broker refused the items ({exc.cause}); "
                                 f"{len(exc.items)} stay queued as not sent") from exc
    return ReplayReply(replayed=report.replayed, without_payload=report.without_payload)


@router.get("/pipeline", response_model=PipelineStatus, dependencies=[Depends(api_reader)])
def pipeline(
    failed_limit: int = Query(100, ge=0, le=1000),
    state: WebState = Depends(web_state),
) -> PipelineStatus:
    """Queue depths, items per state and per stage, the last minute's rate, failed items."""
    return pipeline_status(state, failed_limit)


@router.post("/replay", response_model=ReplayReply, dependencies=[Depends(api_operator)])
def replay(request: ReplayRequest, state: WebState = Depends(web_state)) -> ReplayReply:
    """Send failed items through the chain again (operator tokens only)."""
    return replay_failed(state, request)
