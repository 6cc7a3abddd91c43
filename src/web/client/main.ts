// The web UI's entry: the page frame (header, navigation, notices), the routes, and the
// session check that decides between the sign-in page and the user's images.
import "./styles.css";
import "./albums.css";
import { accountPage } from "./account-page.ts";
import { openAlbumLink } from "./album-link.ts";
import { albumPage } from "./album-page.ts";
import { albumsView } from "./albums-view.ts";
import { whenSignedOut } from "./api.ts";
import { h } from "./dom.ts";
import { duplicatesView } from "./duplicates-view.ts";
import { galleryView } from "./gallery-view.ts";
import { imagePage } from "./image-page.ts";
import { explain } from "./messages.ts";
import { clearNotices, dropStaleNotice, notify, noticeRegion } from "./notices.ts";
import { navigate, route, routeQuery, startRouter, type View } from "./router.ts";
import { currentUser, forgetSession, resumeSession, signOut } from "./session.ts";
import { signInView } from "./sign-in.ts";
import { singleSignOnFailure, singleSignOnLabel } from "./single-sign-on.ts";
import { signUpView } from "./sign-up.ts";

const nav = h("nav", { "aria-label": "Main" });
const main = h("main", { id: "main" });

/** Views that need a signed-in user send everyone else to the sign-in page. */
const signedIn =
  (view: View): View =>
  (...params) => {
    if (currentUser()) return view(...params);
    navigate("#/signin");
    return h("p", {}, "Signing in…");
  };

/** The sign-in and sign-up pages send a signed-in user home, showing nothing meanwhile. */
function home(): HTMLElement {
  navigate("#/");
  return h("p", {});
}

/**
 * Where the server sends a failed single sign-on (`#/sign-in?error=CODE`). Signed out, that is the
 * sign-in page, which says why. Signed in, it was a link started on the account page: back there,
 * with the reason as a notice.
 */
async function singleSignOnFailed(): Promise<HTMLElement> {
  const code = routeQuery().get("error");
  if (!currentUser()) {
    navigate(code ? `#/signin?${new URLSearchParams({ error: code })}` : "#/signin", { replace: true });
    return h("p", {});
  }
  if (!code) return home();
  notify(singleSignOnFailure(code, (await singleSignOnLabel()) ?? "the provider", true), "error");
  navigate("#/account", { replace: true });
  return h("p", {});
}

function renderNav(): void {
  const user = currentUser();
  const here = (location.hash || "#/").split("?")[0]!;
  const link = (href: string, label: string) =>
    h("a", { href, "aria-current": here === href || (href !== "#/" && here.startsWith(href)) ? "page" : undefined }, label);
  if (!user) {
    nav.replaceChildren(link("#/signin", "Sign in"), link("#/signup", "Sign up"), link("#/public", "Public images"));
    return;
  }
  const out = h("button", { type: "button", class: "link" }, "Sign out");
  out.addEventListener("click", async () => {
    try {
      await signOut();
      notify("Signed out.");
    } catch (e) {
      notify(explain(e), "error");
    }
    navigate("#/signin");
  });
  nav.replaceChildren(
    link("#/", "My images"),
    link("#/albums", "Albums"),
    link("#/duplicates", "Duplicates"),
    link("#/public", "Public images"),
    link("#/account", "Account"),
    h("span", { class: "who" }, user.username),
    out,
  );
}

async function boot(): Promise<void> {
  document.body.replaceChildren(
    h("a", { class: "skip", href: "#main" }, "Skip to content"),
    h("header", { class: "top" }, h("a", { class: "brand", href: "#/" }, "pixvault"), nav),
    noticeRegion(),
    main,
  );
  // The skip link must not change the route: move focus instead.
  document.querySelector(".skip")!.addEventListener("click", (e) => {
    e.preventDefault();
    main.querySelector<HTMLElement>("h1")?.focus();
  });
  // Asked alongside the session: the sign-in page adds its button without a wait of its own.
  void singleSignOnLabel();
  await resumeSession();
  whenSignedOut(() => {
    forgetSession();
    notify("Your session has ended. Sign in again.", "error");
    navigate("#/signin");
  });
  route(/^\/signin$/, () => (currentUser() ? home() : signInView()));
  route(/^\/sign-in$/, singleSignOnFailed);
  route(/^\/signup$/, () => (currentUser() ? home() : signUpView()));
  route(/^\/public$/, () => galleryView("public"));
  route(/^\/image\/([^/]+)$/, (id) => imagePage(id!));
  route(
    /^\/albums$/,
    signedIn(() => albumsView()),
  );
  route(
    /^\/albums\/([^/]+)$/,
    signedIn((id) => albumPage(id!)),
  );
  route(
    /^\/duplicates$/,
    signedIn(() => duplicatesView()),
  );
  route(
    /^\/account$/,
    signedIn(() => accountPage()),
  );
  route(
    /^\/$/,
    signedIn(() => galleryView("mine")),
  );
  let renderedFor: string | undefined;
  startRouter(main, () => {
    // Signing in starts afresh: "Signed out." or "Your session has ended" spoke of the session before.
    const user = currentUser()?.id;
    if (user !== undefined && user !== renderedFor) clearNotices();
    else dropStaleNotice();
    renderedFor = user;
    renderNav();
  });
}

// An album link (/a/<token>) is the same page with a frame and routes of its own.
if (location.pathname.startsWith("/a/")) openAlbumLink();
else void boot();
