"""Who may do what to a particular story (beyond the role permissions)."""

from rongmei.newsroom.models import Story


def can_edit(user, center, story: Story) -> bool:
    """Authors edit their own stories; editors and reviewers edit any in the center."""
    if user.has_perm("newsroom.edit_any_story", center):
        return True
    own = story.created_by_id == user.pk or any(b.user_id == user.pk for b in story.bylines.all())
    return own and user.has_perm("newsroom.write_story", center)
