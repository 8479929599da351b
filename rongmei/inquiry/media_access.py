"""Who may read a citizen's photo or video under /media/inquiry/ (the rule `rongmei.core.media`
asks): anyone once the case is published; the citizen through the signed link on their
tracking page (they have no account, only the code); the center's coordinators; a
department's liaison for a case given to their department. Nobody else, and never another
center's people."""

from __future__ import annotations

from rongmei.core import media
from rongmei.inquiry.models import CaseMedia


def may_read(request, name: str) -> bool:
    found = CaseMedia.objects.filter(file=name).select_related("case__center").first()
    if found is None:
        return False
    case = found.case
    if case.is_public or media.has_valid_signature(request, name):
        return True
    if media.staff_may(request, "inquiry.handle", case.center):
        return True
    if media.staff_may(request, "inquiry.answer", case.center):
        from rongmei.inquiry.services import department_of

        department = department_of(request.user, case.center)
        return department is not None and case.assignments.filter(department=department).exists()
    return False


def url(item: CaseMedia) -> str:
    """The address to show the citizen their own upload (works without a login)."""
    return media.signed_url(item.file.name)
