-- The language a fan pledged in: what the campaign's mails to them are written in.
ALTER TABLE pledges ADD COLUMN lang TEXT NOT NULL DEFAULT 'en';

-- The mail outbox. A mail is queued in the transaction of the change it tells of and sent
-- by every replica's round, which claims rows for a lease. `data` holds what the mail
-- needs that is kept nowhere else (the receipt link, whose secret is stored only hashed)
-- and is emptied once the mail is sent or given up. The id is the Message-ID's local part,
-- the same on every try.
CREATE TABLE mails (
    id            TEXT PRIMARY KEY,
    campaign_id   TEXT NOT NULL REFERENCES campaigns(id),
    pledge_id     TEXT,
    kind          TEXT NOT NULL,
    recipient     TEXT NOT NULL,
    lang          TEXT NOT NULL,
    data          TEXT,
    -- `waiting`, `sent`, or `undeliverable` (given up: the server refused the address).
    status        TEXT NOT NULL DEFAULT 'waiting',
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_at       INTEGER NOT NULL,
    locked_until  INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    created_at    INTEGER NOT NULL,
    sent_at       INTEGER
);
CREATE INDEX mails_due ON mails (status, next_at);
CREATE INDEX mails_by_pledge ON mails (pledge_id);

-- Addresses a site's mails are no longer sent to: the receiving server refused them for
-- good. A backer giving the address again in a new pledge lifts it.
CREATE TABLE mail_suppressed (
    site_id     TEXT NOT NULL REFERENCES sites(id),
    address     TEXT NOT NULL,
    reason      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (site_id, address)
);
