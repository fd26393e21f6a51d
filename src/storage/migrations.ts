// Ordered schema migrations. The schema version is the length of this list (PRAGMA user_version).
// Never edit a migration that has shipped: append a new one.

export const MIGRATIONS: readonly string[] = [
  // 1: sources, stories, articles, items
  `
  CREATE TABLE sources (
    id                   INTEGER PRIMARY KEY,
    config_url           TEXT NOT NULL UNIQUE,      -- identity: the URL as configured
    url                  TEXT NOT NULL,             -- fetched URL (after 301/308 or feed discovery)
    name                 TEXT,
    title                TEXT,
    site_link            TEXT,
    etag                 TEXT,
    last_modified        TEXT,
    status               TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new','ok','failing','gone','disabled')),
    last_fetch_at        TEXT,
    last_success_at      TEXT,
    last_error           TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    next_attempt_at      TEXT,
    interval_seconds     INTEGER NOT NULL DEFAULT 1800,
    full_text            INTEGER NOT NULL DEFAULT 1,
    created_at           TEXT NOT NULL
  );

  CREATE TABLE stories (
    id           INTEGER PRIMARY KEY,
    guid         TEXT NOT NULL UNIQUE,              -- public entry id, never changes
    created_at   TEXT NOT NULL,                     -- first seen by storyfeed
    published_at TEXT NOT NULL,                     -- earliest publication date of its items
    updated_at   TEXT NOT NULL,                     -- last change of membership or representative
    merged_into  INTEGER REFERENCES stories(id)     -- set when merged into an older story
  );
  CREATE INDEX stories_published ON stories(published_at);

  CREATE TABLE articles (
    id            INTEGER PRIMARY KEY,
    url           TEXT UNIQUE,                      -- canonical URL; NULL when the item has no link
    story_id      INTEGER NOT NULL REFERENCES stories(id),
    first_seen_at TEXT NOT NULL
  );
  CREATE INDEX articles_story ON articles(story_id);

  CREATE TABLE items (
    id            INTEGER PRIMARY KEY,
    source_id     INTEGER NOT NULL REFERENCES sources(id),
    item_key      TEXT NOT NULL,                    -- guid, else canonical URL, else content hash
    guid          TEXT,
    url           TEXT,
    link          TEXT,
    title         TEXT NOT NULL,
    summary       TEXT,                             -- sanitized HTML
    content       TEXT,                             -- sanitized HTML
    author        TEXT,
    published_at  TEXT NOT NULL,
    updated_at    TEXT,
    first_seen_at TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL,
    enclosures    TEXT NOT NULL DEFAULT '[]',       -- JSON
    categories    TEXT NOT NULL DEFAULT '[]',       -- JSON
    article_id    INTEGER NOT NULL REFERENCES articles(id),
    UNIQUE (source_id, item_key)
  );
  CREATE INDEX items_source_guid ON items(source_id, guid);
  CREATE INDEX items_source_url ON items(source_id, url);
  CREATE INDEX items_article ON items(article_id);
  CREATE INDEX items_published ON items(published_at);
  `,
  // 2: full-text extraction results, one per article (canonical URL), so no page is fetched twice
  `
  ALTER TABLE articles ADD COLUMN extract_status TEXT
    CHECK (extract_status IS NULL OR extract_status IN ('ok','failed'));   -- NULL: not tried yet
  ALTER TABLE articles ADD COLUMN extract_error TEXT;                        -- why it failed (fallback: feed content)
  ALTER TABLE articles ADD COLUMN extracted_at TEXT;
  ALTER TABLE articles ADD COLUMN page_url TEXT;                             -- the URL fetched (item link)
  ALTER TABLE articles ADD COLUMN title TEXT;
  ALTER TABLE articles ADD COLUMN byline TEXT;
  ALTER TABLE articles ADD COLUMN site_name TEXT;
  ALTER TABLE articles ADD COLUMN lang TEXT;
  ALTER TABLE articles ADD COLUMN excerpt TEXT;
  ALTER TABLE articles ADD COLUMN published_at TEXT;
  ALTER TABLE articles ADD COLUMN text TEXT;                                 -- plain text, paragraphs split by blank lines
  ALTER TABLE articles ADD COLUMN html TEXT;                                 -- sanitized HTML
  ALTER TABLE articles ADD COLUMN word_count INTEGER;
  CREATE INDEX articles_pending ON articles(extract_status) WHERE extract_status IS NULL;
  `,
  // 3: one worker at a time per database; a small key/value table (health probe)
  `
  CREATE TABLE worker_lock (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    pid          INTEGER NOT NULL,
    host         TEXT NOT NULL,
    command      TEXT NOT NULL,
    started_at   TEXT NOT NULL,
    heartbeat_at TEXT NOT NULL
  );
  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  `,
  // 4: what the clusterer needs per article (its text analysis), so a start reads it instead of
  //    re-analysing every text of the window; and each story's history (created, joined, moved, merged)
  `
  CREATE TABLE cluster_features (
    article_id   INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    version      INTEGER NOT NULL,                  -- analysis version; another version is recomputed
    published_at TEXT NOT NULL,                     -- the article's earliest publication (window loads)
    source_id    INTEGER,                           -- the source of its first item (same-outlet signal)
    analysis     TEXT NOT NULL                      -- JSON: language, terms, entities as written, figures, SimHash
  );
  CREATE INDEX cluster_features_published ON cluster_features(published_at);

  CREATE TABLE story_events (
    id             INTEGER PRIMARY KEY,
    story_id       INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    event          TEXT NOT NULL CHECK (event IN ('created','joined','moved_in','moved_out','merged_in','merged_into')),
    article_id     INTEGER,                         -- the article that joined / moved (NULL for merges)
    other_story_id INTEGER,                         -- where it came from / went to, the story merged
    probability    REAL,                            -- the model's probability behind the decision
    at             TEXT NOT NULL
  );
  CREATE INDEX story_events_story ON story_events(story_id, id);
  `,
  // 5: what extraction found on a page: its verdict, and the text of a page that is not used as the body
  `
  ALTER TABLE articles ADD COLUMN verdict TEXT
    CHECK (verdict IS NULL OR verdict IN ('article','short','paywalled','not-article'));  -- NULL: not judged (fetch failed, not tried)
  ALTER TABLE articles ADD COLUMN found_text TEXT;   -- text of a non-article page (feed content stays the body)
  `,
  // 6: each fetch's outcome, the newest few per source (sources.ts bounds them), for the sources page's
  //    chart; items by source and publication time, for its "items in the last day / week"
  `
  CREATE TABLE fetch_history (
    id        INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    at        TEXT NOT NULL,
    outcome   TEXT NOT NULL CHECK (outcome IN ('ok','not_modified','failed','gone')),
    error     TEXT                                   -- the failure's message (NULL when it succeeded)
  );
  CREATE INDEX fetch_history_source ON fetch_history(source_id, id);
  CREATE INDEX items_source_published ON items(source_id, published_at);
  `,
  // 7: each item's fingerprint (a hash of what its feed said, ingest/clean.ts), so that an item fetched
  //    again unchanged is recognised by it alone and only marked seen; merge leftovers indexed, so that
  //    retention after every cycle never reads every story (issue 12)
  `
  ALTER TABLE items ADD COLUMN content_hash TEXT;
  CREATE INDEX items_source_hash ON items(source_id, content_hash);
  CREATE INDEX stories_merged ON stories(merged_into) WHERE merged_into IS NOT NULL;
  `,
  // 8: the clusterer's term vectors per article in binary (cluster/features.ts encodeVectors: hashed ids
  //    in little-endian typed arrays), so a start decodes bytes instead of parsing and hashing JSON;
  //    NULL where only the JSON analysis was stored
  `
  ALTER TABLE cluster_features ADD COLUMN vectors BLOB;
  `,
];
