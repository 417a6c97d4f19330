-- Fan-group robots: an endpoint may take its site's announceable events as a chat
-- platform's message (`format`) instead of signed JSON. `signing_secret` is the secret a
-- Feishu or DingTalk robot was given to check messages by; `post_after` (unix seconds) is
-- when it may next be posted to: one message at a time, at most 20 a minute, every event
-- due by then merged into it.
ALTER TABLE webhook_endpoints ADD COLUMN format TEXT NOT NULL DEFAULT 'json'
    CHECK (format IN ('json', 'wecom', 'feishu', 'dingtalk', 'slack', 'discord'));
ALTER TABLE webhook_endpoints ADD COLUMN signing_secret TEXT;
ALTER TABLE webhook_endpoints ADD COLUMN post_after BIGINT NOT NULL DEFAULT 0;
