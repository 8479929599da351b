"""Signals other rooms listen to (appraisal counts a used submission as an external pickup)."""

from django.dispatch import Signal

#: Sent after a submission is marked used (采用), once per marking, inside its transaction.
#: kwargs: submission (sharing.Submission; .center is the submitting county, .story its
#: story, .to_center the upper center, .outlet_name, .level, .used_on, .url).
submission_used = Signal()
