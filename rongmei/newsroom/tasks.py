"""Background work of the newsroom (Huey discovers this module): each part keeps its tasks
in its own module, imported here so the consumer registers them."""

# -- 17:VJ --
from rongmei.newsroom import video_tasks  # noqa: F401
