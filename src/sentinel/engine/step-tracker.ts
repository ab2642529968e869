import type { StepRef, StepSummary } from "../model/types.js";
import type { EnvelopeMarker } from "./clean-line.js";

/**
 * Knows which CI step a line belongs to. On GitHub Actions a step opens with a `##[group]Run …`
 * header (other groups are sections inside it); on GitLab the outermost open
 * `section_start` is the step (`get_sources`, `step_script`, …) and nested sections are sections.
 */
export class StepTracker {
  private githubStep: string | undefined;
  private readonly groups: string[] = [];
  private readonly sections: string[] = [];
  private readonly summaries = new Map<string, { name: string; firstLine: number; errors: number; warnings: number }>();
  private cached: StepRef | undefined;
  private dirty = true;

  apply(markers: readonly EnvelopeMarker[], lineNumber: number): void {
    for (const m of markers) {
      this.dirty = true;
      switch (m.kind) {
        case "group-start":
          if (m.title.startsWith("Run ")) {
            this.githubStep = m.title;
            this.groups.length = 0;
            this.touch(m.title, lineNumber);
          } else this.groups.push(m.title);
          break;
        case "group-end":
          this.groups.pop();
          break;
        case "section-start":
          this.sections.push(m.name);
          if (this.sections.length === 1) this.touch(m.name, lineNumber);
          break;
        case "section-end": {
          const at = this.sections.lastIndexOf(m.name);
          if (at >= 0) this.sections.length = at;
          break;
        }
      }
    }
  }

  current(): StepRef | undefined {
    if (!this.dirty) return this.cached;
    this.dirty = false;
    const name = this.sections[0] ?? this.githubStep;
    const inner =
      this.sections.length > 1 ? this.sections[this.sections.length - 1] : this.groups[this.groups.length - 1];
    if (name === undefined) this.cached = inner === undefined ? undefined : { name: inner };
    else this.cached = inner === undefined || inner === name ? { name } : { name, section: inner };
    return this.cached;
  }

  count(step: StepRef | undefined, severity: "error" | "warning"): void {
    if (!step) return;
    const s = this.summaries.get(step.name);
    if (!s) return;
    if (severity === "error") s.errors++;
    else s.warnings++;
  }

  summary(): StepSummary[] {
    return [...this.summaries.values()].map((s) => ({ ...s }));
  }

  private touch(name: string, lineNumber: number): void {
    if (!this.summaries.has(name)) this.summaries.set(name, { name, firstLine: lineNumber, errors: 0, warnings: 0 });
  }
}
