// The generator's exports, for test/unit/jsx-generated.test.ts.

/** The repository's root. */
export declare const ROOT: string;
/** The generated file, relative to the root: `widgets/jsx.generated.ts`. */
export declare const OUTPUT: string;
/** The command that regenerates it. */
export declare const COMMAND: string;
/** The custom elements manifest of the repository's elements (nothing written). */
export declare function analyze(root?: string): Promise<unknown>;
/** The generated file's source (unformatted) for `manifest`; throws what it cannot type. */
export declare function render(manifest: unknown, readSource: (file: string) => string): string;
/** `source` formatted as the repository formats it. */
export declare function format(source: string, root?: string): Promise<string>;
/** What widgets/jsx.generated.ts should hold now. */
export declare function generate(root?: string): Promise<string>;
