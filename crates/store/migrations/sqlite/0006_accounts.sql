-- chiso schema, version 6: accounts and roles scoped to a subtree of units (sqlite)
CREATE TABLE users (
    username             TEXT PRIMARY KEY,
    display_name         TEXT NOT NULL,
    password_hash        TEXT NOT NULL,
    must_change_password INTEGER NOT NULL,
    disabled             INTEGER NOT NULL,
    created_at           TEXT NOT NULL
);

CREATE TABLE role_assignments (
    username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
    role     TEXT NOT NULL,
    unit     TEXT NOT NULL DEFAULT '' -- '' for every unit
);
CREATE UNIQUE INDEX role_assignments_key ON role_assignments(username, role, unit);
