"""Moving Redis read counts into the database so that a crash loses nothing and doubles nothing.

One round:
1. claim: an atomic script renames the pending hashes to a batch and records a new flush id
   (or hands back the unfinished batch of a flush that died);
2. apply: one database transaction inserts the CounterFlush row for that id first, then adds
   the batch's counts; if the id is already there (an earlier run committed, then died, or a
   concurrent run beat us), the counts are not added again;
3. release: the batch keys are deleted, only if they still belong to that flush id.

Killed before 2 commits: the batch waits in Redis and the next run applies it. Killed after
2 commits: the next run finds the id recorded, skips it and releases it. Reads arriving
meanwhile go to fresh pending hashes and are flushed in the next round.
"""

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from articles.counters.upsert import add_reads
from articles.models import CounterFlush

logger = logging.getLogger(__name__)

# Flush records older than this are pruned; a batch is never left unresolved that long.
KEEP_RECORDS = timedelta(days=14)


@dataclass
class FlushResult:
    batches: int = 0
    reads: int = 0
    articles: int = 0
    skipped: list = field(default_factory=list)  # ids found already applied


def apply_batch(flush_id, rows):
    """Add one batch's rows to the database exactly once; False if it was already applied."""
    with transaction.atomic():
        try:
            # First, so a concurrent run with the same batch waits here, then fails cleanly.
            with transaction.atomic():
                record = CounterFlush.objects.create(flush_id=flush_id)
        except IntegrityError:
            return None
        reads, articles = add_reads(rows)
        record.reads, record.articles = reads, articles
        record.save(update_fields=["reads", "articles"])
    return record


def flush_once(counter):
    """Claim, apply and release one batch; None when nothing was waiting."""
    flush_id = counter.claim_batch()
    if flush_id is None:
        return None
    rows = counter.batch_rows()
    record = apply_batch(flush_id, rows)
    counter.release_batch(flush_id)
    if record is None:
        logger.info("flush %s was already applied; released it", flush_id)
    return flush_id, record


def flush(counter, max_batches=100):
    """Flush until nothing is pending (bounded, so a flood cannot keep one run going)."""
    result = FlushResult()
    for _round in range(max_batches):
        outcome = flush_once(counter)
        if outcome is None:
            break
        flush_id, record = outcome
        result.batches += 1
        if record is None:
            result.skipped.append(flush_id)
        else:
            result.reads += record.reads
            result.articles += record.articles
    prune_records()
    return result


def prune_records():
    CounterFlush.objects.filter(applied_at__lt=timezone.now() - KEEP_RECORDS).delete()
