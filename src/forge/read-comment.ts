import { z } from "zod";
import { parseCommands, type CommentEvent, type CommentReading } from "../core/index.js";
import { STICKY_MARKER } from "./forge-client.js";

// What every forge's comment reader shares: ids as strings, the sticky-comment guard and the
// command parsing. Each forge's own payload shape is read in forge/<id>/read-comment.ts.

/** A forge id field: GitHub and GitLab send numbers, some hooks strings. */
export const commentId = z.union([z.number().int(), z.string().min(1)]).transform(String);

/** The comment with the commands it holds, or why it holds none Sentinel will run. */
export function withCommands(event: Omit<CommentEvent, "commands">): CommentReading {
  // Sentinel's own sticky comment quotes failures, which may quote commands.
  if (event.body.includes(STICKY_MARKER)) return { ignore: "Sentinel's sticky comment" };
  const commands = parseCommands(event.body);
  if (commands.length === 0) return { ignore: "no /sentinel command" };
  return { ...event, commands };
}

/** The first few schema issues, as a reason a person reading the outcome can follow. */
export function summarize(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
    .join("; ");
}
