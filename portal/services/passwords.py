"""Password hashes: scrypt from the standard library, in werkzeug's ``scrypt:N:r:p$salt$hex``.

The form is werkzeug's (``generate_password_hash(..., method="scrypt")``), so hashes stored by
earlier versions of the portal keep working and the services need no web library.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string

#: scrypt's cost parameters (werkzeug's defaults): 2**15 iterations, block size 8, parallelism 1.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
_SALT_CHARS = string.ascii_letters + string.digits
_SALT_LENGTH = 16


def _scrypt(password: str, salt: str, n: int, r: int, p: int) -> str:
    return hashlib.scrypt(
        password.encode(), salt=salt.encode(), n=n, r=r, p=p, maxmem=132 * n * r * p
    ).hex()


def hash_password(password: str) -> str:
    """Return a salted scrypt hash of ``password``.

    >>> hash_password("núi Mẫu Sơn").startswith("scrypt:32768:8:1$")
    True
    """
    salt = "".join(secrets.choice(_SALT_CHARS) for _ in range(_SALT_LENGTH))
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt:{SCRYPT_N}:{SCRYPT_R}:{SCRYPT_P}${salt}${digest}"


def check_password(stored: str, password: str) -> bool:
    """Return whether ``password`` matches the ``stored`` hash; False for any other form.

    >>> check_password(hash_password("a long password"), "a long password")
    True
    >>> check_password("plain text", "plain text")
    False
    """
    method, _, rest = stored.partition("$")
    salt, _, digest = rest.partition("$")
    name, *costs = method.split(":")
    if name != "scrypt" or len(costs) != 3 or not all(c.isdigit() for c in costs) or not digest:
        return False
    n, r, p = (int(c) for c in costs)
    return hmac.compare_digest(_scrypt(password, salt, n, r, p), digest)
