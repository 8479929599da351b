"""The sign-off hash chain: each center's sign-offs form one chain in which every record's
hash covers its own fields and the previous record's hash.

A changed record no longer matches its hash; a deleted one leaves a gap in the sequence
and a broken link; a record inserted or moved out of order breaks the links around it.
The newest record of each chain is also written to the audit log (append-only, guarded by
database triggers), so even removing the last record is detected.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from rongmei.core.models import AuditEvent, Center, User
from rongmei.core.services import record
from rongmei.review.models import Review, SignOff

GENESIS = "0" * 64


def _fields(s: SignOff) -> dict:
    return {
        "center": s.center_id, "seq": s.seq, "review": s.review_id, "step_index": s.step_index,
        "step_name": s.step_name, "action": s.action, "signer": s.signer_id, "content_hash": s.content_hash,
        "story_version": s.story_version, "reason": s.reason, "created_at": s.created_at.isoformat(),
        "prev_hash": s.prev_hash,
    }


def compute_hash(s: SignOff) -> str:
    canonical = json.dumps(_fields(s), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@transaction.atomic
def append(*, review: Review, step_index: int, step_name: str, action: str, signer: User, content_hash: str,
           story_version: int, reason: str = "") -> SignOff:
    """Add a record at the end of the review's center chain (appends are serialized per center)."""
    Center.objects.select_for_update().get(pk=review.center_id)
    last = SignOff.objects.filter(center_id=review.center_id).order_by("-seq").first()
    entry = SignOff(
        center_id=review.center_id, seq=(last.seq + 1) if last else 1, review=review, step_index=step_index,
        step_name=step_name, action=action, signer=signer, content_hash=content_hash, story_version=story_version,
        reason=reason, created_at=timezone.now(), prev_hash=last.record_hash if last else GENESIS,
    )
    entry.record_hash = compute_hash(entry)
    entry.save()
    record("signoff.append", actor=signer, center=review.center, obj=entry,
           after={"seq": entry.seq, "hash": entry.record_hash, "action": action, "step": step_name})
    return entry


@dataclass
class Problem:
    center: str
    seq: int
    message: str

    def __str__(self) -> str:
        return f"{self.center} 第 {self.seq} 条：{self.message}"


def _describe(s: SignOff) -> str:
    return f"{s.step_name}·{s.get_action_display()}·用户#{s.signer_id}·{s.created_at:%Y-%m-%d %H:%M:%S}"


def verify_center(center: Center) -> list[Problem]:
    problems: list[Problem] = []
    previous_hash, expected_seq = GENESIS, 1
    for s in SignOff.objects.filter(center=center).order_by("seq"):
        if s.seq != expected_seq:
            problems.append(Problem(center.name, expected_seq,
                                    f"第 {expected_seq}–{s.seq - 1} 条签字记录缺失（被删除）。"))
        if compute_hash(s) != s.record_hash:
            problems.append(Problem(center.name, s.seq, f"记录内容已被改动（{_describe(s)}），与其摘要不符。"))
        if s.prev_hash != previous_hash:
            problems.append(Problem(center.name, s.seq, f"与前一条记录的链接断开：记录被插入、删除或调换了顺序（{_describe(s)}）。"))
        previous_hash, expected_seq = s.record_hash, s.seq + 1
    problems += _check_head(center, expected_seq - 1, previous_hash)
    return problems


def _check_head(center: Center, last_seq: int, last_hash: str) -> list[Problem]:
    """The audit log remembers the newest record; the chain must still end there."""
    head = AuditEvent.objects.filter(center=center, action="signoff.append").order_by("-id").first()
    if head is None or not head.after:
        return [] if last_seq == 0 else [Problem(center.name, last_seq, "审计日志中没有这条签字链的记录。")]
    if head.after.get("seq") != last_seq or head.after.get("hash") != last_hash:
        return [Problem(center.name, head.after.get("seq", 0),
                        f"审计日志记载的最后一条签字（第 {head.after.get('seq')} 条）与签字链末尾（第 {last_seq} 条）不一致：末尾记录被删除或替换。")]
    return []


def verify(centers=None) -> dict[str, list[Problem]]:
    """Problems per center name (empty lists: chain intact)."""
    return {c.name: verify_center(c) for c in (centers or Center.objects.all())}


def verify_records(center: Center, records: list[SignOff]) -> list[Problem]:
    """Check some records of a center's chain (one story's sign-offs) without reading the
    whole chain: each still matches its own hash, links to the record before it, and is
    linked to by the record after it (or, as the newest record, is the one the audit log
    remembers). A record changed and re-hashed breaks its successor's link; a neighbour
    deleted leaves a gap."""
    problems: list[Problem] = []
    seqs = {s.seq for s in records}
    neighbours = {s.seq: s for s in SignOff.objects.filter(
        center=center, seq__in={q for s in records for q in (s.seq - 1, s.seq + 1)} - seqs)}
    neighbours.update({s.seq: s for s in records})
    newest = SignOff.objects.filter(center=center).order_by("-seq").values_list("seq", flat=True).first()
    for s in sorted(records, key=lambda r: r.seq):
        if compute_hash(s) != s.record_hash:
            problems.append(Problem(center.name, s.seq, f"记录内容已被改动（{_describe(s)}），与其摘要不符。"))
        before = neighbours.get(s.seq - 1)
        expected = GENESIS if s.seq == 1 else (before.record_hash if before else None)
        if expected is None:
            problems.append(Problem(center.name, s.seq, f"前一条（第 {s.seq - 1} 条）签字记录缺失（被删除）。"))
        elif s.prev_hash != expected:
            problems.append(Problem(center.name, s.seq, f"与前一条记录的链接断开：记录被插入、删除或调换了顺序（{_describe(s)}）。"))
        after = neighbours.get(s.seq + 1)
        if after is not None:
            if after.prev_hash != s.record_hash:
                problems.append(Problem(center.name, s.seq, f"后一条记录（第 {after.seq} 条）没有链接到这一条：这一条被改动后重算了摘要，或被替换。"))
        elif s.seq == newest:
            problems += _check_head(center, s.seq, s.record_hash)
        else:
            problems.append(Problem(center.name, s.seq, f"后一条（第 {s.seq + 1} 条）签字记录缺失（被删除）。"))
    return problems
