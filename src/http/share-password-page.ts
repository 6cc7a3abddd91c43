// The page a password-protected share link shows: one form, no script, no style, no
// external asset, so it renders under a CSP that allows nothing but posting the form back.

/** Like the API's CSP, except that the form may post to this origin. */
export const PASSWORD_PAGE_CSP = "default-src 'none'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * `notice` must be plain text from the server (it is escaped anyway). The form has no
 * `action`: it posts to the page's own url, so it works behind a proxy's path prefix, and
 * the password travels in the body, never in the url.
 */
export function passwordPage(notice?: string): string {
  const alert = notice ? `\n<p role="alert"><strong>${escapeHtml(notice)}</strong></p>` : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex">
<title>Password required · pixvault</title>
</head>
<body>
<main>
<h1>This link is protected</h1>
<p>Enter the password you were given to open the shared image.</p>${alert}
<form method="post">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="off" required autofocus>
<button type="submit">Open</button>
</form>
</main>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}
