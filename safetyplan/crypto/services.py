"""Key management: KEK rotation and retirement, an owner's data key rotation, and crypto-shredding.

Like every service, these add to the current session and never commit; the caller's edge does.
"""

from __future__ import annotations

import uuid
from collections import Counter
from typing import cast

from sqlalchemy import Table, bindparam, func, select, update

from safetyplan.crypto.catalogue import catalogue
from safetyplan.crypto.fields import EncryptedRecord, attributes_of
from safetyplan.crypto.keyring import KeyringError
from safetyplan.crypto.models import DataKey, wrap_context
from safetyplan.crypto.vault import vault
from safetyplan.db import session, utcnow

REWRAP_BATCH = 1000


def kek_usage() -> Counter[str]:
    """How many data keys (not destroyed) each KEK wraps."""
    rows = session.execute(
        select(DataKey.kek_id, func.count()).where(DataKey.wrapped_key.is_not(None)).group_by(DataKey.kek_id)
    )
    return Counter(dict(rows.all()))


def data_keys_awaiting_rewrap() -> int:
    """Data keys not yet wrapped by the primary KEK."""
    primary = vault().provider.primary_kek_id()
    return session.scalar(select(func.count()).where(DataKey.kek_id != primary, DataKey.wrapped_key.is_not(None))) or 0


def rewrap_batch(limit: int = REWRAP_BATCH) -> int:
    """Re-wrap up to ``limit`` data keys with the primary KEK; returns how many. Safe to run while the app serves.

    Each update names the KEK it read, so a key changed meanwhile (destroyed, or re-wrapped by a second run) is
    left as it is. The data keys themselves, and so every sealed record, stay the same.
    """
    provider = vault().provider
    primary = provider.primary_kek_id()
    rows = session.execute(
        select(DataKey.id, DataKey.owner_id, DataKey.kek_id, DataKey.wrapped_key)
        .where(DataKey.kek_id != primary, DataKey.wrapped_key.is_not(None))
        .order_by(DataKey.id)
        .limit(limit)
    ).all()
    changes = []
    for key_id, owner_id, kek_id, wrapped in rows:
        context = wrap_context(key_id, owner_id)
        assert wrapped is not None  # the query selects only wrapped keys
        raw = provider.unwrap(kek_id, wrapped, context)
        changes.append(
            {
                "b_id": key_id,
                "b_old_kek": kek_id,
                "kek_id": primary,
                "wrapped_key": provider.wrap(primary, raw, context),
            }
        )
    if changes:
        table = cast(Table, DataKey.__table__)
        session.connection().execute(
            update(table).where(table.c.id == bindparam("b_id"), table.c.kek_id == bindparam("b_old_kek")),
            changes,
        )
    return len(rows)


def retire_kek(kek_id: str) -> None:
    """Move a KEK from the keyring to the archive (never destroyed: backups from before need it); refused while it
    is the primary or any data key still uses it."""
    provider = vault().provider
    if kek_id not in provider.kek_ids():
        raise KeyringError(f"the keyring holds no KEK {kek_id!r}")
    if kek_id == provider.primary_kek_id():
        raise KeyringError(f"{kek_id} is the primary KEK; run 'safetyplan keys rotate' first")
    in_use = kek_usage()[kek_id]
    if in_use:
        raise KeyringError(f"{kek_id} still wraps {in_use} data keys; run 'safetyplan keys rotate' to finish")
    provider.archive_kek(kek_id)


def destroy_kek(kek_id: str, *, without_catalogue: bool = False) -> None:
    """Destroy an archived KEK for good, once ``check_destroy`` finds nothing against it with the catalogue held."""
    book = catalogue()
    with book.holding():  # a backup being catalogued now either is seen here, or finds its KEK gone and says so
        check_destroy(kek_id, without_catalogue=without_catalogue)
        vault().provider.destroy_archived_kek(kek_id)


def check_destroy(kek_id: str, *, without_catalogue: bool = False) -> None:
    """Raise ``KeyringError``, saying why, if ``kek_id`` must not be destroyed: while it is in the live keyring,
    while any data key uses it, or while any catalogued backup needs it (each is named), and, unless
    ``without_catalogue``, when there is no catalogue at all (it may be on another host, or lost: no catalogue is not
    the same as no backups)."""
    provider = vault().provider
    if kek_id == provider.primary_kek_id():
        raise KeyringError(
            f"{kek_id} is the primary KEK: run 'safetyplan keys rotate', then 'safetyplan keys retire {kek_id}' first"
        )
    if kek_id in provider.kek_ids():
        raise KeyringError(f"{kek_id} is in the live keyring; retire it with 'safetyplan keys retire {kek_id}' first")
    if kek_id not in provider.archived_kek_ids():
        raise KeyringError(f"the key archive holds no KEK {kek_id!r}")
    in_use = kek_usage().get(kek_id, 0)
    if in_use:
        raise KeyringError(f"{kek_id} still wraps {in_use} data keys (a restored backup): run 'safetyplan keys rotate'")
    book = catalogue()
    if not book.exists() and not without_catalogue:
        raise KeyringError(
            f"there is no backup catalogue at {book.path}: if backups are taken on another host, run this there "
            "(or point SAFETYPLAN_BACKUP_CATALOGUE at its catalogue); if no backup was ever taken, add "
            "--without-catalogue"
        )
    needed_by = book.needing(kek_id)
    if needed_by:
        names = ", ".join(f"{backup.id} ({backup.file})" for backup in needed_by)
        raise KeyringError(
            f"{len(needed_by)} backup{' needs' if len(needed_by) == 1 else 's need'} {kek_id}: {names}. "
            "Destroy them, then 'safetyplan backup forget' each."
        )


def owned_records(owner_id: uuid.UUID) -> list[EncryptedRecord]:
    """Every record, of every model with encrypted attributes, that belongs to ``owner_id``."""
    records: list[EncryptedRecord] = []
    for model in EncryptedRecord.encrypted_attributes:
        owner_column = getattr(model, model.__encryption_owner__)  # type: ignore[attr-defined]
        records.extend(session.scalars(select(model).where(owner_column == owner_id)))
    return records


def rotate_owner_key(owner_id: uuid.UUID) -> uuid.UUID:
    """Re-encrypt all of an owner's records under a new data key and destroy the old one (after an exposure).

    Returns the id of the new data key.
    """
    the_vault = vault()
    old = session.scalars(
        select(DataKey).where(DataKey.owner_id == owner_id, DataKey.state == "active").with_for_update()
    ).one_or_none()
    # Read every value with the old key before anything changes.
    plaintexts = [
        (record, attribute, attribute.__get__(record))
        for record in owned_records(owner_id)
        for attribute in attributes_of(type(record))
    ]
    if old is not None:
        old.state = "retired"
        session.flush()  # before the new key exists: an owner has one active key at a time
    the_vault.forget_active_keys(session)
    new, _cipher = the_vault.create_data_key(session, owner_id)
    for record, attribute, value in plaintexts:
        attribute.__set__(record, value)
    session.flush()
    if old is not None:
        _destroy(old)
    return new.id


def shred_owner(owner_id: uuid.UUID) -> int:
    """Destroy every data key of an owner, leaving their records unreadable for good; returns how many.

    For the end of the retention period only (mental health records are kept for 20 years), never as a delete
    button. Other processes may hold the unwrapped key in memory for a few minutes more.
    """
    keys = session.scalars(select(DataKey).where(DataKey.owner_id == owner_id, DataKey.wrapped_key.is_not(None)))
    destroyed = 0
    for data_key in keys:
        _destroy(data_key)
        destroyed += 1
    vault().forget_active_keys(session)
    return destroyed


def _destroy(data_key: DataKey) -> None:
    data_key.wrapped_key = None
    data_key.state = "destroyed"
    data_key.destroyed_at = utcnow()
    vault().forget(data_key.id)
