-- The language an account reads its mail in ('en' or 'ko'): the one of
-- the request that signed it up, changed by set_language while signed in.
-- It also chooses the pages' language when the browser has no `lang`
-- cookie.
ALTER TABLE users ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
