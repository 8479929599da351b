"""Background work of 绩效考核 (Huey discovers this module): each part keeps its tasks in its
own module, imported below its marker so the consumer registers them."""

# -- rules --
# -- close --
from rongmei.appraisal import close_tasks  # noqa: E402,F401
# -- views --
from rongmei.appraisal import view_tasks  # noqa: E402,F401
# -- api --
# -- demo --
