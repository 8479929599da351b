"""The cache that holds rate-limit counters in embedded mode: one table every gunicorn
worker shares (with Redis, Redis holds them; see settings.CACHES["ratelimit"]).

django-ratelimit counts with `add(key, 0)` then `incr(key)`. Django's DatabaseCache.incr
is a get() and a set(): two workers answering at once both read 4 and both write 5, and
the set() moves the expiry to the default timeout, so a 10-minute window could forget its
count after 5 quiet minutes. Here incr is one locked read and an UPDATE of the value only.
"""

from __future__ import annotations

import base64
import pickle

from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction
from django.utils import timezone

# The table the core migration 0006 creates; settings point the "ratelimit" cache at it.
TABLE = "rongmei_ratelimit"


class RateLimitCache(DatabaseCache):
    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        qn = connection.ops.quote_name
        table = qn(self._table)
        now = connection.ops.adapt_datetimefield_value(timezone.now().replace(microsecond=0, tzinfo=None))
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        # On SQLite the transaction itself is the lock (BEGIN IMMEDIATE, see settings).
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {qn('value')} FROM {table} WHERE {qn('cache_key')} = %s AND {qn('expires')} > %s{lock}",
                [key, now],
            )
            row = cursor.fetchone()
            if row is None:
                raise ValueError(f"Key '{key}' not found")
            value = pickle.loads(base64.b64decode(connection.ops.process_clob(row[0]).encode())) + delta
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(f"UPDATE {table} SET {qn('value')} = %s WHERE {qn('cache_key')} = %s", [encoded, key])
        return value
