import type { Database } from "./database.js";
import type { Forge } from "./records.js";

/** Which repositories each installation (a GitHub App installation, a GitLab group hook) covers. */
export class InstallationStore {
  constructor(private readonly db: Database) {}

  async addRepos(
    forge: Forge,
    installationId: string,
    repos: ReadonlyArray<{ id: string; fullName: string }>,
  ): Promise<void> {
    for (const r of repos) {
      await this.db.query(
        `INSERT INTO installations (forge, installation_id, repo_id, repo) VALUES ($1, $2, $3, $4)
         ON CONFLICT (forge, installation_id, repo_id) DO UPDATE SET repo = EXCLUDED.repo`,
        [forge, installationId, r.id, r.fullName],
      );
    }
  }

  /** Removes the named repositories, or the whole installation when no ids are given. */
  async removeRepos(forge: Forge, installationId: string, repoIds?: readonly string[]): Promise<void> {
    if (!repoIds) {
      await this.db.query("DELETE FROM installations WHERE forge = $1 AND installation_id = $2", [
        forge,
        installationId,
      ]);
      return;
    }
    for (const id of repoIds)
      await this.db.query("DELETE FROM installations WHERE forge = $1 AND installation_id = $2 AND repo_id = $3", [
        forge,
        installationId,
        id,
      ]);
  }

  async repos(forge: Forge): Promise<string[]> {
    const { rows } = await this.db.query<{ repo: string }>(
      "SELECT repo FROM installations WHERE forge = $1 ORDER BY repo",
      [forge],
    );
    return rows.map((r) => r.repo);
  }
}
