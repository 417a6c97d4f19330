-- Where each pledge came from: the source tag of the link (`?src=weibo`) and the page the
-- widget was embedded in (origin and path only). Both are optional.
ALTER TABLE pledges ADD COLUMN source TEXT;
ALTER TABLE pledges ADD COLUMN host_page TEXT;
