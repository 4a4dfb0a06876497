"""A bounded memo for what explanations keep per plan and language."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Generic, TypeVar

__all__ = ["Kept"]

K = TypeVar("K", bound=Hashable)
T = TypeVar("T")


class Kept(Generic[K, T]):
    """A bounded memo that forgets what was not used lately: two generations of at most
    ``limit // 2`` entries each. A new entry goes to the young one; when it is full it becomes
    the old one and the oldest is dropped; an entry found in the old one moves to the young.

    A memo emptied when full forgets the lines every office reads together with those read
    once: on the benchmark population that happened every ~1,800 offices, after which each
    explanation was worded afresh. Here what is read again stays.

    >>> kept: Kept[str, int] = Kept(4)
    >>> for key in "abc":
    ...     kept.put(key, ord(key))
    >>> kept.get("a"), kept.get("b"), kept.get("c")  # "a" and "b" were moved to the old one
    (97, None, 99)
    """

    __slots__ = ("_half", "_old", "_young")

    def __init__(self, limit: int) -> None:
        self._half = max(1, limit // 2)
        self._young: dict[K, T] = {}
        self._old: dict[K, T] = {}

    def __len__(self) -> int:
        return len(self._young) + len(self._old)

    def get(self, key: K) -> T | None:
        """What was put under ``key``, or ``None`` (``None`` is never put; ``TypeError`` for
        a key that cannot be hashed)."""
        found = self._young.get(key)
        if found is not None:
            return found
        found = self._old.get(key)
        if found is not None:
            self.put(key, found)
        return found

    def put(self, key: K, value: T) -> None:
        young = self._young
        young[key] = value
        if len(young) >= self._half:
            self._old = young
            self._young = {}
