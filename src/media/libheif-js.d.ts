// Types for the part of libheif-js 1.23 (libheif compiled to WASM with embind) that
// heic-decode.worker.ts uses; the package ships a .d.ts for its low-level module only.
declare module "libheif-js/wasm-bundle" {
  interface EnumValue {
    readonly value: number;
  }
  interface ImageHandle {
    readonly handle: unknown;
    get_width(): number;
    get_height(): number;
    has_alpha_channel(): boolean;
    free(): void;
  }
  interface Plane {
    readonly id: EnumValue;
    readonly width: number;
    readonly height: number;
    readonly stride: number;
    /** A view into the WASM heap, valid until the image is released. */
    readonly data: Uint8Array;
  }
  interface DecodedImage {
    readonly code?: undefined;
    readonly image: unknown;
    readonly channels: readonly Plane[];
  }
  interface Libheif {
    readonly ready: Promise<void>;
    readonly HeifDecoder: new () => { decoder: { delete(): void } | null; decode(bytes: Uint8Array): ImageHandle[] };
    heif_js_decode_image2(
      handle: unknown,
      colorspace: EnumValue,
      chroma: EnumValue,
    ): Promise<DecodedImage | { readonly code: EnumValue; readonly message?: string } | null>;
    heif_image_release(image: unknown): void;
    readonly heif_colorspace: { readonly heif_colorspace_RGB: EnumValue };
    readonly heif_chroma: { readonly heif_chroma_interleaved_RGB: EnumValue; readonly heif_chroma_interleaved_RGBA: EnumValue };
    readonly heif_channel: { readonly heif_channel_interleaved: EnumValue };
  }
  const libheif: Libheif;
  export = libheif;
}
