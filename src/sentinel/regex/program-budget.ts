/**
 * RE2 instructions left for the patterns of one repository's rule files: every compiled pattern
 * takes its size from it, and a pattern that does not fit is refused. Bounds what a repository
 * can make the engine compile and keep in memory, whatever number of files and matchers.
 */
export interface ProgramBudget {
  readonly total: number;
  remaining: number;
}

export function programBudget(total: number): ProgramBudget {
  return { total, remaining: total };
}
