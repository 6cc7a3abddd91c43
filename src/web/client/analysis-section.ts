// The image page's "Found in this image" (SPEC §9): the objects the analysis found with its
// confidence, each a link to the grid filtered by it, and the image's colours, each a link to the
// grid filtered by its colour name. While the server is still analysing, it says so and asks again.
import { type Image, images } from "./api.ts";
import { bucketOf, swatch } from "./color-swatches.ts";
import { h } from "./dom.ts";
import { filteredHash } from "./listing-controls.ts";
import { onLeave } from "./router.ts";

const POLL_MS = 3000;
/** About two minutes: a server busy with a large upload may take that long; a reload asks again. */
const MAX_POLLS = 40;

/** `gridPath`: the grid the links filter ("/" for one's own images, "/public"); `analysed` gets the finished image. */
export function analysisSection(image: Image, gridPath: string, analysed: (image: Image) => void): HTMLElement {
  const body = h("div", { class: "analysis", "aria-live": "polite" }, ...content(image, gridPath));
  let timer: ReturnType<typeof setTimeout> | undefined;
  let polls = 0;
  const poll = () => {
    timer = setTimeout(async () => {
      polls += 1;
      const fresh = await images.get(image.id).catch(() => undefined);
      if (fresh && fresh.analysis.status !== "pending") {
        body.replaceChildren(...content(fresh, gridPath));
        analysed(fresh);
      } else if (polls < MAX_POLLS) poll();
    }, POLL_MS);
  };
  if (image.analysis.status === "pending") {
    poll();
    onLeave(() => clearTimeout(timer));
  }
  return h(
    "section",
    { class: "panel", "aria-labelledby": "analysis-title" },
    h("h2", { id: "analysis-title" }, "Found in this image"),
    body,
  );
}

function content(image: Image, gridPath: string): HTMLElement[] {
  const { status, labels, colors } = image.analysis;
  if (status === "pending") return [h("p", { class: "hint" }, "Analysing… objects and colours appear here when it is done.")];
  // A failure is the server's business (it is in its log); to the viewer there is just nothing to show.
  if (status === "failed" || (labels.length === 0 && colors.length === 0)) return [h("p", { class: "hint" }, "Nothing recognised.")];
  return [
    h("h3", { id: "labels-title" }, "Objects"),
    labels.length
      ? h(
          "ul",
          { class: "labels", "aria-labelledby": "labels-title" },
          ...labels.map(({ name, score }) =>
            h(
              "li",
              {},
              h(
                "a",
                { href: filteredHash(gridPath, { label: name }), title: `Show images labelled ${name}` },
                name,
                h("span", { class: "score" }, ` ${Math.round(score * 100)}%`),
              ),
            ),
          ),
        )
      : h("p", { class: "hint" }, "No object recognised."),
    h("h3", { id: "colors-title" }, "Colours"),
    h("ul", { class: "colors", "aria-labelledby": "colors-title" }, ...colors.map((hex) => h("li", {}, colorLink(hex, gridPath)))),
  ];
}

/** A swatch with its colour name, linking to the grid of that colour; the exact value as its title. */
function colorLink(hex: string, gridPath: string): HTMLElement {
  const bucket = bucketOf(hex);
  if (!bucket) return h("span", { class: "color", title: hex, role: "img", "aria-label": hex }, swatch(hex));
  return h(
    "a",
    {
      class: "color",
      href: filteredHash(gridPath, { color: bucket }),
      title: `${hex}: show images with ${bucket}`,
      "aria-label": `${bucket} (${hex})`,
    },
    swatch(hex),
    h("span", {}, bucket),
  );
}
