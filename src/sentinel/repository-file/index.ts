export {
  loadRepositoryYaml,
  loadRepositoryYamlDocuments,
  sizeProblem,
  type LoadedDocument,
  type Locate,
  type RepositoryFileOptions,
} from "./load-repository-yaml.js";
export { loadRepositoryJson } from "./load-repository-json.js";
export { capProblems, formatFileProblem, moreProblems, type FileProblem } from "./file-problem.js";
export * from "./limits.js";
