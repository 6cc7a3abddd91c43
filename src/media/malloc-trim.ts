// glibc's malloc_trim(0): hands the pages that libvips freed back to the system. glibc keeps freed
// memory in its arenas for reuse, so after a large decode the process's RSS stays at its peak
// until something else needs it; the memory gate calls this before the label model may load.
// Where there is no glibc (musl, another OS) it does nothing.
import { dlopen, FFIType } from "bun:ffi";

let trim: (() => void) | null | undefined;

function load(): (() => void) | null {
  try {
    const libc = dlopen("libc.so.6", { malloc_trim: { args: [FFIType.u64], returns: FFIType.i32 } });
    return () => void libc.symbols.malloc_trim(0);
  } catch {
    return null;
  }
}

export function releaseFreedMemory(): void {
  trim ??= load();
  trim?.();
}
