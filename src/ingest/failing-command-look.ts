import type { Diagnosis } from "../sentinel/index.js";

/**
 * A second look at a failure no sentinel recognised, with the command that failed. Some output
 * means something only for a known command: `gofmt -l` prints bare file names, `terraform fmt
 * -check` too, so their sentinels apply only where the command is known (`appliesTo.commands`,
 * `whenUnknown: skip`). A job log names its failing command (a GitHub `Run …` step, a GitLab
 * `$ …` echo), so the log is classified again with it. The first diagnosis stands unless the
 * second one recognises the failure; a second read that fails leaves it standing too.
 */
export async function withFailingCommand(
  first: Diagnosis,
  how: {
    readonly failingCommand: () => Promise<string | null> | string | null;
    readonly classifyAgain: (command: string) => Promise<Diagnosis> | Diagnosis;
  },
): Promise<Diagnosis> {
  if (first.status !== "failed" || first.category !== "unknown") return first;
  try {
    const command = await how.failingCommand();
    if (!command) return first;
    const second = await how.classifyAgain(command);
    return second.status === "failed" && second.category !== "unknown" ? second : first;
  } catch {
    // The log could not be read a second time: the first reading is still a diagnosis.
    return first;
  }
}
