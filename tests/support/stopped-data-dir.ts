// A data directory holding one user's image, its server stopped: where the key commands begin.
import { type SignedInUser, signedInUser } from "./accounts.ts";
import type { ImageBody } from "./api-bodies.ts";
import { noisePng } from "./images.ts";
import { uploadOne } from "./images-api.ts";
import { startServer } from "./pixvault.ts";

export interface StoredImage {
  readonly ann: SignedInUser;
  readonly bytes: Buffer;
  readonly image: ImageBody;
}

/** Starts a server on `data`, signs a user up, uploads one noise PNG named `name`, and stops it. */
export async function storeOneImage(
  data: string,
  { name, size, seed, tags }: { name: string; size: number; seed: number; tags?: string },
): Promise<StoredImage> {
  const server = await startServer(["--data-dir", data]);
  try {
    const ann = await signedInUser(server.url);
    const bytes = noisePng({ width: size, height: size, seed });
    const image = await uploadOne(server.url, ann.token, { name, bytes }, tags === undefined ? {} : { tags });
    return { ann, bytes, image };
  } finally {
    await server.stop();
  }
}
