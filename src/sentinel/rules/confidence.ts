/** A problem matcher's confidence when nothing says what its findings mean (no category known). */
export const UNKNOWN_CONFIDENCE = 0.45;
