"""Team mode on a PostgreSQL server: roles, privileges, row-level security and change notices.

Only PostgreSQL projects get this (SQLite files have one user at a time). It is installed after
the migrations by :func:`install` and kept idempotent, so running it again after an upgrade or a
push just puts everything back in place.

Who is who
    Every reviewer who works on the server logs in with their own PostgreSQL role, recorded in
    ``reviewers.db_role``; the database derives "me" from ``current_user``. Roles are
    cluster-wide, so every name carries a tag derived from the project's database and schema:
    ``scr_team_<tag>`` (reviewers and adjudicators), ``scr_owner_<tag>`` (owners added later)
    and ``<name>_<tag>`` for each login. The role that created the project owns the tables.

Least privilege
    The team group may read the project, write its own decisions (with their reasons and tags),
    append to the event log, write resolutions (the policies decide when) and attach full
    texts. It cannot change settings, the taxonomy, the records, the reviewers or the event log's
    past, so ending blinding stays the owner's action. The owner group gets plain DML on every
    table but no ownership: it cannot change the policies.

Blinding, enforced by the server
    Row-level security is enabled and forced (so even the table owner goes through the
    policies, which let it see everything) on ``decisions``, ``decision_reasons``,
    ``decision_tags``, ``decision_events`` and ``resolutions``. While a stage is blind
    (``stage_settings.blind`` and ``unblinded_at`` is NULL) a reviewer's role reads only its
    own decisions, reasons, tags and events, and only the automated resolutions (the stopping
    rule, which reveals nobody's decision). Adjudicators and owners read everything. Writes are
    checked too: a role can only write decisions and events in its own reviewer's name.

Change notices (LISTEN/NOTIFY)
    Channel ``screener`` (:data:`CHANNEL`). Every change sends a small JSON text, delivered when
    the writing transaction commits::

        {"schema": "public", "table": "decisions", "op": "INSERT", "stage": "title_abstract",
         "record_id": 17, "reviewer_id": 3}

    ``table`` is one of decisions, resolutions, records, project, stage_settings, reasons, tags,
    reviewers; ``op`` is INSERT, UPDATE or DELETE. ``stage``, ``record_id`` and ``reviewer_id``
    come only with decisions and resolutions, and while their stage is blind the payload carries
    ``stage`` alone, because every listener of the database receives it: a notice says that
    something changed, never a label, and during blinding not even whose decision on which
    record. Records, settings and the taxonomy send one notice per statement, not per row, so a
    100k-record import is one notice. Listeners filter on ``schema`` (several projects may share
    a database) and re-read what they show. A transaction that sets ``screener.quiet`` to ``on``
    (``SET LOCAL screener.quiet = 'on'``) sends nothing: a push copying a whole project does.

Migrations
    :func:`install` runs again after every upgrade. A migration that changes a column the
    policies read (``stage``, ``reviewer_id``, ``kind``, ``automated``, ``decision_id``,
    ``reviewers.db_role``/``role``, ``stage_settings.blind``/``unblinded_at``) must call
    :func:`drop_policies` first: PostgreSQL refuses to alter a column a policy uses.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from sqlalchemy.engine import Connection

CHANNEL = "screener"
#: Tables whose rows belong to one reviewer and are hidden while a stage is blind.
BLINDED = ("decisions", "decision_reasons", "decision_tags", "decision_events", "resolutions")
#: Tables whose changes are announced per statement.
ANNOUNCED = ("records", "project", "stage_settings", "reasons", "tags", "reviewers")
MAX_ROLE = 63  # PostgreSQL truncates identifiers longer than this (NAMEDATALEN - 1)


def is_postgresql(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def _q(conn: Connection, name: str) -> str:
    """A quoted identifier (always quoted, so any name is safe inside SQL)."""
    return conn.dialect.identifier_preparer.quote_identifier(name)


def _lit(conn: Connection, value: str) -> str:
    """A SQL string literal, quoted by psycopg (for the places that take no bind parameters)."""
    from psycopg import sql

    return sql.Literal(value).as_string(conn.connection.driver_connection)


def schema(conn: Connection) -> str:
    return conn.exec_driver_sql("SELECT current_schema()").scalar_one()


def tag_for(database: str, schema_name: str) -> str:
    """Eight hex digits naming a project's roles: a hash of its database and schema."""
    return hashlib.sha256(f"{database}/{schema_name}".encode()).hexdigest()[:8]


def project_tag(conn: Connection) -> str:
    db, sch = conn.exec_driver_sql("SELECT current_database(), current_schema()").one()
    return tag_for(db, sch)


def group_roles(conn: Connection) -> tuple[str, str]:
    """The names of the project's two group roles: (team, owners)."""
    tag = project_tag(conn)
    return f"scr_team_{tag}", f"scr_owner_{tag}"


def project_tables() -> list[str]:
    from screener.storage.models import Base

    return [t.name for t in Base.metadata.sorted_tables]


# -- functions, policies and triggers ---------------------------------------------------------

def _functions(s: str, reviewers_literal: str) -> list[str]:
    # Schema-qualified bodies: a function body is parsed with the caller's search_path.
    return [
        f"""CREATE OR REPLACE FUNCTION {s}.screener_me() RETURNS integer LANGUAGE sql STABLE AS $$
            SELECT id FROM {s}.reviewers WHERE db_role = current_user::text ORDER BY id LIMIT 1 $$""",
        f"""CREATE OR REPLACE FUNCTION {s}.screener_is_owner() RETURNS boolean LANGUAGE sql STABLE AS $$
            SELECT pg_has_role(current_user, (SELECT relowner FROM pg_catalog.pg_class
                                               WHERE oid = {reviewers_literal}::regclass), 'USAGE')
                OR EXISTS (SELECT 1 FROM {s}.reviewers
                           WHERE db_role = current_user::text AND role = 'owner') $$""",
        f"""CREATE OR REPLACE FUNCTION {s}.screener_sees_all() RETURNS boolean LANGUAGE sql STABLE AS $$
            SELECT {s}.screener_is_owner()
                OR EXISTS (SELECT 1 FROM {s}.reviewers
                           WHERE db_role = current_user::text AND role = 'adjudicator') $$""",
        f"""CREATE OR REPLACE FUNCTION {s}.screener_blind_stages() RETURNS text[] LANGUAGE sql STABLE AS $$
            SELECT coalesce(array_agg(stage::text), '{{}}'::text[]) FROM {s}.stage_settings
             WHERE blind AND unblinded_at IS NULL $$""",
        f"""CREATE OR REPLACE FUNCTION {s}.screener_notify_row() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                r record;
                hidden boolean;
                payload json;
            BEGIN
                IF coalesce(current_setting('screener.quiet', true), '') = 'on' THEN
                    RETURN NULL;
                END IF;
                IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
                SELECT st.blind AND st.unblinded_at IS NULL INTO hidden
                  FROM {s}.stage_settings st WHERE st.stage = r.stage;
                IF coalesce(hidden, true) THEN
                    payload := json_build_object('schema', TG_TABLE_SCHEMA, 'table', TG_TABLE_NAME,
                                                 'op', TG_OP, 'stage', r.stage);
                ELSE
                    payload := json_build_object('schema', TG_TABLE_SCHEMA, 'table', TG_TABLE_NAME,
                                                 'op', TG_OP, 'stage', r.stage, 'record_id', r.record_id,
                                                 'reviewer_id', r.reviewer_id);
                END IF;
                PERFORM pg_notify('{CHANNEL}', payload::text);
                RETURN NULL;
            END $$""",
        f"""CREATE OR REPLACE FUNCTION {s}.screener_notify_statement() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF coalesce(current_setting('screener.quiet', true), '') = 'on' THEN
                    RETURN NULL;
                END IF;
                PERFORM pg_notify('{CHANNEL}', json_build_object('schema', TG_TABLE_SCHEMA,
                                  'table', TG_TABLE_NAME, 'op', TG_OP)::text);
                RETURN NULL;
            END $$""",
    ]


def _policies(s: str) -> dict[str, list[tuple[str, str, str | None, str | None]]]:
    """Per table: (name, command, USING, WITH CHECK)."""
    # Wrapping each function call in a sub-SELECT makes PostgreSQL evaluate it once per query
    # (an InitPlan), not once per row.
    me = f"(SELECT {s}.screener_me())"
    own = f"(SELECT {s}.screener_is_owner())"
    every = f"(SELECT {s}.screener_sees_all())"
    open_stage = f"stage::text <> ALL ((SELECT {s}.screener_blind_stages())::text[])"
    mine = f"({own} OR reviewer_id = {me})"
    visible = f"({every} OR reviewer_id = {me} OR {open_stage})"

    def child(table: str) -> list[tuple[str, str, str | None, str | None]]:
        seen = f"EXISTS (SELECT 1 FROM {s}.decisions d WHERE d.id = {table}.decision_id)"
        writable = (f"EXISTS (SELECT 1 FROM {s}.decisions d WHERE d.id = {table}.decision_id "
                    f"AND ({own} OR d.reviewer_id = {me}))")
        return [("read", "SELECT", seen, None), ("add", "INSERT", None, writable),
                ("change", "UPDATE", writable, writable), ("remove", "DELETE", writable, None)]

    may_resolve = f"({own} OR (reviewer_id = {me} AND ({every} OR {open_stage})))"
    return {
        "decisions": [("read", "SELECT", visible, None), ("add", "INSERT", None, mine),
                      ("change", "UPDATE", mine, mine), ("remove", "DELETE", mine, None)],
        "decision_reasons": child("decision_reasons"),
        "decision_tags": child("decision_tags"),
        "decision_events": [
            ("read", "SELECT", visible, None),
            ("add", "INSERT", None,
             f"({own} OR (reviewer_id = {me} AND (kind = 'decision' OR {every} OR {open_stage})))"),
            ("change", "UPDATE", own, own), ("remove", "DELETE", own, None)],
        "resolutions": [
            ("read", "SELECT", f"({every} OR automated OR {open_stage})", None),
            ("add", "INSERT", None, may_resolve),
            ("change", "UPDATE", f"({own} OR {every} OR {open_stage})", may_resolve),
            ("remove", "DELETE", own, None)],
    }


def install(conn: Connection) -> None:
    """Install (or reinstall) the functions, row-level security and notify triggers.

    Run by the project's owner right after the migrations, inside their transaction. Creates no
    role: the group roles appear with the first reviewer login (:func:`ensure_groups`).
    """
    if not is_postgresql(conn):
        return
    s = _q(conn, schema(conn))
    for statement in _functions(s, _lit(conn, f"{s}.reviewers")):
        conn.exec_driver_sql(statement)
    for table, policies in _policies(s).items():
        t = f"{s}.{_q(conn, table)}"
        conn.exec_driver_sql(f"ALTER TABLE {t} ENABLE ROW LEVEL SECURITY")
        conn.exec_driver_sql(f"ALTER TABLE {t} FORCE ROW LEVEL SECURITY")
        existing = conn.exec_driver_sql(
            "SELECT policyname FROM pg_catalog.pg_policies WHERE schemaname = current_schema() "
            f"AND tablename = {_lit(conn, table)}").scalars().all()
        for name in existing:
            conn.exec_driver_sql(f"DROP POLICY {_q(conn, name)} ON {t}")
        for name, command, using, check in policies:
            sql = f"CREATE POLICY {_q(conn, 'screener_' + name)} ON {t} FOR {command}"
            if using:
                sql += f" USING ({using})"
            if check:
                sql += f" WITH CHECK ({check})"
            conn.exec_driver_sql(sql)
    for table in ("decisions", "resolutions"):
        t = f"{s}.{_q(conn, table)}"
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS screener_notify ON {t}")
        conn.exec_driver_sql(f"CREATE TRIGGER screener_notify AFTER INSERT OR UPDATE OR DELETE ON {t} "
                             f"FOR EACH ROW EXECUTE FUNCTION {s}.screener_notify_row()")
    for table in ANNOUNCED:
        t = f"{s}.{_q(conn, table)}"
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS screener_notify ON {t}")
        conn.exec_driver_sql(f"CREATE TRIGGER screener_notify AFTER INSERT OR UPDATE OR DELETE ON {t} "
                             f"FOR EACH STATEMENT EXECUTE FUNCTION {s}.screener_notify_statement()")


def drop_policies(conn: Connection) -> None:
    """Remove the row-level security policies (a migration's first step; :func:`install` restores them).

    Forcing is lifted too: with it and no policy, the owner running the migration would read
    no row at all (default deny) instead of every row.
    """
    if not is_postgresql(conn):
        return
    s = _q(conn, schema(conn))
    for table in BLINDED:
        conn.exec_driver_sql(f"ALTER TABLE {s}.{_q(conn, table)} NO FORCE ROW LEVEL SECURITY")
    for table, name in conn.exec_driver_sql(
            "SELECT tablename, policyname FROM pg_catalog.pg_policies WHERE schemaname = current_schema()").all():
        conn.exec_driver_sql(f"DROP POLICY {_q(conn, name)} ON {s}.{_q(conn, table)}")


def installed(conn: Connection) -> bool:
    sch = schema(conn)
    return conn.exec_driver_sql(
        f"SELECT to_regprocedure({_lit(conn, _q(conn, sch) + '.screener_me()')}) IS NOT NULL").scalar_one()


# -- roles -------------------------------------------------------------------------------------

def _role_exists(conn: Connection, name: str) -> bool:
    return conn.exec_driver_sql(
        f"SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = {_lit(conn, name)}").first() is not None


def can_create_roles(conn: Connection) -> bool:
    return bool(conn.exec_driver_sql(
        "SELECT rolsuper OR rolcreaterole FROM pg_catalog.pg_roles WHERE rolname = current_user").scalar())


def sequences(conn: Connection) -> dict[str, str]:
    """Per table, the qualified name of the sequence behind its integer id."""
    from screener.storage.models import Base

    s = _q(conn, schema(conn))
    out = {}
    for t in Base.metadata.sorted_tables:
        if "id" in t.c and t.c.id.primary_key:
            seq = conn.exec_driver_sql(
                f"SELECT pg_get_serial_sequence({_lit(conn, s + '.' + _q(conn, t.name))}, 'id')").scalar()
            if seq:
                out[t.name] = seq
    return out


def ensure_groups(conn: Connection) -> tuple[str, str]:
    """Create the project's group roles when missing and (re)grant their privileges.

    Needs a role that may create roles (CREATEROLE); the caller owns the tables.
    """
    if not installed(conn):
        install(conn)
    team, owners = group_roles(conn)
    for group in (team, owners):
        if not _role_exists(conn, group):
            conn.exec_driver_sql(f"CREATE ROLE {_q(conn, group)} NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
                                 "NOINHERIT NOBYPASSRLS")
    s = _q(conn, schema(conn))
    qt, qo = _q(conn, team), _q(conn, owners)
    tables = [f"{s}.{_q(conn, t)}" for t in project_tables()]
    alembic = f"{s}.{_q(conn, 'alembic_version')}"

    def t(name: str) -> str:
        return f"{s}.{_q(conn, name)}"

    seqs = sequences(conn)
    for group in (qt, qo):
        conn.exec_driver_sql(f"REVOKE ALL ON {', '.join(tables)}, {alembic} FROM {group}")
        conn.exec_driver_sql(f"GRANT USAGE ON SCHEMA {s} TO {group}")
        conn.exec_driver_sql(f"GRANT SELECT ON {', '.join(tables)}, {alembic} TO {group}")
    conn.exec_driver_sql(f"GRANT INSERT, UPDATE, DELETE ON {t('decisions')}, {t('decision_reasons')}, "
                         f"{t('decision_tags')}, {t('attachments')} TO {qt}")
    conn.exec_driver_sql(f"GRANT INSERT ON {t('decision_events')} TO {qt}")
    conn.exec_driver_sql(f"GRANT INSERT, UPDATE ON {t('resolutions')} TO {qt}")
    team_seqs = [seqs[name] for name in ("decisions", "decision_events", "resolutions", "attachments")
                 if name in seqs]
    conn.exec_driver_sql(f"GRANT USAGE ON SEQUENCE {', '.join(team_seqs)} TO {qt}")
    conn.exec_driver_sql(f"GRANT INSERT, UPDATE, DELETE ON {', '.join(tables)} TO {qo}")
    conn.exec_driver_sql(f"GRANT USAGE, SELECT ON SEQUENCE {', '.join(seqs.values())} TO {qo}")
    sync_members(conn)
    return team, owners


def login_name(conn: Connection, reviewer_name: str) -> str:
    """A new, safe login role name for a reviewer: ``<ascii slug>_<project tag>``, unique in the cluster."""
    tag = project_tag(conn)
    ascii_name = unicodedata.normalize("NFKD", reviewer_name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_name.lower()).strip("_") or "reviewer"
    if slug[0].isdigit():
        slug = "r" + slug
    slug = slug[: MAX_ROLE - len(tag) - 5].rstrip("_")
    name, n = f"{slug}_{tag}", 1
    while _role_exists(conn, name):
        n += 1
        name = f"{slug}{n}_{tag}"
    return name


def create_login(conn: Connection, reviewer_name: str, role: str, password: str | None) -> str:
    """Create the login role of a reviewer and put it in its group; returns the role's name.

    The role may log in and nothing else: no superuser, no CREATEDB/CREATEROLE, no BYPASSRLS,
    a member of the team group (owners: the owner group as well).
    """
    team, owners = ensure_groups(conn)
    name = login_name(conn, reviewer_name)
    sql = f"CREATE ROLE {_q(conn, name)} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT NOBYPASSRLS"
    if password:
        # Hashed here (SCRAM or md5, as the server is set up), so the clear password never
        # reaches the server's statement log.
        pgconn = conn.connection.driver_connection.pgconn
        hashed = pgconn.encrypt_password(password.encode(), name.encode()).decode()
        sql += f" PASSWORD {_lit(conn, hashed)}"
    conn.exec_driver_sql(sql)
    conn.exec_driver_sql(f"GRANT {_q(conn, team)} TO {_q(conn, name)}")
    if role == "owner":
        conn.exec_driver_sql(f"GRANT {_q(conn, owners)} TO {_q(conn, name)}")
    return name


def sync_members(conn: Connection) -> list[str]:
    """Make the groups' members exactly the reviewers' existing login roles; returns them.

    A group left over from an older project of the same name loses its old members, and a
    project copied back to the same server gives its reviewers their access again. Superusers
    and roles that bypass row-level security are never added.
    """
    team, owners = group_roles(conn)
    s = _q(conn, schema(conn))
    rows = conn.exec_driver_sql(
        f"SELECT r.db_role, r.role FROM {s}.reviewers r JOIN pg_catalog.pg_roles p ON p.rolname = r.db_role "
        "WHERE NOT p.rolsuper AND NOT p.rolbypassrls").all()
    wanted = {team: {name for name, _ in rows}, owners: {name for name, role in rows if role == "owner"}}
    for group, names in wanted.items():
        current = set(conn.exec_driver_sql(
            "SELECT m.rolname FROM pg_catalog.pg_auth_members a "
            "JOIN pg_catalog.pg_roles g ON g.oid = a.roleid JOIN pg_catalog.pg_roles m ON m.oid = a.member "
            f"WHERE g.rolname = {_lit(conn, group)}").scalars())
        for name in sorted(current - names):
            conn.exec_driver_sql(f"REVOKE {_q(conn, group)} FROM {_q(conn, name)}")
        for name in sorted(names - current):
            conn.exec_driver_sql(f"GRANT {_q(conn, group)} TO {_q(conn, name)}")
    return sorted(wanted[team])


def drop_roles(conn: Connection, tag: str | None = None) -> list[str]:
    """Drop the project's group roles and every login role named with its tag (for tear-down).

    Roles outlive a dropped schema or database, so whoever removes a project removes these;
    ``tag`` (:func:`tag_for`) names a project whose schema is already gone.
    """
    tag = tag or project_tag(conn)
    names = [n for n in conn.exec_driver_sql("SELECT rolname FROM pg_catalog.pg_roles").scalars()
             if n.endswith(f"_{tag}")]
    for name in names:
        conn.exec_driver_sql(f"DROP OWNED BY {_q(conn, name)}")
    for name in names:
        conn.exec_driver_sql(f"DROP ROLE {_q(conn, name)}")
    return names
