import { StorageError } from "../../core/errors.ts";
import type { BoundedRead, LogOptions, LogWriter, RunFiles } from "../../core/ports/run-files.ts";
import type { Clock } from "../../core/ports/clock-ids.ts";
import { RUN_ID_PATTERN } from "../../core/run/run-layout.ts";
import type { RepoName } from "../../core/types.ts";
import { CriLogWriter } from "../logs/cri-log-writer.ts";
import { logSegments, relSegments, writableSegments } from "../logs/run-paths.ts";
import type { PgDb } from "./pg-db.ts";
import { PgLogSink } from "./pg-log-sink.ts";

const notFound = (repo: RepoName, runId: string) => new StorageError("run_not_found", `run ${runId} of ${repo} not found`);

/**
 * A run's files as rows: receipts and container facts in run_files, each `sh` log in
 * run_logs with its text in bounded log_chunks, so a runner on another host streams
 * logs the server can serve and tail. Paths obey the same rules as on disk.
 */
export class PgRunFiles implements RunFiles {
  constructor(
    private readonly db: PgDb,
    private readonly clock: Clock,
  ) {}

  async openLog(repo: RepoName, runId: string, job: string, n: number, options: LogOptions): Promise<LogWriter> {
    const path = logSegments(job, n).join("/");
    if (!RUN_ID_PATTERN.test(runId)) throw notFound(repo, runId);
    const { rows } = await this.db.query<{ made: boolean }>(
      `WITH run AS (SELECT run_id FROM runs WHERE run_id = $1 AND repo = $2),
            made AS (INSERT INTO run_logs (run_id, path) SELECT run_id, $3 FROM run ON CONFLICT DO NOTHING RETURNING 1)
       SELECT EXISTS (SELECT 1 FROM made) AS made, EXISTS (SELECT 1 FROM run) AS run`,
      [runId, repo, path],
    );
    const row = rows[0] as { made: boolean; run: boolean };
    if (!row.run) throw notFound(repo, runId);
    if (!row.made) throw new StorageError("log_open_failed", `log ${path} of run ${runId} exists`);
    return new CriLogWriter(new PgLogSink(this.db, runId, path), options, () => this.clock.now());
  }

  async writeFile(repo: RepoName, runId: string, relPath: string, content: string): Promise<void> {
    const path = writableSegments(relPath).join("/");
    if (!RUN_ID_PATTERN.test(runId)) throw notFound(repo, runId);
    const { rows } = await this.db.query<{ outcome: string }>(
      `WITH run AS (SELECT run_id FROM runs WHERE run_id = $1 AND repo = $2),
            clash AS (
              SELECT 1 FROM run_files WHERE run_id = $1 AND (starts_with(path, $3 || '/') OR starts_with($3, path || '/'))
              UNION ALL
              SELECT 1 FROM run_logs WHERE run_id = $1 AND (path = $3 OR starts_with(path, $3 || '/') OR starts_with($3, path || '/'))
            ),
            written AS (
              INSERT INTO run_files (run_id, path, content)
              SELECT run_id, $3, $4 FROM run WHERE NOT EXISTS (SELECT 1 FROM clash)
              ON CONFLICT (run_id, path) DO UPDATE SET content = EXCLUDED.content
              RETURNING 1
            )
       SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM run) THEN 'missing'
                   WHEN EXISTS (SELECT 1 FROM written) THEN 'written' ELSE 'clash' END AS outcome`,
      [runId, repo, path, Buffer.from(content, "utf8")],
    );
    const outcome = rows[0]?.outcome;
    if (outcome === "missing") throw notFound(repo, runId);
    if (outcome === "clash") throw new StorageError("run_files_failed", `${relPath} of run ${runId} clashes with a file or directory`);
  }

  async readFile(repo: RepoName, runId: string, relPath: string): Promise<string | undefined> {
    const path = relSegments(relPath).join("/");
    if (!RUN_ID_PATTERN.test(runId)) return undefined;
    const { rows } = await this.db.query<{ content: Buffer | null }>(
      `SELECT f.content FROM run_files f JOIN runs r USING (run_id) WHERE f.run_id = $1 AND r.repo = $2 AND f.path = $3
       UNION ALL
       SELECT (SELECT string_agg(c.data, ''::bytea ORDER BY c.byte_offset) FROM log_chunks c WHERE c.run_id = l.run_id AND c.path = l.path)
       FROM run_logs l JOIN runs r USING (run_id) WHERE l.run_id = $1 AND r.repo = $2 AND l.path = $3`,
      [runId, repo, path],
    );
    if (rows.length === 0) return undefined;
    return (rows[0]?.content ?? Buffer.alloc(0)).toString("utf8");
  }

  async readBounded(repo: RepoName, runId: string, relPath: string, maxBytes: number): Promise<BoundedRead> {
    const path = relSegments(relPath).join("/");
    if (!RUN_ID_PATTERN.test(runId)) return { kind: "missing" };
    // The size is asked first, in the same statement: content over the bound never leaves the database.
    const { rows } = await this.db.query<{ bytes: string; content: Buffer | null }>(
      `SELECT octet_length(f.content)::text AS bytes, CASE WHEN octet_length(f.content) <= $4 THEN f.content END AS content
         FROM run_files f JOIN runs r USING (run_id) WHERE f.run_id = $1 AND r.repo = $2 AND f.path = $3
       UNION ALL
       SELECT s.bytes::text, CASE WHEN s.bytes <= $4 THEN
                (SELECT string_agg(c.data, ''::bytea ORDER BY c.byte_offset) FROM log_chunks c WHERE c.run_id = $1 AND c.path = $3) END
         FROM run_logs l JOIN runs r USING (run_id)
         CROSS JOIN LATERAL (SELECT coalesce(sum(octet_length(c.data)), 0) AS bytes FROM log_chunks c WHERE c.run_id = l.run_id AND c.path = l.path) s
        WHERE l.run_id = $1 AND r.repo = $2 AND l.path = $3`,
      [runId, repo, path, maxBytes],
    );
    const row = rows[0];
    if (row === undefined) return { kind: "missing" };
    const bytes = Number(row.bytes);
    if (bytes > maxBytes) return { kind: "too-large", bytes };
    return { kind: "text", text: (row.content ?? Buffer.alloc(0)).toString("utf8") };
  }

  async listFiles(repo: RepoName, runId: string): Promise<string[]> {
    if (!RUN_ID_PATTERN.test(runId)) return [];
    const { rows } = await this.db.query<{ path: string }>(
      `SELECT path FROM (
         SELECT path FROM run_files WHERE run_id = $1 UNION SELECT path FROM run_logs WHERE run_id = $1
       ) p WHERE EXISTS (SELECT 1 FROM runs WHERE run_id = $1 AND repo = $2) ORDER BY path`,
      [runId, repo],
    );
    return rows.map((r) => r.path);
  }
}
