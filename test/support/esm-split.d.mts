/** A chunk as rollup (and so Vite) returns it, the fields the split reads. */
export interface BuiltChunk {
  fileName: string;
  isEntry: boolean;
  imports: string[];
  modules: Record<string, unknown>;
  code: string;
}
export declare const DECISION_HALF_MODULES: string[];
export declare function esmModuleOf(id: string): string | undefined;
export declare function splitOf<C extends BuiltChunk>(
  chunks: C[],
): { entry: C; first: C[]; decision: C; modulesOf(list: C[]): string[] };
