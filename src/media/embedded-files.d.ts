// Native files Bun embeds in the executable when imported `with { type: "file" }`: the import is their path.
declare module "@img/sharp-libvips-linux-x64/binary" {
  const path: string;
  export default path;
}
