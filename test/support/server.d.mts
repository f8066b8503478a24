import type { IncomingMessage, ServerResponse } from 'node:http';

/** A directory served under a URL prefix (default '/'). */
export interface Mount {
  prefix?: string;
  dir: string;
}

/** A fixed answer, or a handler that writes the response itself. */
export type RouteHandler =
  | { body: string | Uint8Array; type?: string; status?: number; headers?: Record<string, string> }
  | ((req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>);

export interface ServerOptions {
  /** Directories to serve; a plain string is mounted at '/'. Longest prefix wins. */
  roots?: (string | Mount)[];
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Default '127.0.0.1'. */
  host?: string;
  /** Called with one line per 404 or 500. */
  log?: (line: string) => void;
}

export interface StaticServer {
  /** e.g. 'http://127.0.0.1:40123' */
  readonly origin: string;
  readonly port: number;
  /** Absolute URL of a path on this server. */
  url(pathname?: string): string;
  /** Registers an extra route (exact path match, any method); it takes precedence over files. */
  route(pathname: string, handler: RouteHandler): void;
  /** Registers an HTML page; returns its absolute URL. */
  page(pathname: string, html: string): string;
  unroute(pathname: string): void;
  close(): Promise<void>;
}

export const repoRoot: string;
export const distDir: string;
export function servedDistFiles(): string[];
export const MIME_TYPES: Record<string, string>;
export function mimeType(file: string): string;
export function startServer(options?: ServerOptions): Promise<StaticServer>;
