"""What test runs change in the settings: only the cost of password hashing.

Every demo load hashes the demo accounts' password once per account, and every log-in in a
live test verifies one; at Django's Argon2 cost (100 MiB, 8 lanes: about 0.2 s of CPU each)
that was seconds per test server, many servers per run. The suite (conftest.py) puts this
hasher first for itself and, through RONGMEI_TEST_PASSWORD_HASHER=1, for the servers it
starts (settings.py). It is still Argon2id, through Django's own hasher code, so the tests
of how passwords are stored keep their meaning; `make run` and production never set it.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher

HASHER = "rongmei.settings_test.TestArgon2PasswordHasher"


class TestArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id at the smallest cost the algorithm allows (one pass over 8 KiB)."""

    time_cost = 1
    memory_cost = 8
    parallelism = 1
