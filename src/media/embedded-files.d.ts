// Native files Bun embeds in the executable when imported `with { type: "file" }`: the import is their path.
declare module "@img/sharp-libvips-linux-x64/binary" {
  const path: string;
  export default path;
}

declare module "@tensorflow/tfjs-backend-wasm/dist/*.wasm" {
  const path: string;
  export default path;
}

declare module "*.bin" {
  const path: string;
  export default path;
}
