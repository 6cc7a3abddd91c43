// The web UI's built files inside the compiled executable. From source this is empty and
// the UI is built in-process on first use; scripts/build.ts compiles the executable with
// this module replaced by imports of the built files (`with { type: "file" }`), which Bun
// embeds, so the binary serves the UI from any directory with nothing beside it.

export interface EmbeddedFile {
  /** The name the UI asks for: index.html, main-<hash>.js, … */
  readonly name: string;
  /** Where Bun put it in the executable's embedded file system. */
  readonly file: string;
}

export const EMBEDDED_WEB_FILES: readonly EmbeddedFile[] | undefined = undefined;
