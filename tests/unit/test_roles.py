"""Project roles are ordered; the API and the pages both ask `Role.at_least`."""

from __future__ import annotations

import pytest

from annotations.domain import Role


@pytest.mark.parametrize(
    ("role", "needed", "allowed"),
    [
        (Role.MANAGER, Role.CURATOR, True),
        (Role.MANAGER, Role.ANNOTATOR, True),
        (Role.CURATOR, Role.CURATOR, True),
        (Role.CURATOR, Role.MANAGER, False),
        (Role.ANNOTATOR, Role.CURATOR, False),
        (Role.ANNOTATOR, Role.ANNOTATOR, True),
    ],
)
def test_a_role_includes_the_ones_below_it(role: Role, needed: Role, allowed: bool) -> None:
    assert role.at_least(needed) is allowed
