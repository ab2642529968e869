import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { STICKY_MARKER, renderHelp, type CommentEvent } from "../../src/commands/index.js";
import { readGithubComment, readGitlabNote } from "../../src/forge/index.js";

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples/api.github.com/index.json") as Array<{
  name: string;
  examples: Array<Record<string, any>>;
}>;
const example = (event: string, pick: (x: Record<string, any>) => boolean) =>
  structuredClone(examples.find((e) => e.name === event)!.examples.find(pick)!);
const INSTALLATION = 4242;

/**
 * The real `issue_comment.created` example from @octokit/webhooks-examples (a comment on issue #1
 * of Codertocat/Hello-World), with what an App delivery carries (`installation`) and, unless
 * `onIssue`, the `pull_request` key GitHub sets when the issue is a pull request.
 */
function githubComment(body: string, o: { action?: string; onIssue?: boolean } = {}) {
  const p = example("issue_comment", (x) => x.action === (o.action ?? "created"));
  p.installation = { id: INSTALLATION, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uNDI0Mg==" };
  p.comment.body = body;
  if (o.onIssue) delete p.issue.pull_request;
  else
    p.issue.pull_request = {
      url: "https://api.github.com/repos/Codertocat/Hello-World/pulls/1",
      html_url: "https://github.com/Codertocat/Hello-World/pull/1",
      diff_url: "https://github.com/Codertocat/Hello-World/pull/1.diff",
      patch_url: "https://github.com/Codertocat/Hello-World/pull/1.patch",
      merged_at: null,
    };
  return p;
}

/** GitLab's documented "Comment on a merge request" Note Hook (fixtures/gitlab-hooks, see sources.json). */
function gitlabNote(note: string) {
  const p = JSON.parse(
    readFileSync(path.resolve(import.meta.dirname, "../fixtures/gitlab-hooks/note-event.json"), "utf8"),
  ) as Record<string, any>;
  p.object_attributes.note = note;
  return p;
}

describe("readGithubComment", () => {
  it("reads a new pull request comment with commands into a command event", () => {
    const p = githubComment("Looks flaky.\n/sentinel retry test");
    expect(readGithubComment("issue_comment", p, "sentinel[bot]")).toEqual({
      forge: "github",
      repo: "Codertocat/Hello-World",
      repoId: String(p.repository.id),
      installationId: String(INSTALLATION),
      prNumber: 1,
      commentId: "492700400",
      author: { login: "Codertocat", id: String(p.comment.user.id), isBot: false },
      body: "Looks flaky.\n/sentinel retry test",
      commands: [{ name: "retry", args: ["test"], raw: "/sentinel retry test", line: 2 }],
      url: "https://github.com/Codertocat/Hello-World/issues/1#issuecomment-492700400",
    } satisfies CommentEvent);
  });

  it("ignores the example comment as it is: it has no command", () => {
    expect(
      readGithubComment(
        "issue_comment",
        githubComment(example("issue_comment", (x) => x.action === "created").comment.body),
      ),
    ).toEqual({ ignore: "no /sentinel command" });
  });

  it("ignores an edited comment: commands in edited comments do not fire again", () => {
    const r = readGithubComment("issue_comment", githubComment("/sentinel fix", { action: "edited" }));
    expect(r).toEqual({ ignore: expect.stringMatching(/commands in edited comments do not fire again/) });
  });

  it("ignores a deleted comment", () => {
    expect(readGithubComment("issue_comment", githubComment("/sentinel fix", { action: "deleted" }))).toEqual({
      ignore: expect.stringMatching(/^issue_comment\.deleted/),
    });
  });

  it("ignores a comment on a plain issue", () => {
    expect(readGithubComment("issue_comment", githubComment("/sentinel fix", { onIssue: true }))).toEqual({
      ignore: "comment on issue #1, not a pull request",
    });
  });

  it("ignores comments by bots: a Bot user, a [bot] login, and Sentinel itself", () => {
    const bot = githubComment("/sentinel fix");
    bot.comment.user.type = "Bot";
    const suffixed = githubComment("/sentinel fix");
    suffixed.comment.user.login = "renovate[bot]";
    const self = githubComment("/sentinel fix");
    self.comment.user.login = "Sentinel-CI";
    expect(readGithubComment("issue_comment", bot)).toEqual({ ignore: expect.stringMatching(/^comment by the bot/) });
    expect(readGithubComment("issue_comment", suffixed)).toEqual({ ignore: "comment by the bot renovate[bot]" });
    expect(readGithubComment("issue_comment", self, "sentinel-ci")).toEqual({
      ignore: "comment by the bot Sentinel-CI",
    });
  });

  it("ignores a comment carrying Sentinel's sticky marker", () => {
    expect(readGithubComment("issue_comment", githubComment(`${STICKY_MARKER}\n/sentinel fix`))).toEqual({
      ignore: "Sentinel's sticky comment",
    });
  });

  it("ignores a quote reply of someone's command", () => {
    expect(readGithubComment("issue_comment", githubComment("> /sentinel approve\n\nI would rather not."))).toEqual({
      ignore: "no /sentinel command",
    });
  });

  it("ignores a delivery outside an App installation", () => {
    const p = githubComment("/sentinel fix");
    delete p.installation;
    expect(readGithubComment("issue_comment", p)).toEqual({ ignore: expect.stringMatching(/without an installation/) });
  });

  it("ignores other events and payloads it cannot read, with the reason", () => {
    expect(readGithubComment("pull_request_review_comment", githubComment("/sentinel fix"))).toEqual({
      ignore: "pull_request_review_comment is not a comment event",
    });
    const broken = githubComment("/sentinel fix");
    delete broken.issue.number;
    expect(readGithubComment("issue_comment", broken)).toEqual({
      ignore: expect.stringMatching(/^issue_comment payload not understood: issue\.number/),
    });
  });

  it("reads a CRLF body and a huge one", () => {
    const crlf = readGithubComment(
      "issue_comment",
      githubComment("/sentinel status\r\n/sentinel explain sfp1-ab\r\n"),
    ) as CommentEvent;
    expect(crlf.commands.map((c) => c.name)).toEqual(["status", "explain"]);
    const huge = readGithubComment(
      "issue_comment",
      githubComment(`/sentinel status\n${"x".repeat(1_000_000)}\n/sentinel fix`),
    ) as CommentEvent;
    expect(huge.commands.map((c) => c.name)).toEqual(["status"]);
  });

  it("reads an unknown command, so the caller can answer with help", () => {
    const r = readGithubComment("issue_comment", githubComment("/sentinel pleasefix")) as CommentEvent;
    expect(r.commands).toEqual([{ name: "unknown", args: ["pleasefix"], raw: "/sentinel pleasefix", line: 1 }]);
    expect(renderHelp()).toContain("/sentinel help");
  });
});

describe("readGitlabNote", () => {
  it("reads GitLab's documented merge request note, with a command, into a command event", () => {
    expect(readGitlabNote(gitlabNote("/sentinel status"), "sentinel-bot")).toEqual({
      forge: "gitlab",
      repo: "gitlab-org/gitlab-test",
      repoId: "5",
      installationId: null,
      prNumber: 1,
      commentId: "1244",
      author: { login: "root", id: "1", isBot: false },
      body: "/sentinel status",
      commands: [{ name: "status", args: [], raw: "/sentinel status", line: 1 }],
      url: "http://example.com/gitlab-org/gitlab-test/merge_requests/1#note_1244",
    } satisfies CommentEvent);
  });

  it("ignores the documented note as it is: it has no command", () => {
    expect(readGitlabNote(gitlabNote("This MR needs work."))).toEqual({ ignore: "no /sentinel command" });
  });

  it("ignores an edited note (action update), and reads one from GitLab before 16.11, which sends no action", () => {
    const edited = gitlabNote("/sentinel fix");
    edited.object_attributes.action = "update";
    expect(readGitlabNote(edited)).toEqual({ ignore: "note update: commands in edited comments do not fire again" });
    const old = gitlabNote("/sentinel fix");
    delete old.object_attributes.action;
    expect((readGitlabNote(old) as CommentEvent).commands.map((c) => c.name)).toEqual(["fix"]);
  });

  it("ignores notes on anything but a merge request", () => {
    const onIssue = gitlabNote("/sentinel fix");
    onIssue.object_attributes.noteable_type = "Issue";
    delete onIssue.merge_request;
    expect(readGitlabNote(onIssue)).toEqual({ ignore: "Issue note, not a merge request note" });
  });

  it("ignores system notes", () => {
    const p = gitlabNote("/sentinel fix");
    p.object_attributes.system = true;
    expect(readGitlabNote(p)).toEqual({ ignore: "system note" });
  });

  it("ignores notes by Sentinel itself and by GitLab's bot users", () => {
    const by = (username: string) => {
      const p = gitlabNote("/sentinel fix");
      p.user.username = username;
      return readGitlabNote(p, "sentinel");
    };
    expect(by("Sentinel")).toEqual({ ignore: "note by the bot Sentinel" });
    expect(by("project_5_bot_0123456789abcdef")).toEqual({ ignore: "note by the bot project_5_bot_0123456789abcdef" });
    expect(by("group_42_bot")).toEqual({ ignore: "note by the bot group_42_bot" });
    expect(by("deploy-bot")).toEqual({ ignore: "note by the bot deploy-bot" });
    expect(by("release_bot")).toEqual({ ignore: "note by the bot release_bot" });
    expect((by("bottomley") as CommentEvent).author.login).toBe("bottomley");
  });

  it("ignores a note carrying Sentinel's sticky marker, fenced and quoted commands, and other hooks", () => {
    expect(readGitlabNote(gitlabNote(`${STICKY_MARKER}\n/sentinel fix`))).toEqual({
      ignore: "Sentinel's sticky comment",
    });
    expect(readGitlabNote(gitlabNote("```\n/sentinel fix\n```\n> /sentinel retry"))).toEqual({
      ignore: "no /sentinel command",
    });
    expect(readGitlabNote({ object_kind: "pipeline" })).toEqual({ ignore: "pipeline is not a note" });
  });

  it("reads several commands from a CRLF note", () => {
    const r = readGitlabNote(gitlabNote("/sentinel approve run-1\r\n/sentinel tier recipe 2\r\n")) as CommentEvent;
    expect(r.commands.map((c) => [c.name, ...c.args])).toEqual([
      ["approve", "run-1"],
      ["tier", "recipe", "2"],
    ]);
  });
});
