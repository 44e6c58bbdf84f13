import { Router } from "express";

const page = (title: string, body: string) => `<!doctype html>
<html lang="en-GB"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} – Curve</title></head>
<body><main><h1>${title}</h1>${body}</main></body></html>`;

const PRIVACY = page(
  "Privacy",
  `<p>Curve holds the partnership's plans and the people named in them: names, work email addresses, job titles,
roles, and the Slack or Teams accounts linked to them. It records who changed what, when and from where.</p>
<p>It uses this only to keep the plans up to date and to remind people of what they own. It does not share it
outside the partnership, and it keeps pledges signed privately out of every public register.</p>
<p>The partnership that runs this Curve is the data controller; ask its coordinator to see, correct or remove
what Curve holds about you.</p>`,
);

const TERMS = page(
  "Terms of use",
  `<p>Curve is provided by the partnership that runs it, for the work of its partners. Use it for that work,
keep what it shows you within the partnership, and record only what you would put in the plans themselves.</p>`,
);

/**
 * GET /privacy and /terms: the pages the Teams app manifest links to (its privacyUrl and
 * termsOfUseUrl are `<CURVE_PUBLIC_URL>/privacy` and `/terms`), so they never 404.
 */
export function legalPages(): Router {
  const router = Router();
  const send = (html: string) => (_req: unknown, res: import("express").Response) =>
    void res.set({ "content-type": "text/html; charset=utf-8", "cache-control": "public, max-age=3600", "x-content-type-options": "nosniff" }).send(html);
  router.get("/privacy", send(PRIVACY));
  router.get("/terms", send(TERMS));
  return router;
}
