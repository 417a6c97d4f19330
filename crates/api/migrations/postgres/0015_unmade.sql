-- A pledge for an option value left short of its minimum batch when its campaign
-- succeeded: cancelled (and refunded) at `unmade_due_at` unless its backer chooses a value
-- that is made before then. Set by settlement; cleared by the backer's choice.
ALTER TABLE pledges ADD COLUMN unmade_due_at BIGINT;
CREATE INDEX pledges_unmade_due ON pledges (unmade_due_at) WHERE unmade_due_at IS NOT NULL;
