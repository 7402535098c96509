"""Passwords inside service URLs: put one in safely, and refuse a URL that hides one badly.

A password holding ``@``, ``/``, ``?``, ``#`` or ``:`` must be percent-encoded inside a URL,
or the URL names another host or path than the operator meant (``redis://:a/b@redis/0`` is
host ``""``, path ``/b@redis/0``). Compose files and secret stores hand over raw passwords, so
settings take the password in its own variable and encode it here; a raw one written into the
URL is refused with a message that names the variable, never the password.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit, urlunsplit

__all__ = ["UnsafeUrlError", "check_userinfo", "with_password"]

_NETWORK_SCHEMES = ("redis", "rediss", "postgresql", "postgres")


class UnsafeUrlError(ValueError):
    """A URL whose password cannot be read back as written (the message holds no secret)."""


def _is_network(url: str) -> bool:
    return url.split("://", 1)[0].split("+", 1)[0] in _NETWORK_SCHEMES


def check_userinfo(url: str, password_variable: str) -> None:
    """Refuse a network URL whose user:password part would be split at the wrong place."""
    if not _is_network(url):
        return
    _, _, rest = url.partition("://")
    authority = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    after = rest[len(authority):]
    if authority.count("@") > 1 or "@" in after:
        raise UnsafeUrlError(
            "the password in the URL holds a character that must be percent-encoded "
            "('@' %40, '/' %2F, '?' %3F, '#' %23, ':' %3A); or leave the password out of "
            f"the URL and set {password_variable}"
        )


def with_password(url: str, password: str) -> str:
    """The URL with ``password`` (raw) percent-encoded into its user:password part."""
    parts = urlsplit(url)
    userinfo, at, hostport = parts.netloc.rpartition("@")
    if not at:
        hostport = parts.netloc
    user = userinfo.split(":", 1)[0]
    netloc = f"{user}:{quote(password, safe='')}@{hostport}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
