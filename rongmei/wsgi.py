import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rongmei.settings")
application = get_wsgi_application()

# Load jieba and the views now, not on the first search (rongmei.core.warmup).
from rongmei.core.warmup import warm_in_background  # noqa: E402

warmup_thread = warm_in_background()
