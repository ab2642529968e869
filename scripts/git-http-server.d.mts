/** Types of git-http-server.mjs, for the tests that import it. */
export interface GitHttpRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization: string | null;
}
export interface GitHttpServer {
  readonly origin: string;
  readonly port: number;
  readonly requests: GitHttpRequest[];
  close(): Promise<void>;
}
export declare function startGitHttpServer(options: {
  root: string;
  requireAuth?: boolean;
  host?: string;
}): Promise<GitHttpServer>;
export declare function gitHttpHandler(options: {
  root: string;
  requireAuth?: boolean;
  requests: GitHttpRequest[];
}): (req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse) => void;
export declare function isGitRequest(pathname: string): boolean;
