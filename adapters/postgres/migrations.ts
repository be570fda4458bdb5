/**
 * The schema, as versioned forward-only steps. A released step is never edited: a change
 * is a new step with the next version. Each step runs in one transaction with its record
 * in schema_migrations, so a step is either wholly applied or not at all.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: "runs, numbers, files, logs, index",
    sql: `
      CREATE TABLE repo_counters (
        repo text COLLATE "C" PRIMARY KEY,
        last_number integer NOT NULL
      );

      -- meta and state are json, not jsonb: json keeps a \\u0000 escape that jsonb refuses.
      CREATE TABLE runs (
        run_id text COLLATE "C" PRIMARY KEY,
        repo text COLLATE "C" NOT NULL,
        number integer NOT NULL,
        ref text COLLATE "C" NOT NULL,
        sha text COLLATE "C" NOT NULL,
        meta json NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'active', 'complete', 'failed')),
        state json NOT NULL,
        lease_owner text,
        lease_expires_at timestamptz,
        claimed_by text,
        claim_expires_at timestamptz,
        stop_request json,
        UNIQUE (repo, number)
      );
      CREATE INDEX runs_pending ON runs (run_id) WHERE status = 'pending';
      CREATE INDEX runs_active ON runs (run_id) WHERE status = 'active';
      CREATE INDEX runs_repo ON runs (repo, run_id);

      CREATE TABLE run_files (
        run_id text COLLATE "C" NOT NULL REFERENCES runs ON DELETE CASCADE,
        path text COLLATE "C" NOT NULL,
        content bytea NOT NULL,
        PRIMARY KEY (run_id, path)
      );

      CREATE TABLE run_logs (
        run_id text COLLATE "C" NOT NULL REFERENCES runs ON DELETE CASCADE,
        path text COLLATE "C" NOT NULL,
        size bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (run_id, path)
      );

      -- One row per chunk a writer flushed; byte_offset is where it starts in the log.
      CREATE TABLE log_chunks (
        run_id text COLLATE "C" NOT NULL,
        path text COLLATE "C" NOT NULL,
        byte_offset bigint NOT NULL,
        data bytea NOT NULL,
        PRIMARY KEY (run_id, path, byte_offset),
        FOREIGN KEY (run_id, path) REFERENCES run_logs ON DELETE CASCADE
      );

      -- Every index write takes the next tick under this row's lock, so ticks commit in
      -- order and a reader that saw tick n has seen every tick before it.
      CREATE TABLE index_clock (id integer PRIMARY KEY CHECK (id = 1), tick bigint NOT NULL);
      INSERT INTO index_clock VALUES (1, 0);

      CREATE TABLE run_index (
        run_id text COLLATE "C" PRIMARY KEY,
        position bigint GENERATED ALWAYS AS IDENTITY,
        repo text COLLATE "C" NOT NULL,
        number integer NOT NULL,
        ref text COLLATE "C" NOT NULL,
        sha text COLLATE "C" NOT NULL,
        status text NOT NULL,
        outcome text,
        updated_at text NOT NULL,
        last_job text,
        tick bigint NOT NULL,
        removed boolean NOT NULL DEFAULT false
      );
      CREATE INDEX run_index_tick ON run_index (tick);
    `,
  },
];
