"""Who may read the files under /media/ads/ (contract scans, the ad's artwork, proofs of
publication): people with ads.view in the file's own center. Nobody else; never another
center's people (rongmei.core.media answers 404)."""

from __future__ import annotations

from rongmei.ads.models import Booking, ContractFile, Proof
from rongmei.core import media


def _center_of(name: str):
    found = ContractFile.objects.filter(file=name).select_related("contract__center").first()
    if found is not None:
        return found.contract.center
    proof = Proof.objects.filter(file=name).select_related("booking__center").first()
    if proof is not None:
        return proof.booking.center
    booking = Booking.objects.filter(media=name).select_related("center").first()
    return booking.center if booking is not None else None


def may_read(request, name: str) -> bool:
    center = _center_of(name)
    return center is not None and media.staff_may(request, "ads.view", center)
