// The local forge's public surface: its adapter and the FixForge that pushes to a repository on disk.
export { localAdapter } from "./adapter.js";
export { LocalForge } from "./local-fix-forge.js";
