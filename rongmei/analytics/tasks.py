"""Background work of 传播效果 (Huey discovers this module): each part keeps its tasks in its
own module, imported below its marker so the consumer registers them."""

# -- fetch --
from rongmei.analytics import sync_tasks  # noqa: E402,F401
# -- imports --
# -- dashboards --
# -- api --
# -- demo --
