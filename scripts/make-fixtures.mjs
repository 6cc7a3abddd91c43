// Writes the small real image fixtures (and the refused look-alikes) into tests/fixtures/images/.
// Run with node, not bun: sharp's async operations hang under Bun. Output is committed, so tests never need sharp.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import sharp from "sharp";

const OUT = join(import.meta.dirname, "../tests/fixtures/images");
const W = 40, H = 30; // width ≠ height so a swapped pair is caught
const BIG_W = 64, BIG_H = 48;

const u8 = (n) => Buffer.from([n]);
const u16 = (n) => { const b = Buffer.alloc(2); b.writeUInt16BE(n); return b; };
const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
const ascii = (s) => Buffer.from(s, "latin1");

/** Deterministic RGB pixels, so re-running the script gives the same images. */
function pixels(width, height) {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    const i = (y * width + x) * 3;
    raw[i] = (x * 255) / width; raw[i + 1] = (y * 255) / height; raw[i + 2] = (x ^ y) * 4;
  }
  return raw;
}
const image = (width = W, height = H) => sharp(pixels(width, height), { raw: { width, height, channels: 3 } });

// BMP: sharp cannot write it; 24-bit BITMAPINFOHEADER, bottom-up rows padded to 4 bytes.
function bmp(width, height) {
  const src = pixels(width, height), row = Math.ceil((width * 3) / 4) * 4, size = 54 + row * height;
  const b = Buffer.alloc(size);
  b.write("BM", 0, "latin1"); b.writeUInt32LE(size, 2); b.writeUInt32LE(54, 10);
  b.writeUInt32LE(40, 14); b.writeInt32LE(width, 18); b.writeInt32LE(height, 22);
  b.writeUInt16LE(1, 26); b.writeUInt16LE(24, 28); b.writeUInt32LE(row * height, 34);
  b.writeInt32LE(2835, 38); b.writeInt32LE(2835, 42);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    const s = (y * width + x) * 3, d = 54 + (height - 1 - y) * row + x * 3;
    b[d] = src[s + 2]; b[d + 1] = src[s + 1]; b[d + 2] = src[s];
  }
  return b;
}

// ISO-BMFF boxes, for the hand-assembled HEIC container.
const box = (type, ...parts) => { const body = Buffer.concat(parts); return Buffer.concat([u32(8 + body.length), ascii(type), body]); };
const fullBox = (type, version, flags, ...parts) => box(type, u32(version * 2 ** 24 + flags), ...parts);

// No encoder we have writes HEVC (prebuilt libheif is AV1-only), so sample.heic is a structurally
// valid `heic`-brand HEIF (ftyp, meta/hdlr/pitm/iloc/iinf/iprp with hvcC + ispe, mdat) whose hvc1
// payload is not a decodable HEVC stream. It proves sniffing and the ispe size path, nothing more.
function heicContainer(width, height) {
  const payload = ascii("not an HEVC bitstream: container fixture only\n");
  const ftyp = box("ftyp", ascii("heic"), u32(0), ascii("mif1"), ascii("heic"));
  // HEVCDecoderConfigurationRecord: Main profile, level 3, 4:2:0, 8-bit, 4-byte NAL lengths, no arrays.
  const hvcC = box("hvcC", Buffer.from([1, 0x01, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 90, 0xf0, 0, 0xfc, 0xfd, 0xf8, 0xf8, 0, 0, 0x0f, 0]));
  const iprp = box("iprp",
    box("ipco", hvcC, fullBox("ispe", 0, 0, u32(width), u32(height))),
    fullBox("ipma", 0, 0, u32(1), u16(1), u8(2), u8(0x81), u8(0x02)));
  const meta = (dataOffset) => fullBox("meta", 0, 0,
    fullBox("hdlr", 0, 0, u32(0), ascii("pict"), u32(0), u32(0), u32(0), u8(0)),
    fullBox("pitm", 0, 0, u16(1)),
    fullBox("iloc", 0, 0, u8(0x44), u8(0), u16(1), u16(1), u16(0), u16(1), u32(dataOffset), u32(payload.length)),
    fullBox("iinf", 0, 0, u16(1), fullBox("infe", 2, 0, u16(1), u16(0), ascii("hvc1"), u8(0))),
    iprp);
  const offset = ftyp.length + meta(0).length + 8;
  return Buffer.concat([ftyp, meta(offset), box("mdat", payload)]);
}

// A JPEG whose SOF sits ~95 KB in, behind a full-size APP1 Exif (TIFF IFD0 with a 65,000-byte
// ImageDescription) and an APP1 XMP packet: image-size on a 4 KB head cannot find its size.
function withBigMetadata(jpeg) {
  const segment = (marker, body) => Buffer.concat([Buffer.from([0xff, marker]), u16(body.length + 2), body]);
  const description = Buffer.alloc(65_000, "x".charCodeAt(0)); description[description.length - 1] = 0;
  const tiff = Buffer.concat([ascii("MM\0*"), u32(8), u16(1), u16(0x010e), u16(2), u32(description.length), u32(26), u32(0), description]);
  const xmp = `<?xpacket begin="\uFEFF" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"/>${" ".repeat(30_000)}<?xpacket end="w"?>`;
  return Buffer.concat([jpeg.subarray(0, 2),
    segment(0xe1, Buffer.concat([ascii("Exif\0\0"), tiff])),
    segment(0xe1, Buffer.concat([ascii("http://ns.adobe.com/xap/1.0/\0"), Buffer.from(xmp, "utf8")])),
    jpeg.subarray(2)]);
}

function pdf() {
  const objects = ["<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${W} ${H}] >>`];
  let body = "%PDF-1.4\n";
  const offsets = objects.map((o, i) => { const at = body.length; body += `${i + 1} 0 obj\n${o}\nendobj\n`; return at; });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("")}`;
  return ascii(`${body}trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
}

// A stored (uncompressed) one-entry zip.
function zip(name, content) {
  const n = ascii(name), data = ascii(content), crc = crc32(data);
  const le = (size, v) => { const b = Buffer.alloc(size); size === 2 ? b.writeUInt16LE(v) : b.writeUInt32LE(v); return b; };
  const common = [le(2, 20), le(2, 0), le(2, 0), le(2, 0), le(2, 0x21), le(4, crc), le(4, data.length), le(4, data.length), le(2, n.length), le(2, 0)];
  const local = Buffer.concat([le(4, 0x04034b50), ...common, n, data]);
  const central = Buffer.concat([le(4, 0x02014b50), le(2, 20), ...common, le(2, 0), le(2, 0), le(2, 0), le(4, 0), le(4, 0), n]);
  const end = Buffer.concat([le(4, 0x06054b50), le(2, 0), le(2, 0), le(2, 1), le(2, 1), le(4, central.length), le(4, local.length), le(2, 0)]);
  return Buffer.concat([local, central, end]);
}

// ELF64 x86-64 executable header + one PT_LOAD + `exit(0)`; never marked executable on disk.
function elf() {
  const code = Buffer.from([0xb8, 60, 0, 0, 0, 0x31, 0xff, 0x0f, 0x05]);
  const b = Buffer.alloc(64 + 56 + code.length);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]).copy(b, 0);
  b.writeUInt16LE(2, 16); b.writeUInt16LE(0x3e, 18); b.writeUInt32LE(1, 20);
  b.writeBigUInt64LE(0x400078n, 24); b.writeBigUInt64LE(64n, 32);
  b.writeUInt16LE(64, 52); b.writeUInt16LE(56, 54); b.writeUInt16LE(1, 56); b.writeUInt16LE(64, 58);
  b.writeUInt32LE(1, 64); b.writeUInt32LE(5, 68); b.writeBigUInt64LE(0x400000n, 80); b.writeBigUInt64LE(0x400000n, 88);
  b.writeBigUInt64LE(BigInt(b.length), 96); b.writeBigUInt64LE(BigInt(b.length), 104); b.writeBigUInt64LE(0x1000n, 112);
  code.copy(b, 120);
  return b;
}

// ICO wrapping a PNG: an image format, but not one we accept.
function ico(png) {
  const h = Buffer.alloc(22);
  h.writeUInt16LE(1, 2); h.writeUInt16LE(1, 4); h[6] = W; h[7] = H;
  h.writeUInt16LE(1, 10); h.writeUInt16LE(32, 12); h.writeUInt32LE(png.length, 14); h.writeUInt32LE(22, 18);
  return Buffer.concat([h, png]);
}

const avif = await image().avif().toBuffer();
const heif = Buffer.from(avif); heif.write("mif1", 8, "latin1"); // same AV1 item, generic-HEIF major brand
const png = await image().png().toBuffer();
const files = {
  "sample.jpg": await image().jpeg({ quality: 90 }).toBuffer(),
  "sample.png": png,
  "sample.gif": await image().gif().toBuffer(),
  "sample.webp": await image().webp().toBuffer(),
  "sample.avif": avif,
  "sample.heif": heif,
  "sample.heic": heicContainer(W, H),
  "sample.bmp": bmp(W, H),
  "sample.tiff": await image().tiff().toBuffer(),
  "bigtiff.tiff": await image().tiff({ bigtiff: true }).toBuffer(), // 64-bit offsets, IFD0 after the pixels
  "big-exif.jpg": withBigMetadata(await image(BIG_W, BIG_H).jpeg({ quality: 90 }).toBuffer()),
  "sample.svg": ascii(`<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}"><rect width="${W}" height="${H}" fill="red"/><script>alert(1)</script></svg>\n`),
  "sample.pdf": pdf(),
  "fake.png": ascii("This is plain text with a .png name; the bytes, not the name, decide.\n"),
  "sample.elf": elf(),
  "sample.zip": zip("hello.txt", "hello from a zip\n"),
  "sample.ico": ico(png),
};

mkdirSync(OUT, { recursive: true });
for (const [name, bytes] of Object.entries(files)) writeFileSync(join(OUT, name), bytes);
// Self-check: everything sharp can decode must decode to the intended size.
for (const name of ["sample.jpg", "sample.png", "sample.gif", "sample.webp", "sample.avif", "sample.heif", "sample.tiff", "bigtiff.tiff", "big-exif.jpg"]) {
  const { width, height } = await sharp(files[name]).metadata();
  const want = name === "big-exif.jpg" ? [BIG_W, BIG_H] : [W, H];
  if (width !== want[0] || height !== want[1]) throw new Error(`${name}: sharp reads ${width}×${height}`);
  await sharp(files[name]).raw().toBuffer(); // decodes, not just parses the header
}
for (const [name, bytes] of Object.entries(files)) console.log(`${name.padEnd(14)} ${bytes.length} bytes`);
