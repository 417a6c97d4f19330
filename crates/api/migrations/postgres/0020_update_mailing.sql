-- An update's mails are queued a page of backers at a time after it is posted, so a
-- campaign of many backers never holds the writer long: `mail_after` is the last pledge
-- whose backer was queued ('' before the first page), NULL once all were (or when the
-- server sends no mail).
ALTER TABLE updates ADD COLUMN mail_after TEXT;
CREATE INDEX updates_mailing ON updates (id) WHERE mail_after IS NOT NULL;
