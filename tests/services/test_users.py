"""services/users.py: accounts, their checks and roles, session generations and API tokens,
against PostGIS. Users get factories' precomputed hash; only the password checks compute one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from resilience.errors import BadInput, Conflict, NotFound
from resilience.models import ApiToken, User
from resilience.services import imports, users
from tests import factories
from tests.factories import PASSWORD


def test_roles_are_ordered(db_session: Session) -> None:
    editor = factories.user(db_session, "eva", "editor")
    assert users.has_role(editor, "viewer") and users.has_role(editor, "editor")
    assert not users.has_role(editor, "admin")
    assert users.count_admins(db_session) == 0
    factories.user(db_session, "ada", "admin")
    assert users.count_admins(db_session) == 1


@pytest.mark.parametrize(
    ("name", "role", "message"),
    [
        ("   ", "viewer", "must not be empty"),
        ("x" * 65, "viewer", "at most 64 characters"),
        ("tab\there", "viewer", "no control characters"),
        ("del\x7f", "viewer", "no control characters"),
        ("olle", "superuser", "unknown role 'superuser'"),
    ],
)
def test_create_user_refuses(db_session: Session, name: str, role: str, message: str) -> None:
    with pytest.raises(BadInput, match=message):
        users.create_user(db_session, name, None, role, password_hash="x")


def test_create_user_password_or_hash(db_session: Session) -> None:
    with pytest.raises(BadInput, match="at least 10 characters"):
        users.create_user(db_session, "olle", "short", "viewer")
    with pytest.raises(ValueError, match="not both"):
        users.create_user(db_session, "olle", PASSWORD, "viewer", password_hash="x")
    with pytest.raises(ValueError, match="not both"):
        users.create_user(db_session, "olle", None, "viewer")
    imports.import_boundaries(db_session, [factories.ABACKA], "test")
    user = users.create_user(db_session, "  olle ", PASSWORD, "planner", "2401")
    assert (user.name, user.role, user.municipality_code) == ("olle", "planner", "2401")
    assert user.password_hash.startswith("scrypt:") and PASSWORD not in user.password_hash
    with pytest.raises(Conflict, match="exists already"):
        users.create_user(db_session, "olle", None, "viewer", password_hash="x")


def test_authenticate(db_session: Session) -> None:
    factories.user(db_session, "anna", "viewer")
    assert users.authenticate(db_session, " anna ", PASSWORD).name == "anna"  # type: ignore[union-attr]
    assert users.authenticate(db_session, "anna", PASSWORD + "!") is None
    for unknown in ("nobody", "nul\x00name", "x" * 100):  # never a database error
        assert users.authenticate(db_session, unknown, PASSWORD) is None
    users.set_disabled(db_session, "anna", True)
    assert users.authenticate(db_session, "anna", PASSWORD) is None


def test_sessions_end_with_a_new_password_or_a_disabled_user(db_session: Session) -> None:
    anna = factories.user(db_session, "anna", "viewer")
    first = users.session_id(anna)
    assert users.user_for_session(db_session, first) is anna
    users.set_password(db_session, "anna", "another long password")
    assert users.user_for_session(db_session, first) is None
    second = users.session_id(anna)
    assert users.user_for_session(db_session, second) is anna
    users.set_disabled(db_session, "anna", True)
    assert users.user_for_session(db_session, users.session_id(anna)) is None
    users.set_disabled(db_session, "anna", False)
    third = users.session_id(anna)
    assert users.user_for_session(db_session, third) is anna
    users.log_out(db_session, anna.id)
    assert users.user_for_session(db_session, third) is None
    users.log_out(db_session, 999_999)  # an unknown id ends none
    with pytest.raises(BadInput):
        users.set_password(db_session, "anna", "short")
    with pytest.raises(NotFound, match="no user named 'nobody'"):
        users.set_disabled(db_session, "nobody", True)


@pytest.mark.parametrize(
    "value", ["", "1", "abc:0", "1:x", "1:", ":0", "١:0", "1:١", "999999:0", "-1:0"]
)
def test_a_malformed_or_unknown_session_id_is_no_user(db_session: Session, value: str) -> None:
    factories.user(db_session, "anna", "viewer")
    assert users.user_for_session(db_session, value) is None


def test_tokens_created_used_and_revoked(db_session: Session) -> None:
    anna = factories.user(db_session, "anna", "viewer")
    token = users.create_token(db_session, "anna", name="  QGIS  ")
    db_session.commit()  # use_token rolls back a use under another name
    assert users.looks_like_token(token) and not users.looks_like_token(PASSWORD)
    (row,) = users.tokens_of(db_session, anna.id)
    assert row.name == "QGIS" and row.expires_at is None and token not in row.token_sha256
    assert row.last_used_at is None

    assert users.user_for_token(db_session, token) is anna
    used = row.last_used_at
    assert used is not None
    users.user_for_token(db_session, token)
    assert row.last_used_at == used  # at most one write a minute
    assert users.user_for_token(db_session, "x" * 43) is None

    assert users.use_token(db_session, token, "someone-else") is None
    assert users.use_token(db_session, token, "anna") is anna
    users.revoke_token(db_session, anna.id, row.id)
    assert users.user_for_token(db_session, token) is None


def test_token_names_and_lifetimes(db_session: Session) -> None:
    factories.user(db_session, "anna", "viewer")
    for days in (0, 3651):
        with pytest.raises(BadInput, match="1 to 3650 days"):
            users.create_token(db_session, "anna", days)
    for name in ("", "   ", "x" * 101, "new\nline"):
        with pytest.raises(BadInput, match="a token's name"):
            users.create_token(db_session, "anna", name=name)
    with pytest.raises(NotFound):
        users.create_token(db_session, "nobody")
    token = users.create_token(db_session, "anna", days=30)
    row = db_session.scalars(select(ApiToken)).one()
    assert row.expires_at is not None
    assert timedelta(days=29) < row.expires_at - datetime.now(UTC) <= timedelta(days=30)
    assert users.user_for_token(db_session, token) is not None


def test_expired_disabled_and_others_tokens(db_session: Session) -> None:
    anna = factories.user(db_session, "anna", "viewer")
    bo = factories.user(db_session, "bo", "viewer")
    forever = users.create_token(db_session, "anna")
    month = users.create_token(db_session, "anna", days=30)
    soon = users.create_token(db_session, "anna", days=1)
    # Within 7 days: the two later ones are brought forward, the one of a day is not.
    assert users.expire_tokens(db_session, "anna", 7) == 2
    assert users.expire_tokens(db_session, "anna", 0) == 3
    for token in (forever, month, soon):
        assert users.user_for_token(db_session, token) is None

    theirs = users.create_token(db_session, "bo")
    (row,) = users.tokens_of(db_session, bo.id)
    with pytest.raises(NotFound, match=f"no token {row.id} of yours"):
        users.revoke_token(db_session, anna.id, row.id)
    users.set_disabled(db_session, "bo", True)
    assert users.user_for_token(db_session, theirs) is None
    assert users.revoke_tokens(db_session, "bo") == 1
    assert users.revoke_tokens(db_session, "anna") == 3


def test_own_tokens_are_committed(db_session: Session) -> None:
    anna = factories.user(db_session, "anna", "viewer")
    token = users.create_own_token(db_session, "anna", "laptop", 10)
    db_session.rollback()  # committed: nothing to undo
    (row,) = users.tokens_of(db_session, anna.id)
    assert row.name == "laptop" and users.user_for_token(db_session, token) is anna
    users.revoke_own_token(db_session, anna.id, row.id)
    db_session.rollback()
    assert users.tokens_of(db_session, anna.id) == []
    assert db_session.scalar(select(User.name)) == "anna"
