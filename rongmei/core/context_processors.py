from django.conf import settings

from rongmei.core import nav
from rongmei.core.auth import center_permissions, centers_for
from rongmei.core.middleware import is_public
from rongmei.core.models import Membership
from rongmei.core.permissions import PLATFORM_ADMIN_LABEL, ROLES


def shell(request):
    """What the staff shell (base.html) needs: navigation, centers, the person's roles."""
    context = {"demo_mode": settings.RONGMEI_DEMO}
    if request is None or is_public(request):
        return context
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return context
    center = getattr(request, "center", None)
    perms = center_permissions(user, center)
    roles = []
    if center is not None:
        roles = [ROLES[r].label for r in Membership.objects.filter(user=user, center=center).values_list("role", flat=True) if r in ROLES]
    if user.is_superuser:
        roles.append(PLATFORM_ADMIN_LABEL)
    context.update(
        {
            "nav_items": nav.items_for(user, perms, request.path, center),
            "center_perms": perms,
            "current_center": center,
            "switchable_centers": list(centers_for(user)),
            "my_roles": roles,
        }
    )
    return context
