// An S3-compatible server for tests: npm's s3rver on 127.0.0.1, in-process. It stores objects
// on disk and speaks PUT, multipart upload, Range GET, HEAD and DELETE, which is what the blob
// store uses; it does not check request signatures (a wrong secret would still pass here).
import S3rver from "s3rver";
import { tempDir } from "./pixvault.ts";

export interface RunningS3 {
  readonly endpoint: string;
  readonly bucket: string;
  /** The env a pixvault process needs (credentials; s3rver accepts any). */
  readonly env: Record<string, string>;
  /** Keys of the objects in the bucket. */
  objectKeys(): Promise<string[]>;
  objectBytes(key: string): Promise<Uint8Array>;
  stop(): Promise<void>;
}

export async function startS3(bucket = "pixvault-test"): Promise<RunningS3> {
  const dir = tempDir("pixvault-s3-");
  const server = new S3rver({ port: 0, address: "127.0.0.1", silent: true, directory: dir.path, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new Bun.S3Client({ endpoint, bucket, accessKeyId: "S3RVER", secretAccessKey: "S3RVER", region: "us-east-1" });
  return {
    endpoint,
    bucket,
    env: { AWS_ACCESS_KEY_ID: "S3RVER", AWS_SECRET_ACCESS_KEY: "S3RVER", AWS_REGION: "us-east-1" },
    async objectKeys() {
      const listed = await client.list();
      return (listed.contents ?? []).map((o) => o.key);
    },
    objectBytes: (key) => client.file(key).bytes(),
    async stop() {
      await server.close();
      dir.remove();
    },
  };
}
