"""Test support. Loaded as a pytest plugin (`-p rongmei.testing`, see pyproject.toml)
before Django's settings are read, so the suite never touches the developer's var/."""

import os
import tempfile

if "RONGMEI_VAR_DIR" not in os.environ:
    os.environ["RONGMEI_VAR_DIR"] = tempfile.mkdtemp(prefix="rongmei-test-var-")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("LOG_FORMAT", "text")
# Each run gets its own queue name, so a Redis shared with a developer's server is safe.
os.environ.setdefault("RONGMEI_QUEUE_NAME", f"rongmei-test-{os.getpid()}")
