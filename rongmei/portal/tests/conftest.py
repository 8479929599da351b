"""The distribution room's story fixtures, reused: the portal shows what it publishes."""

from rongmei.distribution.tests.conftest import operator, signed_story  # noqa: F401
